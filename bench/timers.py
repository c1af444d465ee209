"""Times the SLA timers' deadline scan (workflows.sla.timers.mark_deadlines) on PostgreSQL over 100,000 and
1,000,000 open dossiers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_timers .venv/bin/python bench/timers.py \
        --sizes 100000 1000000

The database is created and migrated if needed, and filled in SQL up to each size with dossiers whose clock
runs (received 15%, processing 80%, consulting 5%). There are no closed dossiers: the partial indexes leave
them out, but a sequential scan would read them too. Time is simulated: the scans run as of a fixed working
day, Tuesday 10 March 2026, whatever today's date, so the database can be kept between runs (but it is never
emptied: drop it to time fewer dossiers than it holds). Legal deadlines fall at the close of a working day
(they are counted in whole days): 3% in the last five days, the rest over the next ten, so about a tenth fall
due at each closing time. Step deadlines fall on any working minute from an hour and a half overdue to three
days ahead. Dossiers are marked due soon and overdue as the timers would have left them at 16:50.

For each size, from that state, prints seconds, dossiers marked (by threshold) and outbox events written of:
(a) the steady scan at 16:55, five minutes later as the beat runs it, where about 0.7% of the dossiers cross a
threshold; (b) the same scan again, which must mark nothing; (c) the first scan after the 17:00 close, where
the tenth due that day turn overdue at once; (d) the worst case, a month later, where every dossier is
overdue. Then the plans of the steady scan's statements, run again after (b): whether they read the partial
indexes, and how many rows they read to mark none. The outbox is emptied before each scan and the events are
not relayed (bench/notifications.py times the relay).
"""

import argparse
import os
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from lifecycle import prepare_database, setup_office  # noqa: E402

# A Tuesday with ten working days ahead and five behind, away from Tết and the April-May holidays.
ANCHOR_DAY = (2026, 3, 10)
DAYS_BEHIND, DAYS_AHEAD = 5, 10
# Step deadlines: from this many working minutes overdue to this many ahead, three working days of 7 h 30 (a
# step's share is half a day to 3.5 days).
STEP_BEHIND, STEP_AHEAD = 90, 3 * 450
ROLES = ["receiving_officer", "specialist", "department_head", "agency_leader", "result_desk"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="open dossiers to time the scan over, in increasing order")
    args = parser.parse_args()
    prepare_database()
    office = setup_office()

    from workflows.dossiers import events
    from workflows.dossiers.models import Dossier

    # The events stay in the outbox to be counted: relaying them is another benchmark's subject, and without a
    # broker the relay would run in this process, inside the timed scan.
    events.outbox_committed.disconnect(dispatch_uid="start-relay")
    moments = simulated_moments()
    for size in sorted(args.sizes):
        started = time.perf_counter()
        added = fill(office, size, moments)
        reset_marks(moments)
        held = Dossier.objects.filter(state__in=Dossier.RUNNING_STATES).count()
        print(f"\n{held:,} open dossiers ({added:,} written and vacuumed in {time.perf_counter() - started:.0f} s"
              f"{'; drop the database to time fewer' if held > size else ''}); {marked_share()}")
        settled = scan(moments["settled"])
        if settled["marked"]:
            print(f"  warning: the 16:50 state was not settled, the first scan marked {settled['marked']:,}")
        with CaptureQueriesContext(connection) as captured:
            report("(a) steady, 16:55, 5 min later", scan(moments["steady"]))
        report("(b) the same scan again", scan(moments["steady"]))
        # Now, while the statistics are those the steady scan was planned with; run again they mark nothing.
        plans = explain_scan([query["sql"] for query in captured.captured_queries
                              if query["sql"].startswith("WITH picked")])
        report("(c) first scan after the 17:00 close", scan(moments["after_close"]))
        report("(d) worst case, all overdue", scan(moments["month_later"]))
        print("  plans of the steady scan's statements, run again (as in b):\n" + "\n".join(plans))


