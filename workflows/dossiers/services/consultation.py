"""Consulting other agencies (liên thông) and their answers."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from workflows.worktime.clock import working_days_after

from .. import events
from ..models import Consultation, Dossier
from ..staff import LEADER_ROLES, StaffRole, acting_role, agencies_where
from ..transitions import serves
from .core import NotPermitted, audit, lock, required, take

__all__ = ["consult_agencies", "answer_consultation"]


@serves("consult")
def consult_agencies(*, dossier, acting_user, agencies, question, days, expected_version=None, client_ip=None):
    """The current step asks other agencies for their opinion; each has `days` working days to answer, within the
    dossier's time limit (the clock keeps running)."""
    question = required(question)
    now = timezone.now()

    def apply(dossier):
        consulted = [agency for agency in agencies if agency.pk != dossier.competent_agency_id]
        if not consulted:
            raise ValidationError(_("Choose at least one other agency to consult."), code="no_agency")
        due = working_days_after(now, days)
        dossier.consult()
        Consultation.objects.bulk_create([
            Consultation(dossier=dossier, agency=agency, question=question, requested_at=now, due_at=due,
                         requested_by=acting_user)
            for agency in consulted
        ])

    return take(dossier, acting_user, "consult", apply, expected_version=expected_version,
                client_ip=client_ip, note=question, data={"agencies": [agency.pk for agency in agencies]})


@transaction.atomic
def answer_consultation(*, dossier, acting_user, answer, expected_version=None, client_ip=None):
    """A consulted agency's officer answers; when the last answer is in, the dossier returns to the step that
    asked."""
    answer = required(answer)
    dossier = lock(dossier, expected_version)
    agencies = agencies_where(acting_user, StaffRole.SPECIALIST, *LEADER_ROLES)
    consultation = (dossier.consultations.select_for_update()
                    .filter(agency_id__in=agencies, answered_at__isnull=True).first())
    if dossier.state != Dossier.State.CONSULTING or consultation is None:
        raise NotPermitted(_("Your agency has no open consultation on this dossier."))
    consultation.answer, consultation.answered_at, consultation.answered_by = answer, timezone.now(), acting_user
    consultation.save(update_fields=["answer", "answered_at", "answered_by"])
    queue_before = events.queue_position(dossier)
    if can_proceed(dossier.end_consultation):
        # The last answer: back to the step that asked, in its holder's queue, told as every transition is.
        dossier.end_consultation()
    dossier.version += 1
    events.save_transition(dossier, actor=acting_user, queue_before=queue_before)
    audit(dossier, acting_user, "consultation_answered", from_state=Dossier.State.CONSULTING, note=answer,
          client_ip=client_ip, role=acting_role(acting_user, consultation.agency_id,
                                                [StaffRole.SPECIALIST, *LEADER_ROLES]),
          agency=consultation.agency_id, data={"consultation": consultation.pk})
    return dossier
