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

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from procedures.models import Agency, Procedure, ProcedureVersion
from workflows.dossiers import events
from workflows.dossiers.models import Dossier, OutboxEvent
from workflows.notifications import tasks as notification_tasks
from workflows.notifications.models import Notification
from workflows.reporting import tallies
from workflows.worktime.clock import working_calendar

from .demo import PROVINCIAL_CENTRE, WARD_DESK
from .lives import Life, Plan
from .people import NATIONAL_PORTAL, PAYMENT_PLATFORM, People, system_account

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


@dataclass
class HistoryReport:
    dossiers: int = 0
    states: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def seed_history(*, dossiers=1000, seed=2026, end=None, tallies_refreshed=True):
    """Files `dossiers` dossiers over the year up to `end` (now) and lives each through the services, the same way
    for the same seed; then refreshes the indicators' tallies. Refuses a database that already holds dossiers
    or no catalogue."""
    started = time.monotonic()
    if Dossier.objects.exists():
        raise HistoryError("The database already holds dossiers: the demo history is written to an empty one.")
    if not Procedure.objects.exists():
        raise HistoryError("No catalogue: run manage.py load_catalogue first.")
    end = (end or timezone.now()).replace(second=0, microsecond=0)
    rng = random.Random(seed)
    clock = HistoryClock()
    with quiet_outbox(), transaction.atomic():
        with clock.running():
            clock.moment = end - timedelta(days=366)
            province = Province(rng, end, clock)
            plans = province.plans(dossiers)
            for plan in sorted(plans, key=lambda plan: plan.submitted_at):
                Life(province, plan).live()
        # The history's messages were delivered in their day; its inbox lines older than a week were read.
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
        return [*plans, *self._tour(), *self._showcase()]

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
        by_code = {procedure.code: procedure for procedure in self.procedures}
        last = self.calendar.position(self.end)
        plans = []
        for minutes, (code, desk_code, channel, stage) in zip(range(240, 0, -20), SHOWCASE, strict=False):
            procedure, desk = by_code.get(code), self.agency.get(desk_code)
            if procedure is None or desk is None:
                continue
            commune = desk.unit if procedure.level == Procedure.Level.COMMUNE else None
            plans.append(Plan(procedure, desk, channel, self.calendar.moment(last - minutes), commune, stage,
                              incidents=frozenset()))
        return plans

    def _tour(self):
        """One dossier for every kind of life, earlier in the year, so that even a small history shows them."""
        by_code = {procedure.code: procedure for procedure in self.procedures}
        plans = []
        for code, channel, incidents in TOUR:
            if code not in by_code:
                continue
            plan = self._plan(by_code[code])
            plan.channel, plan.incidents = channel, frozenset(incidents)
            first, last = self.calendar.position(self.start), self.calendar.position(self.end - timedelta(days=60))
            plan.submitted_at = self.calendar.moment(self.rng.randint(first, last))
            plans.append(plan)
        return plans

    def payment_reference(self):
        self.payments += 1
        return f"TT{self.end:%y}{self.payments:07d}"


def get_demo_citizens():
    return get_user_model().objects.filter(username="congdan", identity_number__isnull=False,
                                           phone__isnull=False)
