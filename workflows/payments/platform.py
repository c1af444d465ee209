"""The national payment platform's wire format (pay.gov.vn style), in this one module so it can be corrected in one
place when pointed at the real platform: PAYMENT_PLATFORM_URL, PAYMENT_PLATFORM_PARTNER_CODE and
PAYMENT_PLATFORM_SECRET (by default the simulator under /mo-phong/thanh-toan/ of this server).

Every message, both ways, carries `checksum`: the hex SHA-256 of its fields' values in a fixed order, joined with
"|", followed by "|" and the shared secret. Answers carry `error_code`, "00" for success.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.utils import timezone

# The fields each message signs, in order.
INIT_FIELDS = ("partner_code", "reference", "amount", "currency", "order_info", "dossier_code", "return_url",
               "notify_url", "created_at")
INIT_ANSWER_FIELDS = ("error_code", "reference", "transaction_id", "payment_url")
RESULT_FIELDS = ("partner_code", "reference", "transaction_id", "amount", "status", "bank_code", "paid_at",
                 "receipt_number")
LOOKUP_FIELDS = ("partner_code", "reference")

# The platform's transaction statuses.
PAID, PENDING, FAILED, CANCELLED = "00", "01", "02", "03"
STATUSES = (PAID, PENDING, FAILED, CANCELLED)
# What OneStop answers a callback with.
ACCEPTED, BAD_CHECKSUM, UNKNOWN_REFERENCE, AMOUNT_MISMATCH, BAD_REQUEST, NOT_RECORDED = (
    "00", "01", "02", "03", "04", "05")
TIME_FORMAT = "%Y%m%d%H%M%S"


class PlatformError(Exception):
    """The platform did not answer, or answered something we cannot trust."""


class BadMessage(ValueError):
    """A message that is malformed or not signed with our secret: `code` is the answer's error code."""

    def __init__(self, message, code=BAD_REQUEST):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Result:
    """A transaction's state as the platform tells it, in a callback or in answer to a query."""

    reference: str
    transaction_id: str
    amount: int
    status: str
    bank_code: str
    paid_at: datetime | None
    receipt_number: str

    @property
    def is_final(self):
        return self.status != PENDING


def is_configured():
    return bool(settings.PAYMENT_PLATFORM_URL and settings.PAYMENT_PLATFORM_SECRET)


def checksum(message, fields, secret=None):
    secret = settings.PAYMENT_PLATFORM_SECRET if secret is None else secret
    text = "|".join([*(str(message.get(name, "")) for name in fields), secret])
    return hashlib.sha256(text.encode()).hexdigest()


def signed(message, fields):
    return {**message, "checksum": checksum(message, fields)}


def verify(message, fields):
    given = message.get("checksum")
    if not isinstance(given, str) or not hmac.compare_digest(given.lower(), checksum(message, fields)):
        raise BadMessage("The checksum does not match.", BAD_CHECKSUM)


def init(*, reference, amount, order_info, dossier_code, return_url, notify_url):
    """Creates the payment at the platform; returns (transaction id, the payment page's URL)."""
    message = signed({
        "partner_code": settings.PAYMENT_PLATFORM_PARTNER_CODE, "reference": reference, "amount": amount,
        "currency": "VND", "order_info": order_info, "dossier_code": dossier_code, "return_url": return_url,
        "notify_url": notify_url, "created_at": timezone.localtime().strftime(TIME_FORMAT),
    }, INIT_FIELDS)
    answer = _post_json("init", message)
    if answer.get("error_code") != ACCEPTED or not answer.get("payment_url"):
        raise PlatformError(f"init {reference}: {answer.get('error_code')} {answer.get('message', '')}")
    _verify_answer(answer, INIT_ANSWER_FIELDS)
    if answer.get("reference") != reference:
        raise PlatformError(f"init {reference}: the answer is for {answer.get('reference')}")
    return str(answer.get("transaction_id", "")), answer["payment_url"]


def query(reference):
    """The transaction's state now."""
    answer = _post_json("query", _lookup(reference))
    if answer.get("error_code") != ACCEPTED:
        raise PlatformError(f"query {reference}: {answer.get('error_code')} {answer.get('message', '')}")
    try:
        result = parse_result(answer)
    except BadMessage as error:
        raise PlatformError(f"query {reference}: {error}") from None
    if result.reference != reference:
        raise PlatformError(f"query {reference}: the answer is for {result.reference}")
    return result


def receipt(reference):
    """The electronic receipt (biên lai điện tử) of a paid transaction, as PDF bytes."""
    response = _post("receipt", _lookup(reference))
    if not response.headers.get("Content-Type", "").startswith("application/pdf") \
            or not response.content.startswith(b"%PDF"):
        raise PlatformError(f"receipt {reference}: not a PDF")
    return response.content


def parse_result(message):
    """A callback's or query answer's fields, checked: signed with our secret, for our partner code, with an amount
    and a status the platform defines. Raises BadMessage."""
    if not isinstance(message, dict):
        raise BadMessage("Not a JSON object.")
    verify(message, RESULT_FIELDS)
    if message.get("partner_code") != settings.PAYMENT_PLATFORM_PARTNER_CODE:
        raise BadMessage("Another partner's transaction.")
    status, amount = message.get("status"), message.get("amount")
    if status not in STATUSES:
        raise BadMessage("Unknown status.")
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise BadMessage("The amount is not a whole number of VND.") from None
    return Result(reference=str(message.get("reference", "")), transaction_id=str(message.get("transaction_id", "")),
                  amount=amount, status=status, bank_code=str(message.get("bank_code", ""))[:20],
                  paid_at=_moment(message.get("paid_at")), receipt_number=str(message.get("receipt_number", ""))[:50])


def answer(code, message=""):
    """OneStop's answer to a callback, in the platform's format."""
    return {"error_code": code, "message": message}


def _moment(value):
    if not value:
        return None
    try:
        return timezone.make_aware(datetime.strptime(str(value), TIME_FORMAT))
    except ValueError:
        raise BadMessage("The payment time is not yyyyMMddHHmmss.") from None


def _lookup(reference):
    return signed({"partner_code": settings.PAYMENT_PLATFORM_PARTNER_CODE, "reference": reference}, LOOKUP_FIELDS)


def _verify_answer(answer, fields):
    try:
        verify(answer, fields)
    except BadMessage:
        raise PlatformError("The platform's answer is not signed with our secret.") from None


def _post_json(operation, message):
    try:
        answer = _post(operation, message).json()
    except ValueError:
        raise PlatformError(f"{operation}: the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise PlatformError(f"{operation}: the answer is not a JSON object")
    return answer


def _post(operation, message):
    url = f"{settings.PAYMENT_PLATFORM_URL.rstrip('/')}/{operation}/"
    try:
        response = requests.post(url, json=message, timeout=settings.PAYMENT_PLATFORM_TIMEOUT)
    except requests.RequestException as error:
        raise PlatformError(f"{operation}: {error}") from None
    if response.status_code != 200:
        raise PlatformError(f"{operation}: HTTP {response.status_code}")
    return response