def simulated_moments():
    """The scan times, and the deadlines to spread the dossiers over, from the working calendar."""
    from workflows.worktime.clock import working_calendar

    calendar = working_calendar()
    day = calendar.position(datetime(*ANCHOR_DAY, 12, tzinfo=calendar.timezone)) // calendar.day_minutes

    def at(offset):
        return calendar.moment(day * calendar.day_minutes + offset)

    settled = at(calendar.day_minutes - 10)
    here = calendar.position(settled)
    return {
        "settled": settled,
        "steady": at(calendar.day_minutes - 5),
        # Out of hours, which the calendar's moments never are.
        "after_close": at(calendar.day_minutes) + timedelta(minutes=5),
        "month_later": at(30 * calendar.day_minutes + 150),
        # A day's deadline is its closing time: the boundary between it and the next working day.
        "closes": [at((offset + 1) * calendar.day_minutes) for offset in range(-DAYS_BEHIND, DAYS_AHEAD)],
        "step_deadlines": [calendar.moment(here + offset) for offset in range(-STEP_BEHIND, STEP_AHEAD)],
        "due_soon": calendar.moment(here + settings.ONESTOP_DUE_SOON_WORKING_HOURS * 60),
        "step_due_soon": calendar.moment(here + settings.ONESTOP_STEP_DUE_SOON_WORKING_HOURS * 60),
    }


def draw(seed, modulus):
    """A well-mixed number from 0 to modulus - 1 for dossier n: the draws are independent of each other."""
    return f"((hashint8extended(n, {seed}) & 4294967295) %% {modulus})"


# The marks mark_deadlines would have left at 16:50, so that its first scan from there marks nothing.
MARKS = {field: f"""CASE WHEN {deadline} < %(settled)s THEN 'overdue'
                         WHEN {deadline} <= %({deadline}_soon)s THEN 'due_soon' ELSE '' END"""
         for field, deadline in [("sla_mark", "due_at"), ("step_sla_mark", "step_due_at")]}

FILL = f"""
INSERT INTO workflows_dossier (
    code, procedure_id, procedure_version_id, applicant_name, applicant_identity_number, applicant_phone,
    applicant_email, applicant_address, channel, receiving_agency_id, competent_agency_id, result_desk_id,
    form_data, result_delivery, delivery_address, result_file, fees_due, fees_paid, state, current_step_order,
    step_role, assignee_id, step_started_at, step_due_at, submitted_at, received_at, due_at, appointment_at,
    sla_mark, step_sla_mark, supplements_in_processing, apology_count, outcome, reason, version, created_at,
    updated_at, state_before_withdrawal, withdrawal_reason)
SELECT
    %(desk_code)s || '-T-' || to_char(n, 'FM0000000'), %(procedure)s, %(version)s, 'Nguyễn Văn ' || n,
    '038' || to_char(n, 'FM000000000'), '09' || to_char(n, 'FM00000000'), 'cd' || n || '@example.vn', '',
    'online', %(desk)s, %(agency)s, %(desk)s, '{{}}', 'at_desk', '', '', 0, 0, state, step,
    (%(roles)s::text[])[step], CASE WHEN step = 2 AND {draw(4, 10)} < 7 THEN %(specialist)s END,
    greatest(received_at, step_due_at - interval '1 day'), step_due_at, received_at - interval '2 hours',
    received_at, due_at, due_at, {MARKS["sla_mark"]}, {MARKS["step_sla_mark"]}, 0, 0, '', '', step,
    received_at, received_at, '', ''
FROM (
    SELECT *, due_at - interval '9 days' AS received_at,
           CASE state WHEN 'received' THEN 1 WHEN 'consulting' THEN 2 ELSE 2 + {draw(5, 3)} END AS step
    FROM (
        SELECT n,
               CASE WHEN {draw(1, 100)} < 15 THEN 'received' WHEN {draw(1, 100)} < 95 THEN 'processing'
                    ELSE 'consulting' END AS state,
               -- 3 in 100 are late by one to five days; the others are due at one of the next ten closings.
               (%(closes)s::timestamptz[])[CASE WHEN {draw(2, 100)} < 3 THEN 1 + {draw(3, DAYS_BEHIND)}
                                                ELSE {DAYS_BEHIND + 1} + {draw(3, DAYS_AHEAD)} END] AS due_at,
               (%(step_deadlines)s::timestamptz[])[1 + {draw(6, STEP_BEHIND + STEP_AHEAD)}] AS step_due_at
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
    ) AS drawn
) AS dossier
"""


