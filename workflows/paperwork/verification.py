"""Is this PDF something OneStop issued, for which dossier, by whom, and is it unchanged? Answered from the
registry of issued documents (IssuedDocument) and the signatures the file carries (workflows.signing)."""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from onestop.uploads import PDF, validate_upload
from workflows.dossiers.services.decision import RESULT_MAX_BYTES
from workflows.signing.validation import Signature, SignatureRefused, signatures_of

from .models import IssuedDocument

MAX_BYTES = RESULT_MAX_BYTES


@dataclass(frozen=True)
class Verdict:
    # What OneStop issued that this file is, or claims to be (its signature's value matches); None: not OneStop's.
    document: IssuedDocument | None
    # Byte for byte the file OneStop issued.
    unchanged: bool
    signatures: list[Signature]

    @property
    def issued(self):
        return self.document is not None


def verify_upload(upload, *, token=None):
    """The verdict on an uploaded file; a file that is not a readable PDF, or too large, is refused with a
    ValidationError. With `token` (from a QR code), the file is compared with that document."""
    validate_upload(upload, allowed=PDF, max_bytes=MAX_BYTES)
    upload.seek(0)
    return verify(upload.read(), token=token)


def verify(data, *, token=None):
    try:
        signatures = signatures_of(data)
    except SignatureRefused as refusal:
        raise ValidationError(str(refusal), code=refusal.code) from refusal
    sha256 = hashlib.sha256(data).hexdigest()
    documents = IssuedDocument.objects.select_related("dossier")
    if token is not None:
        document = documents.filter(token=token).first()
        return Verdict(document, document is not None and document.sha256 == sha256, signatures)
    document = documents.filter(sha256=sha256).first()
    if document is not None:
        return Verdict(document, True, signatures)
    digests = [signature.digest for signature in signatures]
    document = documents.filter(signature_digest__in=digests).first() if digests else None
    return Verdict(document, False, signatures)

