"""The decision and its return: an apology with a new appointment, approval, refusal, the result returned."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.uploads import PDF, validate_upload
from workflows.signing.validation import SignatureRefused, verify_result

from ..transitions import serves
from .core import required, take
from .deadlines import working_minutes_taken

__all__ = ["apologise", "RESULT_MAX_BYTES", "approve_dossier", "refuse_result", "return_result"]


@serves("apologise")
def apologise(*, dossier, acting_user, new_appointment, reason, expected_version=None, client_ip=None):
    """A dossier that will miss or has missed its appointment gets an apology with a new appointment, sent before
    the due date where possible. It stays counted as late."""
    reason = required(reason)
    if new_appointment is None:
        raise ValidationError(_("Give the new appointment."), code="no_appointment")

    def apply(dossier):
        if new_appointment <= max(dossier.appointment_at, timezone.now()):
            raise ValidationError(_("The new appointment must be later than the current one and than now."),
                                  code="appointment_not_later")
        dossier.apologise(new_appointment=new_appointment)

    return take(dossier, acting_user, "apologise", apply, expected_version=expected_version,
                client_ip=client_ip, note=reason, data={"new_appointment": new_appointment.isoformat()})


RESULT_MAX_BYTES = 20 * 1024 * 1024


@serves("approve")
def approve_dossier(*, dossier, acting_user, result_file=None, expected_version=None, client_ip=None, note=""):
    """The signing leader approves: the result is ready to return, with its electronic document (a PDF, judged by
    content) when there is one. A result the applicant asked to receive online cannot be approved without it.
    The result must be signed by the leader with a certificate the province trusts when RESULT_SIGNATURES_REQUIRED
    is on: a changed file, another person's, an expired, revoked or untrusted certificate are refused."""
    signature = None
    if result_file is not None:
        validate_upload(result_file, allowed=PDF, max_bytes=RESULT_MAX_BYTES)
        signature = _verified_signature(result_file, acting_user)
    elif dossier.result_delivery == dossier.ResultDelivery.ONLINE:
        raise ValidationError(_("The applicant asked for the result online: attach the signed result document "
                                "(PDF)."), code="result_required")

    def apply(dossier):
        now = timezone.now()
        dossier.approve(at=now, working_minutes_taken=working_minutes_taken(dossier, now))
        if result_file is not None:
            dossier.result_file.save(Path(result_file.name).name, result_file, save=False)
        if signature is not None:
            dossier.result_signer_name = signature.signer_name[:200]
            dossier.result_certificate_fingerprint = signature.fingerprint
            dossier.result_signed_at = signature.signed_at

    return take(dossier, acting_user, "approve", apply, expected_version=expected_version,
                client_ip=client_ip, note=note)


def _verified_signature(result_file, leader):
    """The leader's signature on the result, checked against the province's trust roots (workflows.signing);
    None when signatures are not checked here (see verify_result)."""
    result_file.seek(0)
    data = result_file.read()
    result_file.seek(0)
    try:
        return verify_result(data, signer_identity_number=getattr(leader, "identity_number", ""))
    except SignatureRefused as refusal:
        raise ValidationError({"result_file": ValidationError(str(refusal), code=refusal.code)}) from refusal


@serves("refuse_result")
def refuse_result(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """The applicant is not eligible: the result is a written refusal with its reason."""
    reason = required(reason)

    def apply(dossier):
        now = timezone.now()
        dossier.refuse_result(at=now, reason=reason, working_minutes_taken=working_minutes_taken(dossier, now))

    return take(dossier, acting_user, "refuse_result", apply, expected_version=expected_version,
                client_ip=client_ip, note=reason)


@serves("return_result")
def return_result(*, dossier, acting_user, expected_version=None, client_ip=None):
    """The result desk hands the result to the applicant."""
    return take(dossier, acting_user, "return_result",
                lambda dossier: dossier.return_result(at=timezone.now()),
                expected_version=expected_version, client_ip=client_ip)