def fill(office, size, moments):
    """Dossiers written in SQL until `size` have their clock running; returns how many were written."""
    from workflows.dossiers.models import Dossier

    running = Dossier.objects.filter(state__in=Dossier.RUNNING_STATES)
    missing = size - running.count()
    if missing <= 0:
        return 0
    # Numbers the codes, so that a second fill never repeats one.
    first = (Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    procedure = office["procedure"]
    with connection.cursor() as cursor:
        cursor.execute(FILL, {
            **moments, "first": first, "last": first + missing - 1, "desk_code": office["desk"].code,
            "procedure": procedure.pk, "version": procedure.current_version.pk, "desk": office["desk"].pk,
            "agency": procedure.competent_agency_id, "specialist": office["specialist"].pk, "roles": ROLES,
            "due_at_soon": moments["due_soon"], "step_due_at_soon": moments["step_due_soon"],
        })
    return missing


def reset_marks(moments):
    """Back to the 16:50 state after an earlier size's scans, in a table vacuumed as autovacuum would."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE workflows_dossier
                SET sla_mark = {MARKS["sla_mark"]}, step_sla_mark = {MARKS["step_sla_mark"]}
                WHERE state IN ('received', 'processing', 'consulting')
                  AND (sla_mark, step_sla_mark) <> ({MARKS["sla_mark"]}, {MARKS["step_sla_mark"]})""",
            {**moments, "due_at_soon": moments["due_soon"], "step_due_at_soon": moments["step_due_soon"]})
        cursor.execute("TRUNCATE workflows_delivery, workflows_outboxevent")
        cursor.execute("VACUUM ANALYZE workflows_dossier")


def marked_share():
    from django.db.models import Count, Q

    from workflows.dossiers.models import Dossier

    counts = Dossier.objects.filter(state__in=Dossier.RUNNING_STATES).aggregate(
        **{f"{prefix}{mark}": Count("pk", filter=Q(**{field: mark}))
           for prefix, field in (("", "sla_mark"), ("step_", "step_sla_mark"))
           for mark in ("due_soon", "overdue")})
    return "marked at 16:50: " + ", ".join(f"{label} {count:,}" for label, count in counts.items())


def scan(now):
    """One mark_deadlines as of `now`, timed with its commit, from an empty outbox."""
    from workflows.dossiers.models import OutboxEvent
    from workflows.sla.timers import mark_deadlines

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE workflows_delivery, workflows_outboxevent")
    started = time.perf_counter()
    counts = mark_deadlines(now)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "marked": sum(counts.values()), "counts": counts,
            "events": OutboxEvent.objects.count()}


def report(title, result):
    counts = ", ".join(f"{event} {count:,}" for event, count in result["counts"].items())
    print(f"  {title:<38} {result['seconds']:7.3f} s   marked {result['marked']:>9,}   "
          f"events {result['events']:>9,}   ({counts})")


def explain_scan(statements):
    """The scan nodes of each statement's plan, with the rows they read and filtered out, and its time."""
    summary = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            summary.append(f"    {sql[sql.index('SET'):sql.index(' FROM picked')]} "
                           f"where {sql[sql.index('AND') + 4:sql.index(' LIMIT')]}")
            summary += [f"      {re.sub(r'[(]cost=[^)]*[)] ', '', line.strip())}"
                        for (line,) in cursor.fetchall()
                        if re.search(r"Scan on workflows_dossier|Index Scan|Removed by|Execution", line)]
    return summary

if __name__ == "__main__":
    main()
