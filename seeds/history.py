"""A year of the demo province's life, written through the services as it would have happened.

Every dossier is filed, received, worked, paused, apologised for, decided, paid, returned and rated by the same
service functions the portal, the window and the API call, each at its moment in the past: the services read the
time from django.utils.timezone.now(), which `HistoryClock` sets for the length of the history (the services take no
clock of their own, and time-machine is a test dependency only). So every row agrees with its audit trail. The
messages of the past are marked as relayed: nobody is told today of what happened last spring.
"""

import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from procedures.models import Agency, Procedure, ProcedureVersion
from workflows.dossiers import events
from workflows.dossiers.models import Dossier, OutboxEvent
from workflows.dossiers.staff import StaffRole
from workflows.feedback import services as feedback_services
from workflows.feedback.models import Feedback
from workflows.integrations.national_portal import services as national_portal
from workflows.notifications import tasks as notification_tasks
from workflows.notifications.models import Notification
from workflows.reporting import tallies
from workflows.worktime.calendar import TimeLimit
from workflows.worktime.clock import working_calendar

from . import texts
from .demo import DEPARTMENT, PROVINCIAL_CENTRE, WARD_DESK
from .lives import Life, Plan
from .people import NATIONAL_PORTAL, PAYMENT_PLATFORM, People, system_account

# The size of the demo's year (`./scripts/serve`): a couple of thousand dossiers, about half a minute to write.
DEMO_DOSSIERS = 2000
# How often each procedure is filed, relative to the others: civil status and certification are daily work.
FREQUENT = {"1.001193": 10, "2.000815": 10, "2.000884": 8, "2.000942": 6, "1.000894": 5, "1.000656": 4,
            "1.004873": 6, "3.000333": 6, "1.013831": 7, "1.001612": 5, "1.013225": 4, "1.012784": 4}
# The showcase: dossiers filed in the last working hours at the demo desks and left at each stage, so that every
# demo account finds work in its queue (see seeds.demo).
SHOWCASE = (
    ("1.013831", PROVINCIAL_CENTRE, "online", 0), ("1.012783", PROVINCIAL_CENTRE, "integrated", 0),
    ("1.001193", WARD_DESK, "online", 0), ("1.004873", WARD_DESK, "online", 0),
    ("1.013831", PROVINCIAL_CENTRE, "online", 1), ("1.012786", PROVINCIAL_CENTRE, "counter", 2),
    ("1.013831", PROVINCIAL_CENTRE, "counter", 3), ("1.012790", PROVINCIAL_CENTRE, "online", 4),
    ("1.012783", PROVINCIAL_CENTRE, "counter", 5),
)
# Dossiers at the demo department's specialist whose appointment falls within the due-soon warning, and one
# already past it, so that the deadline queues and badges have something to show: (procedure, desk, channel,
# overdue).
AT_THE_DEADLINE = (
    ("1.013831", PROVINCIAL_CENTRE, "online", False), ("1.013831", PROVINCIAL_CENTRE, "counter", False),
    ("1.013831", PROVINCIAL_CENTRE, "online", True),
)
# Feedback still waiting for its answer at the end, sent this many working days before it: within the warning,
# overdue, and fresh.
FEEDBACK_WAITING = (9.5, 12, 1)
# The share of dossiers filed with an account whose applicant sends feedback or a recommendation about it.
FEEDBACK_SHARE = 0.04
# The tour: one dossier for each kind of life (procedure, channel, what happens to it), so that a history of any
# size shows them all.
TOUR = (
    ("1.013831", "online", {"late", "apology", "rated"}),
    ("1.012784", "counter", {"late"}),
    ("1.013831", "counter", {"financial obligation"}),
    ("1.012784", "online", {"supplement", "rated"}),
    ("1.012786", "online", {"supplement", "supplement never came"}),
    ("3.000333", "online", {"consultation", "rated"}),
    ("1.012790", "counter", {"sent back"}),
    ("1.001612", "online", {"withdrawal requested"}),
    ("1.004873", "online", {"withdrawal requested", "withdrawal declined", "rated"}),
    ("1.001193", "online", {"withdrawn before receipt"}),
    ("2.001610", "counter", {"not received"}),
    ("1.001193", "online", {"asked to complete", "rated"}),
    ("1.013225", "counter", {"asked to complete", "never completed"}),
    ("1.013225", "counter", {"not eligible"}),
    ("2.000815", "counter", {"never collected"}),
)


class HistoryError(Exception):
    """The history cannot be written here; the message says why."""


