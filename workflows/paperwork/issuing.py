"""What OneStop issues is sealed and registered: a slip or an electronic copy gets the agency's seal and a
timestamp (workflows.signing) and a QR code of its verification address; a signed result is registered as the
leader approved it. The registry (IssuedDocument) is what the verification page answers from."""

import hashlib
import logging

from django.db import transaction
from django.urls import reverse

from workflows.dossiers.models import AuditEntry
from workflows.signing import sealing
from workflows.signing.validation import certificate_identity, last_signature_digest

from . import slips
from .models import IssuedDocument, new_token
from .printing import place_of

logger = logging.getLogger(__name__)


def verification_url(request, token):
    return request.build_absolute_uri(reverse("paperwork:verified", args=[token]))


def register(data, *, token=None, dossier, kind, title, issued_by, agency=None, signer_name="", fingerprint=""):
    return IssuedDocument.objects.create(
        token=token or new_token(), sha256=hashlib.sha256(data).hexdigest(),
        signature_digest=last_signature_digest(data), dossier=dossier, kind=kind, title=title[:200],
        issued_by=issued_by, issuer_name=(issued_by.get_full_name() or issued_by.get_username())[:200]
        if issued_by else "", agency_name=agency.name[:300] if agency else "", signer_name=signer_name[:200],
        certificate_fingerprint=fingerprint)


def seal_and_register(data, *, agency=None, **registration):
    """The PDF sealed with the agency's certificate when one is configured (AGENCY_SEAL), then registered."""
    signer = sealing.agency_signer()
    signer_name = fingerprint = ""
    if signer is not None:
        data = sealing.seal_pdf(data, signer=signer, reason="Văn bản do hệ thống một cửa điện tử phát hành",
                                location=place_of(agency) if agency else "")
        signer_name, fingerprint = certificate_identity(signer.signing_cert)
    register(data, agency=agency, signer_name=signer_name, fingerprint=fingerprint, **registration)
    return data


def issue_slip(request, dossier, name, *, lookup_url):
    """Slip `name` as issued to whoever asked: sealed, registered, its QR code pointing at its verification."""
    token = new_token()
    data = slips.render(name, dossier, lookup_url=lookup_url, verify_url=verification_url(request, token))
    entry, issuer = slips.documented_entry(name, dossier)
    return seal_and_register(data, token=token, dossier=dossier, kind=IssuedDocument.Kind.SLIP,
                             title=slips.SLIPS[name].label, issued_by=entry.actor, agency=issuer)


def issue_result_copy(dossier):
    """The electronic copy of a result as served to the applicant: the leader's signed file with the agency's
    seal added (the leader's signature stays valid: the seal is an incremental update)."""
    with dossier.result_file.open("rb") as file:
        data = file.read()
    approval = _approval(dossier)
    return seal_and_register(data, dossier=dossier, kind=IssuedDocument.Kind.COPY, title=_result_title(dossier),
                             issued_by=approval.actor if approval else None,
                             agency=dossier.competent_agency if dossier.competent_agency_id else None)


def _approval(dossier):
    return (AuditEntry.objects.filter(dossier=dossier, action="approve").select_related("actor")
            .order_by("-at", "-id").first())


def _result_title(dossier):
    return dossier.procedure_version.snapshot.get("result") or "Kết quả giải quyết thủ tục hành chính"


def register_result(dossier, leader):
    """The result `leader` approved, registered as signed (run after the approval commits), from the dossier as the
    approval saved it: its result's fields change no more."""
    if not dossier.result_file:
        return None
    with dossier.result_file.open("rb") as file:
        data = file.read()
    return register(data, dossier=dossier, kind=IssuedDocument.Kind.RESULT, title=_result_title(dossier),
                    issued_by=leader,
                    agency=dossier.competent_agency if dossier.competent_agency_id else None,
                    signer_name=dossier.result_signer_name, fingerprint=dossier.result_certificate_fingerprint)


def on_transition(sender, dossier, name, actor, **kwargs):
    """The engine's transition_saved: an approved result is registered once its transaction commits."""
    if name == "approve":
        transaction.on_commit(lambda: register_result(dossier, actor), robust=True)
