"""Who may take a transition and when it applies: the predicates the transition registry names. Each takes the
dossier (and, for a permission, the person) and answers yes or no; none changes anything."""

from workflows.worktime.calendar import SlaStatus

from .staff import LEADER_ROLES, StaffRole, holds_role, staff_roles
from .states import Channel, State


def nobody(dossier, user):
    """The system's own transitions: no person takes them."""
    return False


def is_applicant(dossier, user):
    return user is not None and user.is_authenticated and dossier.applicant_id == user.pk


def is_filing_officer(dossier, user):
    return holds_role(user, dossier.filing_desk_id, StaffRole.RECEIVING_OFFICER)


def is_filing_system(dossier, user):
    """An integrated system files for a citizen through the API, as its own service account."""
    return (dossier.channel == Channel.INTEGRATED and user is not None and user.is_authenticated
            and dossier.filed_by_id == user.pk)


def may_submit(dossier, user):
    return is_applicant(dossier, user) or is_filing_officer(dossier, user) or is_filing_system(dossier, user)


def is_receiving_officer(dossier, user):
    return holds_role(user, dossier.receiving_agency_id, StaffRole.RECEIVING_OFFICER)


def may_edit(dossier, user):
    """The applicant, the integrated system that filed it, or a receiving officer of the desk that received the
    dossier (or, for a draft, filed it: the desk a citizen chose for their draft has not received it yet)."""
    desk = (dossier.filing_desk_id if dossier.state == State.DRAFT
            else dossier.receiving_agency_id or dossier.filing_desk_id)
    return is_applicant(dossier, user) or is_filing_system(dossier, user) or holds_role(
        user, desk, StaffRole.RECEIVING_OFFICER)


def is_current_step_actor(dossier, user):
    step = dossier.current_step
    if step is None:
        return False
    if dossier.assignee_id is not None:
        return dossier.assignee_id == user.pk
    return holds_role(user, dossier.step_agency_id(step), step["role"])


def may_assign(dossier, user):
    step = dossier.current_step
    return step is not None and holds_role(user, dossier.step_agency_id(step), step["role"], *LEADER_ROLES)


def is_result_desk(dossier, user):
    return holds_role(user, dossier.result_desk_id, StaffRole.RESULT_DESK)


def leads_competent_agency(dossier, user):
    return holds_role(user, dossier.competent_agency_id, *LEADER_ROLES)


def may_settle_withdrawal(dossier, user):
    """A leader of the competent agency, or whoever works the current step."""
    return leads_competent_agency(dossier, user) or is_current_step_actor(dossier, user)


def is_consulted(dossier, user):
    consulted = {agency_id for agency_id, _role in staff_roles(user)}
    return dossier.consultations.filter(agency_id__in=consulted).exists()


# Conditions: whether the transition applies to the dossier as it stands, whoever asks.

def next_step_processes(dossier):
    following = dossier.next_step
    return following is not None and following["role"] != StaffRole.RESULT_DESK


def has_previous_step(dossier):
    return dossier.previous_step is not None


def may_still_ask_once(dossier):
    return dossier.supplements_in_processing == 0


def is_at_risk(dossier):
    reading = dossier.clock()
    return reading is not None and reading.status in (SlaStatus.DUE_SOON, SlaStatus.OVERDUE, SlaStatus.PAUSED)


def all_answered(dossier):
    return not dossier.consultations.filter(answered_at__isnull=True).exists()


def decision_is_due(dossier):
    return (dossier.current_step is not None and not next_step_processes(dossier)
            and dossier.state == State.PROCESSING)