class HistoryClock:
    """What timezone.now() answers while the history is written."""

    def __init__(self):
        self.moment = None

    @contextmanager
    def running(self):
        with mock.patch.object(timezone, "now", lambda: self.moment):
            yield self


@contextmanager
def quiet_outbox():
    """Nobody is told again of what happened in the past: the relay is not started when the history commits."""
    events.outbox_committed.disconnect(dispatch_uid="start-relay")
    try:
        yield
    finally:
        events.outbox_committed.connect(notification_tasks.start_relay, dispatch_uid="start-relay")


@contextmanager
def unlogged_queries():
    """The history is written with DEBUG on (it invents people), where Django keeps every statement's SQL for the
    debug page; on SQLite, writing that SQL out costs a second statement each, a tenth of the history's time."""
    with mock.patch.object(settings, "DEBUG", False):
        yield


@dataclass
class HistoryReport:
    dossiers: int = 0
    states: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def seed_history(*, dossiers=DEMO_DOSSIERS, seed=2026, end=None, tallies_refreshed=True, progress=None):
    """Files `dossiers` dossiers over the year up to `end` (now) and lives each through the services, the same way
    for the same seed; then refreshes the indicators' tallies. `progress(done, total)` hears after each dossier
    (a minute can pass on a slow machine). Refuses a database that already holds dossiers or no catalogue."""
    started = time.monotonic()
    if Dossier.objects.exists():
        raise HistoryError("The database already holds dossiers: the demo history is written to an empty one.")
    if not Procedure.objects.exists():
        raise HistoryError("No catalogue: run manage.py load_catalogue first.")
    end = (end or timezone.now()).replace(second=0, microsecond=0)
    rng = random.Random(seed)
    clock = HistoryClock()
    with unlogged_queries(), quiet_outbox(), transaction.atomic():
        in_force_before(end - timedelta(days=366))
        with clock.running():
            clock.moment = end - timedelta(days=366)
            province = Province(rng, end, clock)
            plans = province.plans(dossiers)
            for done, plan in enumerate(sorted(plans, key=lambda plan: plan.submitted_at), start=1):
                Life(province, plan).live()
                if progress is not None:
                    progress(done, len(plans))
            province.voices()
        # The history's messages were delivered in their day, and its changes synced to the national portal; its
        # inbox lines older than a week were read.
        national_portal.held_by_the_portal(OutboxEvent.objects.filter(relayed_at__isnull=True, event="webhook"))
        OutboxEvent.objects.filter(relayed_at__isnull=True).update(relayed_at=F("created_at"))
        Notification.objects.filter(read_at__isnull=True, created_at__lt=end - timedelta(days=7)).update(
            read_at=F("created_at"))
    if tallies_refreshed:
        tallies.refresh(last_day=timezone.localdate(end) - timedelta(days=1))
    return HistoryReport(dossiers=len(plans), states=Counter(Dossier.objects.values_list("state", flat=True)),
                         seconds=time.monotonic() - started)


