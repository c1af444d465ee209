"""What people say about a dossier: staff's internal notes and the applicant's rating of the service."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Rating
from ..staff import staff_roles
from ..states import RATEABLE_STATES
from .core import InvalidTransition, NotPermitted, audit, bounded, lock, required

__all__ = ["add_note", "rate_service"]


@transaction.atomic
def add_note(*, dossier, acting_user, note, client_ip=None):
    """A staff member who may see the dossier leaves an internal note for colleagues; the applicant never sees
    it. The caller has checked that they may see the dossier (workflows.selectors.visible_dossiers)."""
    note = required(note)
    dossier = lock(dossier, None)
    roles = staff_roles(acting_user)
    agency_id = next((agency for agency, _role in roles if agency in (
        dossier.competent_agency_id, dossier.receiving_agency_id, dossier.filing_desk_id, dossier.result_desk_id)),
        None)
    return audit(dossier, acting_user, "note", from_state=dossier.state, note=note, client_ip=client_ip,
                 role=next((role for agency, role in roles if agency == agency_id), ""), agency=agency_id)


@transaction.atomic
def rate_service(*, dossier, acting_user, score, comment="", client_ip=None):
    """The applicant rates how they were served, once, after the result (or a refusal)."""
    dossier = lock(dossier, None)
    if dossier.applicant_id != acting_user.pk:
        raise NotPermitted(_("Only the applicant may rate this dossier's service."))
    if dossier.state not in RATEABLE_STATES:
        raise InvalidTransition(_("You can rate the service once the result is out."))
    if Rating.objects.filter(dossier=dossier).exists():
        raise InvalidTransition(_("You have already rated this dossier's service."))
    if score not in range(1, 6):
        raise ValidationError(_("Choose a score from 1 to 5."), code="score_out_of_range")
    rating = Rating.objects.create(dossier=dossier, score=score, comment=bounded(comment),
                                   rated_at=timezone.now())
    audit(dossier, acting_user, "rated", from_state=dossier.state, client_ip=client_ip, role="applicant",
          data={"score": score})
    return rating
