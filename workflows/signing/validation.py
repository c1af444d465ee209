"""Is this PDF signed, by whom, with a certificate the province trusts, and unchanged since? (pyHanko)"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from . import outside_event_loop

__all__ = ["SignatureRefused", "Signature", "certificate_identity", "last_signature_digest", "require_holding",
           "signatures_of", "validation_context", "verify_result"]

# Vietnamese CAs write the holder's identity number in the subject's serialNumber or UID, often with its kind:
# "CCCD:001085012345", "CMND:...".
IDENTITY_ATTRIBUTES = ("serial_number", "user_id")
# An update after the signature that changes no content: a later timestamp, revocation data.
UNCHANGED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
OUT_OF_VALIDITY = (AdESIndeterminate.EXPIRED, AdESIndeterminate.NOT_YET_VALID, AdESFailure.NOT_YET_VALID,
                   AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED)
ENTIRE_FILE = SignatureCoverageLevel.ENTIRE_FILE
REVOKED = (AdESFailure.REVOKED, AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE)


class SignatureRefused(ValueError):
    """A signature that does not hold; the message says why, for the person who uploaded the file."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Signature:
    """One signature of a PDF as validated: whose it is, when it was made, and whether it holds."""

    signer_name: str
    fingerprint: str  # SHA-256 of the signer's certificate, hex
    identity_numbers: frozenset
    signed_at: datetime | None
    digest: str  # SHA-256 of the signature's CMS object: finds the signed document again in a changed file
    covered_digest: str  # SHA-256 of the bytes the signature covers (the file as it was signed)
    intact: bool  # the signed bytes are unchanged
    unchanged_since: bool  # nothing but timestamps or revocation data was added after it
    trusted: bool
    problem: str  # why it does not hold, "" when it does
    problem_code: str


def _load_certificates(path):
    with open(path, "rb") as file:
        data = file.read()
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def _load_crl(path):
    with open(path, "rb") as file:
        data = file.read()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return asn1_crl.CertificateList.load(data)


def validation_context(*, trust_roots=None, crls=None, at=None):
    """The province's trust: its roots (RESULT_SIGNATURE_TRUST_ROOTS, PEM or DER files), revocation lists kept
    locally (RESULT_SIGNATURE_CRLS) and, when SIGNATURE_REVOCATION_FETCHING is on, CRLs and OCSP fetched online."""
    roots = [cert for path in (settings.RESULT_SIGNATURE_TRUST_ROOTS if trust_roots is None else trust_roots)
             for cert in _load_certificates(path)]
    crl_list = [_load_crl(path) for path in (settings.RESULT_SIGNATURE_CRLS if crls is None else crls)]
    return ValidationContext(trust_roots=roots, crls=crl_list, allow_fetching=settings.SIGNATURE_REVOCATION_FETCHING,
                             revocation_mode=settings.SIGNATURE_REVOCATION_MODE, moment=at)


def identity_numbers(certificate):
    """The identity numbers the certificate's subject carries (digits only)."""
    subject = certificate.subject.native
    found = set()
    for attribute in IDENTITY_ATTRIBUTES:
        values = subject.get(attribute) or []
        for value in [values] if isinstance(values, str) else values:
            found.update(re.findall(r"\d{9,12}", value))
    return frozenset(found)


def _problem(status, certificate, unchanged_since):
    if not status.intact or not status.valid:
        return _("The document was changed after it was signed."), "tampered"
    if not unchanged_since:
        return _("The document was changed after it was signed."), "modified_after_signing"
    if status.revoked:
        return _("The signer's certificate has been revoked."), "revoked"
    indication = status.trust_problem_indic
    if indication in OUT_OF_VALIDITY:
        valid_until = certificate["tbs_certificate"]["validity"]["not_after"].native
        return (_("The signer's certificate is not valid at this time (valid until %(date)s).")
                % {"date": f"{valid_until:%d/%m/%Y}"}), "expired"
    if indication in REVOKED:
        return _("The signer's certificate has been revoked."), "revoked"
    if indication in (AdESIndeterminate.TRY_LATER, AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE):
        return (_("Whether the signer's certificate was revoked cannot be checked now; try again later."),
                "no_revocation")
    if indication == AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE:
        return (_("The signer's certificate cannot be checked: its chain or its revocation status is "
                  "unavailable."), "chain_unchecked")
    if not status.trusted:
        return (_("The signer's certificate is not issued by a certification authority the province trusts."),
                "untrusted")
    if status.timestamp_validity is not None and not status.timestamp_validity.trusted:
        return _("The signature's timestamp cannot be trusted."), "untrusted_timestamp"
    return "", ""


