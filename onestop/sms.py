"""Text messages to phones, through the backend named by settings.SMS_BACKEND (as Django does for email).

A backend is a class whose `send(phone, text, *, reference=None)` delivers one message and returns its message
id. `reference` is the caller's idempotency key for that message (a notification's id, say): a gateway that
sees the same reference twice sends once, so a retried request or a redelivered task never texts a citizen
twice.
"""

import functools
import json
import logging
import uuid
from pathlib import Path

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

# What the in-memory backend sent, newest last, like django.core.mail.outbox.
outbox = []


class SmsDeliveryError(Exception):
    """The message was not delivered. `retryable` tells a task whether trying again later can help."""

    def __init__(self, message, *, retryable, status=None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status

    def __reduce__(self):
        # Keyword-only arguments don't survive the default pickling, and Celery pickles what a task raised.
        return functools.partial(type(self), retryable=self.retryable, status=self.status), (str(self),)


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone, text, *, reference=None):
    """Send one message through the configured backend and return its message id; see the module docstring."""
    return get_backend().send(phone, text, reference=reference)


class ConsoleBackend:
    """Development: the message goes to the log instead of a gateway."""

    def send(self, phone, text, *, reference=None):
        logger.warning("SMS to %s: %s", phone, text)
        return uuid.uuid4().hex


class LocmemBackend:
    """Tests: the message is kept in `outbox`."""

    def send(self, phone, text, *, reference=None):
        message_id = uuid.uuid4().hex
        outbox.append({"phone": phone, "text": text, "reference": reference, "message_id": message_id})
        return message_id


class FileBackend:
    """Development and demos: each message is appended as one JSON line to SMS_FILE_PATH/<local date>.jsonl.

    Like Django's file email backend, it keeps what would have been sent so a developer can read the codes; a
    line per message can be followed with `tail -f` and parsed back with json.loads.
    """

    def __init__(self, file_path=None):
        self.directory = Path(file_path or settings.SMS_FILE_PATH)
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, phone, text, *, reference=None):
        message_id = uuid.uuid4().hex
        now = timezone.localtime()
        record = {"time": now.isoformat(), "phone": phone, "text": text, "reference": reference,
                  "message_id": message_id}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        # One unbuffered write to a file opened for appending: the kernel puts each line at the end whole, so
        # workers and web processes writing at once never interleave their lines.
        with open(self.directory / f"{now.date().isoformat()}.jsonl", "ab", buffering=0) as file:
            file.write(line)
        return message_id


class _GatewayRetry(Retry):
    """Honours a gateway's Retry-After, up to backoff_max only: a citizen may be waiting on the page."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.backoff_max)


class HttpGatewayBackend:
    """Production: a provider's HTTP SMS API (a brandname gateway), with timeouts and retries.

    The API as this adapter speaks it: POST SMS_GATEWAY_URL with `Authorization: Bearer SMS_GATEWAY_TOKEN` and
    the JSON body {"to", "from", "text", "reference"}; a 2xx answer carries the gateway's message id as JSON
    "id" (or "message_id"). A provider that differs is a subclass overriding `payload` and `message_id`.

    Connection errors, timeouts, 429 and 5xx are tried SMS_GATEWAY_ATTEMPTS times in all with exponential
    backoff, the same reference each time so the gateway can recognise a repeat; then
    SmsDeliveryError(retryable=True). Any other answer outside 2xx (a 3xx included) fails at once with
    retryable=False: sending it again would be refused again.
    """

    RETRY_STATUSES = frozenset([429, *range(500, 600)])

    def __init__(self, url=None, token=None, sender=None, connect_timeout=None, read_timeout=None,
                 attempts=None, backoff=None):
        self.url = url or settings.SMS_GATEWAY_URL
        if not self.url:
            raise ImproperlyConfigured("HttpGatewayBackend needs SMS_GATEWAY_URL.")
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.sender = sender if sender is not None else settings.SMS_SENDER
        self.timeout = (connect_timeout or settings.SMS_GATEWAY_CONNECT_TIMEOUT,
                        read_timeout or settings.SMS_GATEWAY_READ_TIMEOUT)
        self.attempts = attempts or settings.SMS_GATEWAY_ATTEMPTS
        self.backoff = backoff if backoff is not None else settings.SMS_GATEWAY_BACKOFF

    def __repr__(self):
        # The token stays out of reprs, and so out of tracebacks with locals and error reports.
        return f"<{type(self).__name__} {self.url}>"

    def payload(self, phone, text, reference):
        return {"to": phone, "from": self.sender, "text": text, "reference": reference}

    def message_id(self, response, reference):
        try:
            body = response.json()
        except ValueError:
            body = {}
        found = (body.get("id") or body.get("message_id")) if isinstance(body, dict) else None
        # Accepted without an id we can read: the reference still names the message at the gateway, and
        # failing now would only make the caller send it again.
        return str(found) if found else reference

    def _retry(self):
        return _GatewayRetry(
            total=self.attempts - 1, backoff_factor=self.backoff, backoff_max=max(self.backoff * 8, 1),
            status_forcelist=self.RETRY_STATUSES,
            # POST is safe to repeat here only because every attempt carries the same reference.
            allowed_methods=frozenset(["POST"]),
            # The last 429/5xx comes back as a response, for us to turn into a retryable SmsDeliveryError.
            raise_on_status=False,
        )

    def send(self, phone, text, *, reference=None):
        reference = reference or uuid.uuid4().hex
        # A session per message: send_sms builds a backend per call, so a pool kept longer would leak sockets.
        with requests.Session() as session:
            adapter = HTTPAdapter(max_retries=self._retry())
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            try:
                response = session.post(
                    self.url, json=self.payload(phone, text, reference), timeout=self.timeout,
                    headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                # Timeouts, refused or dropped connections, on every attempt: the gateway may be back later.
                logger.warning("SMS %s not delivered: gateway unreachable (%s)", reference,
                               type(exc).__name__)
                raise SmsDeliveryError(f"SMS gateway unreachable after {self.attempts} attempts: {exc}",
                                       retryable=True) from exc
        # Not response.ok: redirects aren't followed (a POST would become a GET), so a 3xx is a failure too.
        if 200 <= response.status_code < 300:
            message_id = self.message_id(response, reference)
            logger.info("SMS %s accepted by the gateway as %s", reference, message_id)
            return message_id
        retryable = response.status_code in self.RETRY_STATUSES
        logger.warning("SMS %s not delivered: gateway answered %s", reference, response.status_code)
        raise SmsDeliveryError(
            f"SMS gateway answered {response.status_code} {response.reason}: {response.text[:200]}",
            retryable=retryable, status=response.status_code,
        )
