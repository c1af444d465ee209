"""Receipt at the desk: received and routed, refused, or asked for what is missing."""

from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.models import Agency

from ..transitions import serves
from .core import DossierError, required, take
from .deadlines import receipt_deadlines, supplement_due
from .supplement import require_something_supplied

__all__ = ["receive_dossier", "competent_agency_for", "refuse_dossier", "request_documents", "resubmit_dossier"]


@serves("receive")
def receive_dossier(*, dossier, acting_user, expected_version=None, client_ip=None, note=""):
    """The receiving officer finds the dossier complete and valid: it is routed to the competent agency, the clock
    starts and the appointment is set."""
    now = timezone.now()

    def apply(dossier):
        dossier.receive(at=now, competent_agency=competent_agency_for(dossier), **receipt_deadlines(dossier, now))

    return take(dossier, acting_user, "receive", apply, expected_version=expected_version,
                client_ip=client_ip, note=note)


def competent_agency_for(dossier):
    """Where the dossier is settled: the department the procedure names, or the chosen commune's committee."""
    snapshot = dossier.procedure_version.snapshot
    if snapshot["competent_agency"]:
        return Agency.objects.get(code=snapshot["competent_agency"]["code"])
    committee = (Agency.objects.effective_today()
                 .filter(unit_id=dossier.commune_id, kind=snapshot["competent_agency_kind"]).first())
    if committee is None:
        raise DossierError(_("No agency of %(commune)s settles this procedure.") % {"commune": dossier.commune})
    return committee


@serves("refuse")
def refuse_dossier(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """Not within the agency's competence or not eligible: the dossier is not received, with a written reason."""
    reason = required(reason)
    return take(dossier, acting_user, "refuse",
                lambda dossier: dossier.refuse(at=timezone.now(), reason=reason),
                expected_version=expected_version, client_ip=client_ip, note=reason)


@serves("request_documents")
def request_documents(*, dossier, acting_user, missing, expected_version=None, client_ip=None):
    """Incomplete at receipt: the applicant is told exactly what is missing, once and in full; the clock has not
    started."""
    missing = required(missing)
    until = supplement_due(timezone.now())
    # The deadline goes into the audit entry: the stop notice cites it after the dossier has forgotten it.
    return take(dossier, acting_user, "request_documents",
                lambda dossier: dossier.request_documents(at=timezone.now(), missing=missing,
                                                          supplement_due_at=until),
                expected_version=expected_version, client_ip=client_ip, note=missing,
                data={"supplement_due_at": until.isoformat()})


@serves("resubmit")
def resubmit_dossier(*, dossier, acting_user, note="", expected_version=None, client_ip=None):
    """The applicant has supplied what was missing; the dossier waits for receipt again. Refused while nothing new
    came since the request, as a supplement is (supply_supplement)."""
    note = (note or "").strip()
    supplied = {}

    def apply(dossier):
        supplied.update(require_something_supplied(dossier, acting_user, note))
        dossier.resubmit(at=timezone.now())

    return take(dossier, acting_user, "resubmit", apply, expected_version=expected_version, client_ip=client_ip,
                note=note, data=supplied)
