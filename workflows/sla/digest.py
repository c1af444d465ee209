"""The leaders' daily summary of their agencies' open dossiers, one per leader per working day."""

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format

from workflows.dossiers import events as outbox
from workflows.dossiers.models import Dossier, OutboxEvent, StaffMembership
from workflows.dossiers.staff import LEADER_ROLES
from workflows.worktime.clock import working_calendar


def send_daily_digest(day=None):
    """One summary per leader of their agencies' open dossiers, on working days; a second run the same day
    writes nothing (the event's key)."""
    day = day or timezone.localdate()
    if not working_calendar().is_working_day(day):
        return 0
    memberships = (StaffMembership.objects.filter(role__in=LEADER_ROLES, user__is_active=True)
                   .exclude(user__email="").select_related("agency").order_by("agency__name"))
    agencies_of = {}
    for membership in memberships:
        agencies_of.setdefault(membership.user_id, {})[membership.agency_id] = membership.agency.name
    agency_ids = {agency for agencies in agencies_of.values() for agency in agencies}
    open_states = [*Dossier.RUNNING_STATES, *Dossier.CLOCK_STOPPED_STATES]
    figures = {
        row.pop("competent_agency"): row
        for row in Dossier.objects.filter(competent_agency__in=agency_ids, state__in=open_states)
        .values("competent_agency").annotate(
            waiting=Count("pk", filter=Q(state__in=Dossier.RUNNING_STATES)),
            due_soon=Count("pk", filter=Q(state__in=Dossier.RUNNING_STATES, sla_mark=Dossier.SlaMark.DUE_SOON)),
            overdue=Count("pk", filter=Q(state__in=Dossier.RUNNING_STATES, sla_mark=Dossier.SlaMark.OVERDUE)),
            paused=Count("pk", filter=Q(state__in=Dossier.CLOCK_STOPPED_STATES)),
        )
    }
    empty = {"waiting": 0, "due_soon": 0, "overdue": 0, "paused": 0}
    now = timezone.now()
    events = [
        OutboxEvent(recipient_id=user_id, event="digest", created_at=now, key=f"digest:{day.isoformat()}:{user_id}",
                    data={"day": date_format(day, "d/m/Y"),
                          "agencies": [{"name": name, **figures.get(agency_id, empty)}
                                       for agency_id, name in agencies.items()]})
        for user_id, agencies in agencies_of.items()
    ]
    keys = [event.key for event in events]
    with transaction.atomic():
        written_before = set(OutboxEvent.objects.filter(key__in=keys).values_list("key", flat=True))
        OutboxEvent.objects.bulk_create(events, ignore_conflicts=True)
        outbox.announce()
    return len(set(keys) - written_before)
