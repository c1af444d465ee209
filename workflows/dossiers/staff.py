"""Staff roles held at agencies, and the questions every rule asks of them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.models import StepRole


class StaffRole(models.TextChoices):
    RECEIVING_OFFICER = StepRole.RECEIVING_OFFICER.value, StepRole.RECEIVING_OFFICER.label
    SPECIALIST = StepRole.SPECIALIST.value, StepRole.SPECIALIST.label
    DEPARTMENT_HEAD = StepRole.DEPARTMENT_HEAD.value, StepRole.DEPARTMENT_HEAD.label
    AGENCY_LEADER = StepRole.AGENCY_LEADER.value, StepRole.AGENCY_LEADER.label
    RESULT_DESK = StepRole.RESULT_DESK.value, StepRole.RESULT_DESK.label
    PROVINCE_ADMIN = "province_admin", _("Province administrator")


LEADER_ROLES = (StaffRole.DEPARTMENT_HEAD, StaffRole.AGENCY_LEADER)


def staff_roles(user):
    """The (agency id, role) pairs a user holds, read once per user object."""
    cached = getattr(user, "_onestop_staff_roles", None)
    if cached is None:
        if user is None or not user.is_authenticated:
            cached = frozenset()
        else:
            cached = frozenset(user.staff_memberships.values_list("agency_id", "role"))
        if user is not None:
            user._onestop_staff_roles = cached
    return cached


def agencies_where(user, *roles):
    """The agencies at which the user holds any of `roles`."""
    return {agency_id for agency_id, role in staff_roles(user) if role in roles}


def holds_role(user, agency_id, *roles):
    held = staff_roles(user)
    return agency_id is not None and any((agency_id, role) in held for role in roles)


def acting_role(user, agency_id, roles):
    """The first of `roles` the user holds at the agency: what the audit entry records they acted as."""
    held = staff_roles(user)
    return next((role for role in roles if (agency_id, role) in held), "")