def signatures_of(data, *, context=None):
    """Every signature of the PDF, validated. Raises SignatureRefused if the file is not a readable PDF."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        raise SignatureRefused(_("This file is not a readable PDF."), "not_pdf") from error
    context = context or validation_context()
    statuses = []
    for signature in embedded:
        try:
            statuses.append(outside_event_loop(validate_pdf_signature, signature, context))
        except Exception as error:  # noqa: BLE001 - a malformed signature is a refused one, whatever broke
            raise SignatureRefused(_("A signature in this PDF cannot be read."), "unreadable_signature") from error
    found = []
    for index, (signature, status) in enumerate(zip(embedded, statuses, strict=True)):
        certificate = status.signing_cert
        signer_name, fingerprint = certificate_identity(certificate)
        unchanged_since = _unchanged_since(status, statuses[index + 1:])
        problem, code = _problem(status, certificate, unchanged_since)
        timestamp = status.timestamp_validity
        start, _length, end_start, end_length = signature.byte_range
        found.append(Signature(
            signer_name=signer_name,
            fingerprint=fingerprint,
            identity_numbers=identity_numbers(certificate),
            signed_at=timestamp.timestamp if timestamp is not None else status.signer_reported_dt,
            digest=signature_digest(signature),
            covered_digest=hashlib.sha256(data[start:end_start + end_length]).hexdigest(),
            intact=status.intact and status.valid,
            unchanged_since=unchanged_since,
            trusted=status.bottom_line and not problem,
            problem=problem,
            problem_code=code,
        ))
    return found


def _unchanged_since(status, later):
    """Nothing but timestamps or revocation data was added after the signature; or only form filling (adding a
    signature is that), closed by a later signature that holds over the whole file, such as OneStop's seal."""
    if status.modification_level is None or status.modification_level in UNCHANGED:
        return True
    return status.modification_level == ModificationLevel.FORM_FILLING and any(
        other.bottom_line and other.modification_level in UNCHANGED and other.coverage == ENTIRE_FILE
        for other in later)


def signature_digest(embedded_signature):
    return hashlib.sha256(embedded_signature.signer_info["signature"].native).hexdigest()


def require_holding(found):
    """Refuses a PDF that carries no signature, or one whose signature fails."""
    if not found:
        raise SignatureRefused(_("The result document is not digitally signed: sign it with your digital "
                                 "signature certificate and upload it again."), "unsigned")
    for signature in found:
        if signature.problem:
            raise SignatureRefused(signature.problem, signature.problem_code)
    return found


def verify_result(data, *, signer_identity_number):
    """The signature of a result the approving leader uploads: one that holds, made with a certificate the
    province trusts whose subject carries the leader's identity number. None when nothing is to be checked:
    signatures are not required (RESULT_SIGNATURES_REQUIRED) and the file carries none, or no trust roots are
    configured to check them against (development)."""
    required = settings.RESULT_SIGNATURES_REQUIRED
    if not required and not settings.RESULT_SIGNATURE_TRUST_ROOTS:
        return None
    try:
        found = signatures_of(data)
    except SignatureRefused:
        if required:
            raise
        return None  # what pyHanko cannot read carries no signature to check
    if not found and not required:
        return None
    require_holding(found)
    if not signer_identity_number:
        raise SignatureRefused(_("Your account has no identity number to match the certificate's: ask the "
                                 "administrator to record it."), "no_identity_number")
    mine = [signature for signature in found if signer_identity_number in signature.identity_numbers]
    if not mine:
        raise SignatureRefused(_("The result is signed by %(name)s, not with your own certificate: sign it "
                                 "yourself.") % {"name": found[-1].signer_name}, "wrong_signer")
    return mine[-1]


def last_signature_digest(data):
    """The value of the PDF's last signature (see Signature.digest), "" when it carries none; nothing validated."""
    try:
        embedded = PdfFileReader(BytesIO(data), strict=False).embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return ""
    return signature_digest(embedded[-1]) if embedded else ""


def certificate_identity(certificate):
    """The common name and SHA-256 fingerprint of an asn1crypto certificate."""
    return (certificate.subject.native.get("common_name", certificate.subject.human_friendly),
            hashlib.sha256(certificate.dump()).hexdigest())