class Province:
    """The catalogue, desks and people the history draws on, and its random choices."""

    def __init__(self, rng, end, clock):
        self.rng, self.end, self.clock = rng, end, clock
        self.start = end - timedelta(days=365)
        self.calendar = working_calendar()
        agencies = list(Agency.objects.select_related("unit").order_by("code"))
        self.agency = {agency.code: agency for agency in agencies}
        self.agency_by_id = {agency.pk: agency for agency in agencies}
        self.committees = {agency.unit_id: agency for agency in agencies
                           if agency.kind == Agency.Kind.COMMUNE_COMMITTEE}
        self.service_points = {agency.unit_id: agency for agency in agencies
                               if agency.kind == Agency.Kind.COMMUNE_SERVICE_POINT and agency.receives_dossiers}
        self.centres = [agency for agency in agencies if agency.receives_dossiers
                        and agency.kind in (Agency.Kind.SERVICE_CENTRE, Agency.Kind.SERVICE_CENTRE_BRANCH)]
        self.departments = [agency for agency in agencies if agency.kind == Agency.Kind.DEPARTMENT]
        self.procedures = list(Procedure.objects.available().filter(versions__isnull=False).distinct()
                               .order_by("code"))
        self.by_code = {procedure.code: procedure for procedure in self.procedures}
        self.snapshots = {version.procedure_id: version.snapshot for version in
                          ProcedureVersion.objects.filter(procedure__in=self.procedures).order_by("number")}
        self.people = People(rng, year=end.year)
        communes = [committee.unit for committee in self.committees.values()]
        self.commune_names = [commune.name for commune in communes]
        self.portal = system_account(NATIONAL_PORTAL, "Cổng Dịch vụ công quốc gia")
        self.platform = system_account(PAYMENT_PLATFORM, "Nền tảng thanh toán trực tuyến", ["payments:record"])
        self.payments = 0

    def plans(self, count):
        demo_citizens = list(get_demo_citizens())
        self.citizens = self.people.citizens(max(count // 8, 20), self.commune_names, reserved=demo_citizens)
        weights = [FREQUENT.get(procedure.code, 2) for procedure in self.procedures]
        plans = [self._plan(self.rng.choices(self.procedures, weights)[0]) for _ in range(count)]
        return [*plans, *self._tour(), *self._showcase(), *self._at_the_deadline()]

    def _plan(self, procedure):
        rng, snapshot = self.rng, self.snapshots[procedure.pk]
        online = 0.6 if snapshot["online_level"] == "full" else 0.35
        channel = rng.choices(["online", "counter", "integrated"], [online, 0.94 - online, 0.06])[0]
        commune = desk = None
        if procedure.level == Procedure.Level.COMMUNE:
            # Hạc Thành, the provincial capital's ward, files the most.
            commune = rng.choices(list(self.committees), [4 if unit == self.agency[WARD_DESK].unit_id else 1
                                                          for unit in self.committees])[0]
            desk = self.service_points[commune]
            if snapshot["boundary_free"] and rng.random() < 0.1:
                desk = self.centres[0]
            commune = self.committees[commune].unit
        else:
            desk = rng.choices(self.centres, [70, 15, 15][:len(self.centres)])[0]
        return Plan(procedure, desk, channel, self._moment(online=channel != "counter"), commune)

    def _moment(self, *, online):
        """Desks file in working hours; citizens online at any hour, mostly in working hours too. The last
        half-day is the showcase's."""
        if online and self.rng.random() < 0.35:
            return self.start + timedelta(minutes=self.rng.randint(0, 365 * 24 * 60 - 12 * 60))
        first, last = self.calendar.position(self.start), self.calendar.position(self.end)
        last -= self.calendar.day_minutes // 2
        return self.calendar.moment(self.rng.randint(first, last))

    def _showcase(self):
        last = self.calendar.position(self.end)
        plans = []
        for minutes, (code, desk, channel, stage) in zip(range(240, 0, -20), SHOWCASE, strict=False):
            plans.append(self._stopped(code, desk, channel, stage, lambda procedure, minutes=minutes:
                                       self.calendar.moment(last - minutes)))
        return [plan for plan in plans if plan]

    def _at_the_deadline(self):
        """Filed long enough before the end that the appointment is near or past, and stopped at the specialist
        (SHOWCASE_STAGES' third stage)."""
        plans = []
        for code, desk, channel, overdue in AT_THE_DEADLINE:
            plans.append(self._stopped(code, desk, channel, 2, lambda procedure, overdue=overdue:
                                       self._filed_for(procedure, overdue=overdue)))
        return [plan for plan in plans if plan]

    def _stopped(self, code, desk_code, channel, stage, filed_at):
        """A dossier of nothing unusual that stops at `stage` of SHOWCASE_STAGES, filed at `filed_at(procedure)`;
        None when the catalogue lacks the procedure or the desk, or there is no such moment."""
        procedure, desk = self.by_code.get(code), self.agency.get(desk_code)
        submitted_at = procedure and desk and filed_at(procedure)
        if not submitted_at:
            return None
        commune = desk.unit if procedure.level == Procedure.Level.COMMUNE else None
        return Plan(procedure, desk, channel, submitted_at, commune, stage, incidents=frozenset())

    def _filed_for(self, procedure, *, overdue):
        """The latest filing moment, an hour into a working day, whose appointment is past at the end (`overdue`)
        or comes within the due-soon warning after it; None when there is none."""
        snapshot = self.snapshots[procedure.pk]
        limit = TimeLimit.of(snapshot["time_limit"], snapshot["time_limit_unit"], snapshot["intake_cutoff"])
        calendar, day, last = self.calendar, self.calendar.day_minutes, self.calendar.position(self.end)
        warning = settings.ONESTOP_DUE_SOON_WORKING_HOURS * 60
        for days_back in range(1, 200):
            filed = calendar.moment((last // day - days_back) * day + 60)
            due = calendar.due(filed, limit)
            if filed < self.start:
                return None
            if overdue and due < self.end and calendar.position(due) < last:
                return filed
            if not overdue and calendar.position(due) - last <= warning:
                return filed if due > self.end else None
        return None

    def voices(self):
        """Feedback and recommendations from applicants about their dossiers, some time after filing: answered
        by the agency's desk or leader, mostly in time and some published; the sender says whether satisfied.
        Those sent lately still wait for their answer."""
        rng, calendar, day = self.rng, self.calendar, self.calendar.day_minutes
        # Sent after the dossier's last act: its trail reads in order, each entry from the state it was in.
        dossiers = (Dossier.objects.filter(applicant__isnull=False, submitted_at__isnull=False)
                    .annotate(last_act=Max("audit_entries__at"))
                    .select_related("applicant", "procedure").order_by("submitted_at", "pk"))
        # The first few of the year, whatever the chances: so that even a small history shows feedback answered,
        # published and judged (satisfied or not).
        tour = iter(({"public", "satisfied"}, {"unsatisfied"}, set()))
        early = self.end - timedelta(days=60)
        for dossier in dossiers:
            planned = next(tour, None) if dossier.submitted_at < early else None
            if planned is None and rng.random() >= FEEDBACK_SHARE:
                continue
            sent = calendar.add(dossier.last_act, rng.randint(30, 5 * day))
            if sent >= self.end:
                continue
            kind = rng.choice(Feedback.Kind.values)
            self.clock.moment = sent
            feedback = feedback_services.submit_feedback(
                acting_user=dossier.applicant, kind=kind, content=rng.choice(texts.FEEDBACK[kind]), dossier=dossier)
            answered = calendar.add(sent, rng.randint(60, (8 if planned is not None else 13) * day))
            if answered >= self.end:
                continue
            self.clock.moment = answered
            role = rng.choice([StaffRole.RECEIVING_OFFICER, StaffRole.RECEIVING_OFFICER, StaffRole.AGENCY_LEADER])
            public = "public" in planned if planned is not None else rng.random() < 0.4
            feedback = feedback_services.answer_feedback(
                feedback=feedback, acting_user=self.people.staff(feedback.agency, role),
                answer=rng.choice(texts.FEEDBACK_ANSWERS[kind]), publish=public)
            judged = calendar.add(answered, rng.randint(10, 3 * day))
            verdict = (planned & {"satisfied", "unsatisfied"} if planned is not None
                       else {"satisfied" if rng.random() < 0.8 else "unsatisfied"} if rng.random() < 0.6 else set())
            if judged < self.end and verdict:
                self.clock.moment = judged
                feedback_services.rate_handling(feedback=feedback, acting_user=dossier.applicant,
                                                satisfied="satisfied" in verdict)
        self._waiting_feedback(dossiers.filter(competent_agency__code=DEPARTMENT))

    def _waiting_feedback(self, dossiers):
        last = self.calendar.position(self.end)
        for days in FEEDBACK_WAITING:
            sent = self.calendar.moment(last - round(days * self.calendar.day_minutes))
            dossier = dossiers.filter(last_act__lt=sent).exclude(feedback__isnull=False).last()
            if dossier is None:
                continue
            kind = self.rng.choice(Feedback.Kind.values)
            self.clock.moment = sent
            feedback_services.submit_feedback(acting_user=dossier.applicant, kind=kind, dossier=dossier,
                                              content=self.rng.choice(texts.FEEDBACK[kind]))

    def _tour(self):
        """One dossier for every kind of life, earlier in the year, so that even a small history shows them."""
        plans = []
        for code, channel, incidents in TOUR:
            if code not in self.by_code:
                continue
            plan = self._plan(self.by_code[code])
            plan.channel, plan.incidents = channel, frozenset(incidents)
            first, last = self.calendar.position(self.start), self.calendar.position(self.end - timedelta(days=60))
            plan.submitted_at = self.calendar.moment(self.rng.randint(first, last))
            plans.append(plan)
        return plans

    def payment_reference(self):
        self.payments += 1
        return f"TT{self.end:%y}{self.payments:07d}"


def in_force_before(moment):
    """The demo catalogue was just loaded, but the history tells of a year under it: a procedure's first
    version is dated as published before the history begins, so that no dossier is filed under a version
    published after it."""
    ProcedureVersion.objects.filter(number=1, created_at__gt=moment).update(created_at=moment)


def get_demo_citizens():
    return get_user_model().objects.filter(username="congdan", identity_number__isnull=False,
                                           phone__isnull=False)
