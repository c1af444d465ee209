"""Times the service-quality indicators (workflows.indicators) on PostgreSQL over a year of a large province:
2,000,000 dossiers at about 100 commune committees and 20 departments, under about 150 procedures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_bench_indicators \
        .venv/bin/python bench/indicators.py --dossiers 2000000 --year 2025

The database is created and migrated if needed. The catalogue is built beside bench/lifecycle.py's office (its
service centre, Sở Xây dựng and users): 3 more service centre branches, 19 more departments with 5 procedures
each, 100 communes with their People's Committees (each receives dossiers), 50 commune-level procedures, each
procedure with its 5-step ISO process, half of them with a fee, and a published version.

The dossiers are written in set-based SQL, a month of receipt days per statement (without audit entries, which
the indicators do not read), unless the database already holds exactly --dossiers dossiers filed in --year
(--refill regenerates them anyway). Every time is a working minute of the installation's calendar (its holidays
and working hours), placed the way WorkingCalendar.position and .moment place it: receipt on a working day and
hour of the year, the clock starting then (or the next morning, after a procedure's intake cut-off), the legal
deadline from the procedure's time limit (whole days end at closing time), the decision a number of working
minutes later. The mix: channel online 55%, at a desk 35%, integrated 10%; 2% refused at receipt, 1.5% withdrawn,
0.5% stopped (the supplement never came), 1% stuck in processing past their deadline, and the rest decided:
about 8% of all after their deadline (3% with an apology slip and a new appointment), 4% after a supplement
request that stopped the clock; 95% of decisions approve, 60% of approvals carry an electronic result, 96% of
results are returned. What is not decided by the close of the year's last working day stays open (received,
processing, paused, consulting; some past their deadline), as at the end of the year. Fees are due on the
dossiers of procedures that carry fees and paid at receipt, online for about 40% of them; 70% of the dossiers
have a current attached document (90% of those filed online, 37% of those filed at a desk); 20% of the decided
ones are rated (scores 1-5, lower when late). Step deadlines of the open dossiers divide the time limit by fixed
shares (10%, 70%, 10%, 10%) rather than by each procedure's own. The year defaults to 2025 so that the whole
year, and the month after it, is in the past.

Then, after VACUUM ANALYZE, times tallies.refresh over the year (once; prints the tally rows it wrote) and,
5 times each, the province-year report by agency, by month and in all, a commune committee's report by procedure
and the list of its late dossiers for one procedure: prints the median and the maximum in ms and the queries.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/onestop_bench_indicators")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
# Debug mode would keep every query in memory and slow the figures down.
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, QuerySet  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from lifecycle import prepare_database, setup_office  # noqa: E402

REPEATS = 5
COMMUNES = 100
BRANCHES = 3
# Share of the dossiers filed under commune-level procedures (civil status, certification: the busiest).
COMMUNE_SHARE = 0.62
# Resolution of the weighted draws of a procedure, a commune and a desk.
SLOTS = 10_000
STEPS = ["receiving_officer", "specialist", "department_head", "agency_leader", "result_desk"]
# The departments beside setup_office's Sở Xây dựng, each with the field of its procedures.
DEPARTMENTS = [
    ("Sở Tư pháp", "Lý lịch tư pháp"), ("Sở Tài chính", "Thành lập và hoạt động của doanh nghiệp"),
    ("Sở Công Thương", "Lưu thông hàng hóa trong nước"), ("Sở Giáo dục và Đào tạo", "Giáo dục và đào tạo"),
    ("Sở Y tế", "Khám bệnh, chữa bệnh"), ("Sở Nông nghiệp và Môi trường", "Môi trường"),
    ("Sở Nội vụ", "Việc làm"), ("Sở Văn hóa, Thể thao và Du lịch", "Du lịch"),
    ("Sở Khoa học và Công nghệ", "Tiêu chuẩn đo lường chất lượng"), ("Sở Dân tộc và Tôn giáo", "Tôn giáo"),
    ("Sở Ngoại vụ", "Công tác lãnh sự"), ("Ban Quản lý Khu kinh tế Nghi Sơn", "Đầu tư tại khu kinh tế"),
    ("Công an tỉnh", "Quản lý ngành nghề kinh doanh có điều kiện"), ("Bảo hiểm xã hội tỉnh", "Bảo hiểm y tế"),
    ("Thuế tỉnh", "Quản lý thuế"), ("Cảng vụ Hàng hải Thanh Hóa", "Hàng hải"),
    ("Thanh tra tỉnh", "Giải quyết khiếu nại"), ("Văn phòng UBND tỉnh", "Kiểm soát thủ tục hành chính"),
    ("Sở Giao thông (khu vực)", "Đường bộ"),
]
PROCEDURES_PER_DEPARTMENT = 5
COMMUNE_FIELDS = [("IND.CT", "Chứng thực"), ("IND.HT", "Hộ tịch"), ("IND.DD", "Đất đai"),
                  ("IND.BT", "Bảo trợ xã hội"), ("IND.KD", "Hộ kinh doanh"), ("IND.NC", "Người có công")]
COMMUNE_PROCEDURES = 50
# Time limits as (unit, amount), dealt out in turn; certification and civil status take the short ones.
COMMUNE_LIMITS = [("hours", 4), ("days", 1), ("days", 3), ("hours", 8), ("days", 5), ("days", 2), ("days", 10),
                  ("days", 15)]
PROVINCE_LIMITS = [("days", 5), ("days", 10), ("days", 15), ("days", 7), ("days", 20), ("days", 3), ("days", 30),
                   ("hours", 16), ("days", 12), ("days", 5)]
FEE_AMOUNTS = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Mai"]
MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Xuân"]
GIVEN_NAMES = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh",
               "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
               "Trung", "Tuấn", "Vân", "Yến"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=2_000_000, help="dossiers received in the year")
    parser.add_argument("--year", type=int, default=2025, help="the year of receipt, and of the reports")
    parser.add_argument("--refill", action="store_true",
                        help="regenerate the dossiers even if the database already holds as many for the year")
    parser.add_argument("--keep-tallies", action="store_true",
                        help="time the reports on the tallies already made, when they cover the year")
    args = parser.parse_args()
    prepare_database()
    office = setup_office()
    started = time.perf_counter()
    province = build_province(office)
    print(f"catalogue: the service centre and {BRANCHES} branches, "
          f"{len(province['departments'])} departments, {len(province['committees'])} commune committees, "
          f"{len(province['procedures'])} procedures ({time.perf_counter() - started:.1f} s)")

    from workflows.dossiers.models import Dossier

    held = Dossier.objects.count()
    if not args.refill and held == args.dossiers == Dossier.objects.filter(submitted_at__year=args.year).count():
        print(f"reusing the {held:,} dossiers of {args.year} already in the database (--refill to regenerate)")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        started = time.perf_counter()
        fill(office, province, args.dossiers, args.year)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"generated {args.dossiers:,} dossiers in {generated:.0f} s "
              f"({args.dossiers / generated:,.0f} dossiers/s); VACUUM ANALYZE {time.perf_counter() - started:.0f} s")
    describe(args.year)
    time_indicators(args.year, keep_tallies=args.keep_tallies and not args.refill)


# The catalogue

def build_province(office):
    """Desks, departments, communes with their committees, and the procedures with published versions; what
    exists already is kept, so a second run creates nothing."""
    from procedures.models import AdministrativeUnit, Agency, Field

    centre, construction = office["desk"], office["procedure"].competent_agency
    province = centre.unit
    branches = [Agency.objects.get_or_create(code=f"{n:03d}.CN.IN.H56", defaults={
        "name": f"Chi nhánh số {n} Trung tâm Phục vụ hành chính công", "kind": "service_centre_branch",
        "parent": centre, "unit": province, "receives_dossiers": True})[0] for n in range(1, BRANCHES + 1)]
    departments = [(construction, office["procedure"].field)]
    for n, (name, field_name) in enumerate(DEPARTMENTS, start=1):
        department = Agency.objects.get_or_create(code=f"{n:03d}.SO.IN.H56", defaults={
            "name": name, "kind": "department", "unit": province})[0]
        field = Field.objects.get_or_create(code=f"IND.S{n:02d}", defaults={"name": field_name})[0]
        departments.append((department, field))
    committees = []
    for n in range(1, COMMUNES + 1):
        commune = AdministrativeUnit.objects.get_or_create(code=f"{province.code}{n:03d}", defaults={
            "name": f"{'Phường' if n % 4 == 0 else 'Xã'} số {n}", "kind": "ward" if n % 4 == 0 else "commune",
            "parent": province})[0]
        committees.append(Agency.objects.get_or_create(code=f"{n:03d}.XA.IN.H56", defaults={
            "name": f"UBND {commune.name.lower()}", "kind": "commune_committee", "unit": commune,
            "receives_dossiers": True})[0])
    commune_fields = [Field.objects.get_or_create(code=code, defaults={"name": name})[0]
                      for code, name in COMMUNE_FIELDS]

    # (procedure, weight): commune-level ones first, the busiest first within each level, and each level's
    # weights scaled to its share of the dossiers.
    procedures = []
    for n in range(COMMUNE_PROCEDURES):
        # Certification and civil status take every other procedure: the bulk of a commune's desk.
        field = commune_fields[n % 2] if n % 3 != 2 else commune_fields[2 + n % 4]
        unit, amount = COMMUNE_LIMITS[n % len(COMMUNE_LIMITS)]
        short = unit == "hours" or amount <= 1
        procedure = _procedure(n + 1, field, level="commune", competent_agency_kind="commune_committee",
                               limit=(unit, amount), cutoff=short and field in commune_fields[:2])
        procedures.append((procedure, 1 / (n + 1) ** 0.9))
    number = COMMUNE_PROCEDURES
    province_level = [office["procedure"]]
    for department, field in departments:
        for _ in range(PROCEDURES_PER_DEPARTMENT - (department == construction)):
            number += 1
            limit = PROVINCE_LIMITS[number % len(PROVINCE_LIMITS)]
            province_level.append(_procedure(number, field, level="province", competent_agency=department,
                                             limit=limit, cutoff=False))
    for rank, procedure in enumerate(province_level):
        procedures.append((procedure, 1 / (rank + 1) ** 0.8))
    total = {"commune": sum(weight for procedure, weight in procedures if procedure.level == "commune"),
             "province": sum(weight for procedure, weight in procedures if procedure.level == "province")}
    share = {"commune": COMMUNE_SHARE, "province": 1 - COMMUNE_SHARE}
    procedures = [(procedure, weight * share[procedure.level] / total[procedure.level])
                  for procedure, weight in procedures]
    return {"desks": [centre, *branches], "departments": [agency for agency, _ in departments],
            "committees": committees, "procedures": procedures}


def _procedure(number, field, *, level, limit, cutoff, **competence):
    from procedures.models import Fee, Procedure, ProcessStep
    from procedures.services import publish_procedure_version

    unit, amount = limit
    procedure, created = Procedure.objects.get_or_create(code=f"2.{number:06d}", defaults={
        "name": f"Thủ tục {field.name.lower()} số {number}", "field": field, "level": level,
        "time_limit": Decimal(amount), "time_limit_unit": unit, "online_level": "full" if number % 5 < 3 else "partial",
        "intake_cutoff": day_time(15) if cutoff else None, "result": "Quyết định hoặc giấy chứng nhận", **competence})
    if created:
        for order, (role, share) in enumerate(zip(STEPS, _shares(unit, Decimal(amount)), strict=True), start=1):
            ProcessStep.objects.create(procedure=procedure, order=order, name=role, role=role, share=share)
        if number % 2 == 0:
            Fee.objects.create(procedure=procedure, name="Lệ phí", kind="charge",
                               amount=FEE_AMOUNTS[number // 2 % len(FEE_AMOUNTS)])
    publish_procedure_version(procedure=procedure)
    return procedure


def _shares(unit, amount):
    """Receive, review, department head, leader, return: the shares add up to the time limit, as publishing
    requires."""
    if unit == "hours":
        eighth = amount / 8
        return [eighth, amount - 3 * eighth, eighth, eighth, Decimal(0)]
    if amount < 2:
        return [amount / 4] * 4 + [Decimal(0)]
    half = Decimal("0.5")
    return [half, amount - 3 * half, half, half, Decimal(0)]


def _slots(weights):
    """SLOTS 1-based indexes, each repeated in proportion to its weight (at least once): a uniform draw among
    them is a weighted draw."""
    total = sum(weights)
    slots = []
    for index, weight in enumerate(weights, start=1):
        slots += [index] * max(1, round(weight / total * SLOTS))
    slots = (slots + slots[-1:] * SLOTS)[:SLOTS]
    return slots


# The dossiers

class SqlClock:
    """WorkingCalendar's positions in SQL: position 0 is the opening of the year's first working day, each
    working day adds day_minutes, and k.days[i + 1] is the i-th working day (the year's and the next year's)."""

    def __init__(self, calendar, year):
        self.calendar = calendar
        self.day_minutes = calendar.day_minutes
        self.days = [day for day in _dates(date(year, 1, 1), date(year + 1, 12, 31)) if calendar.is_working_day(day)]
        self.year_days = sum(1 for day in self.days if day.year == year)
        # The close of the year's last working day.
        self.year_end = self.year_days * self.day_minutes

    def _minute_of_day(self, offset, *, closing):
        """Minutes since midnight of a working-day offset: at a period's end, `closing` stays in it (as
        WorkingCalendar.moment does) rather than moving to the next period's start."""
        compare = "<=" if closing else "<"
        cases, before = [], 0
        for start, end in self.calendar.periods:
            cases.append(f"WHEN {offset} {compare} {before + end - start} THEN {start - before} + {offset}")
            before += end - start
        return f"(CASE {' '.join(cases)} END)"

    def moment(self, position):
        """WorkingCalendar.moment: a day boundary is the earlier day's closing time."""
        index = f"(({position}) - 1) / {self.day_minutes}"
        offset = f"(({position}) - ({index}) * {self.day_minutes})"
        return (f"((k.days[{index} + 1] + {self._minute_of_day(offset, closing=True)} * interval '1 minute')"
                f" AT TIME ZONE k.tz)")

    def opening(self, day, offset):
        """The moment `offset` working minutes into working day `day`, a period's start rather than the previous
        period's end."""
        return (f"((k.days[{day} + 1] + {self._minute_of_day(offset, closing=False)} * interval '1 minute')"
                f" AT TIME ZONE k.tz)")


def _dates(first, last):
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


DOSSIER_COLUMNS = """
    code, procedure_id, procedure_version_id, applicant_id, applicant_name, applicant_identity_number,
    applicant_phone, applicant_email, applicant_address, channel, filed_by_id, filing_desk_id, receiving_agency_id,
    competent_agency_id, result_desk_id, commune_id, form_data, result_delivery, delivery_address, result_file,
    fees_due, fees_paid, state, current_step_order, step_role, assignee_id, step_started_at, step_due_at,
    sla_mark, step_sla_mark, supplement_due_at, supplement_reminded_at, submitted_at, received_at, due_at,
    appointment_at, result_at, returned_at, closed_at, paused_at, supplements_in_processing,
    working_minutes_taken, apology_count, outcome, reason, version, created_at, updated_at, state_before_withdrawal,
    withdrawal_reason"""


def fill_sql(clock):
    """One statement writing the dossiers received on working days [lo, hi) of the year, numbered first..last,
    with their payments, documents, pauses, consultations and ratings. Each step computes from the one before;
    OFFSET 0 keeps a step from being merged into the next, so that each expression is computed once per row
    rather than once per mention."""
    dm, end, wait = clock.day_minutes, clock.year_end, settings.ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS
    moment, opening = clock.moment, clock.opening
    # An open dossier's current step, from the end of the previous one (not after the year's end) to its own.
    step_from = f"greatest(q.start, least({end}, q.start + floor(q.span * k.step_ends[q.step - 1])::int))"
    step_to = "q.start + greatest(1, floor(q.span * k.step_ends[q.step])::int)"
    return f"""
WITH k AS (
    SELECT %(days)s::date[] AS days, %(tz)s::text AS tz,
           %(proc_ids)s::bigint[] AS proc_ids, %(proc_versions)s::bigint[] AS proc_versions,
           %(proc_limits)s::int[] AS proc_limits, %(proc_whole)s::boolean[] AS proc_whole,
           %(proc_cutoffs)s::int[] AS proc_cutoffs, %(proc_communal)s::boolean[] AS proc_communal,
           %(proc_agencies)s::bigint[] AS proc_agencies, %(proc_fees)s::int[] AS proc_fees,
           %(proc_slots)s::int[] AS proc_slots, %(committees)s::bigint[] AS committees,
           %(units)s::bigint[] AS units, %(commune_slots)s::int[] AS commune_slots,
           %(desks)s::bigint[] AS desks, %(desk_codes)s::text[] AS desk_codes, %(centre_slots)s::int[] AS centre_slots,
           %(departments)s::bigint[] AS departments, %(surnames)s::text[] AS surnames,
           %(middle_names)s::text[] AS middle_names, %(given_names)s::text[] AS given_names,
           ARRAY['receiving_officer', 'specialist', 'department_head', 'agency_leader', 'result_desk'] AS roles,
           -- Where each open step ends, as a share of the time limit.
           ARRAY[0.1, 0.8, 0.9, 1.0]::float8[] AS step_ends
),
-- One random draw per choice, once per row (a CTE with volatile functions is computed once).
draw AS (
    SELECT n, random() AS u_day, random() AS u_min, random() AS u_proc, random() AS u_commune, random() AS u_desk,
           random() AS u_channel, random() AS u_state, random() AS u_fast, random() AS u_pause,
           random() AS u_apology, random() AS u_return, random() AS u_outcome, random() AS u_file,
           random() AS u_open, random() AS u_step, random() AS u_sec, random() AS u_submit, random() AS u_doc,
           random() AS u_pay, random() AS u_rating, random() AS u_score
    FROM generate_series(%(first)s, %(last)s) AS n
),
-- The procedure, the commune (for commune-level ones), the day and the working minute of receipt.
picked AS (
    SELECT d.*, k.proc_slots[1 + floor(d.u_proc * {SLOTS})::int] AS p,
           k.commune_slots[1 + floor(d.u_commune * {SLOTS})::int] AS c,
           %(lo)s + floor(d.u_day * (%(hi)s - %(lo)s))::int AS day, floor(d.u_min * {dm})::int AS off
    FROM draw AS d CROSS JOIN k OFFSET 0
),
-- Who settles it and where it was filed; where the clock starts (the next morning after a cut-off).
placed AS (
    SELECT a.*, k.proc_ids[a.p] AS procedure_id, k.proc_versions[a.p] AS version_id, k.proc_limits[a.p] AS lim,
           k.proc_whole[a.p] AS whole, k.proc_fees[a.p] AS fee,
           CASE WHEN k.proc_communal[a.p] THEN k.committees[a.c] ELSE k.proc_agencies[a.p] END AS competent,
           CASE WHEN k.proc_communal[a.p] THEN k.units[a.c] END AS commune,
           -- A commune's dossiers mostly at its own committee, some at a neighbour's or the centre's desks.
           CASE WHEN NOT k.proc_communal[a.p] THEN k.centre_slots[1 + floor(a.u_desk * {SLOTS})::int]
                WHEN a.u_desk < 0.92 THEN %(centre_desks)s + a.c
                WHEN a.u_desk < 0.95 THEN %(centre_desks)s + mod(a.c, %(communes)s) + 1
                ELSE k.centre_slots[1 + floor((a.u_desk - 0.95) * 20 * {SLOTS})::int] END AS desk,
           CASE WHEN a.u_channel < 0.55 THEN 'online' WHEN a.u_channel < 0.90 THEN 'counter'
                ELSE 'integrated' END AS channel,
           CASE WHEN a.off >= k.proc_cutoffs[a.p] THEN (a.day + 1) * {dm} ELSE a.day * {dm} + a.off END AS start
    FROM picked AS a CROSS JOIN k OFFSET 0
),
-- The legal deadline (whole days end at closing time) and what the dossier was going to become.
planned AS (
    SELECT b.*,
           CASE WHEN b.whole THEN (b.start + b.lim + {dm} - 1) / {dm} * {dm} ELSE b.start + b.lim END AS due0,
           CASE WHEN b.u_state < 0.02 THEN 'refused' WHEN b.u_state < 0.035 THEN 'withdrawn'
                WHEN b.u_state < 0.04 THEN 'stopped' WHEN b.u_state < 0.05 THEN 'stuck'
                WHEN b.u_state < 0.133 THEN 'late' ELSE 'on_time' END AS plan
    FROM placed AS b OFFSET 0
),
-- x: the working minutes worked before the decision, withdrawal or supplement request; a decided dossier
-- may have waited whole days for a supplement (pause_len), which moves its deadline as much.
worked AS (
    SELECT c.*,
           CASE c.plan WHEN 'on_time' THEN greatest(1, floor(c.span * (0.1 + 0.9 * c.u_fast))::int)
                       WHEN 'late' THEN c.span + 1 + floor(c.u_fast * c.u_fast * greatest(c.span, {dm}))::int
                       WHEN 'withdrawn' THEN 1 + floor(c.span * 0.9 * c.u_fast)::int
                       WHEN 'stopped' THEN 1 + floor(c.span * 0.4)::int END AS x
    FROM (SELECT p.*, p.due0 - p.start AS span,
                 CASE WHEN p.plan IN ('on_time', 'late') AND p.u_pause < 0.04
                      THEN (1 + floor(p.u_pause / 0.04 * 5)::int) * {dm} ELSE 0 END AS pause_len
          FROM planned AS p) AS c
    OFFSET 0
),
-- ev: the decision, the withdrawal or the lapse of the supplement request; ret: the result's return.
dated AS (
    SELECT w.*,
           CASE WHEN w.plan IN ('on_time', 'late') THEN w.start + w.pause_len + w.x
                WHEN w.plan = 'withdrawn' THEN w.start + w.x
                WHEN w.plan = 'stopped' THEN w.start + w.x + {wait * dm} END AS ev,
           w.start + w.pause_len + w.x + floor(w.u_return * 3 * {dm})::int AS ret,
           CASE WHEN w.plan IN ('on_time', 'late') THEN w.start + w.x / 2
                WHEN w.plan = 'stopped' THEN w.start + w.x END AS pause_start
    FROM worked AS w OFFSET 0
),
-- What became of it by the close of the year: what had not happened yet is still open.
ended AS (
    SELECT v.*,
           CASE WHEN v.plan = 'refused' THEN 'refused'
                WHEN v.plan IN ('on_time', 'late') AND v.ev <= {end}
                    THEN CASE WHEN v.u_return < 0.04 OR v.ret > {end} THEN 'result_ready' ELSE 'returned' END
                WHEN v.plan IN ('withdrawn', 'stopped') AND v.ev <= {end} THEN v.plan
                WHEN v.plan = 'stopped' AND v.pause_start <= {end} THEN 'paused'
                WHEN {end} - v.start < v.span / 10 THEN 'received'
                WHEN v.plan = 'stuck' THEN CASE WHEN v.u_open < 0.75 THEN 'processing' ELSE 'consulting' END
                WHEN v.u_open < 0.1 THEN 'paused'
                WHEN v.u_open < 0.2 THEN 'consulting'
                ELSE 'processing' END AS state
    FROM dated AS v OFFSET 0
),
shaped AS (
    SELECT e.*, e.state IN ('result_ready', 'returned') AS settled,
           e.plan = 'late' AND e.state IN ('result_ready', 'returned') AND e.u_apology < 0.375 AS apology,
           CASE WHEN e.state IN ('result_ready', 'returned') THEN e.due0 + e.pause_len ELSE e.due0 END AS due,
           -- The apology's new appointment: the close of a day at or after the decision.
           (e.ev + floor(e.u_apology / 0.375 * {dm})::int + {dm} - 1) / {dm} * {dm} AS appointment,
           CASE WHEN e.state = 'paused' AND e.plan = 'stopped' THEN e.pause_start
                WHEN e.state = 'paused' THEN e.start + floor(greatest({end} - e.start, 0) * e.u_fast)::int
           END AS paused,
           CASE e.state WHEN 'received' THEN 1 WHEN 'paused' THEN 2 WHEN 'consulting' THEN 2 WHEN 'result_ready' THEN 5
                WHEN 'processing' THEN CASE WHEN e.plan = 'stuck' THEN 2 + floor(e.u_step * 3)::int
                                            WHEN {end} - e.start < e.span * 0.7 THEN 2
                                            WHEN {end} - e.start < e.span * 0.85 THEN 3 ELSE 4 END
           END AS step
    FROM ended AS e OFFSET 0
),
-- Positions become moments.
timed AS (
    SELECT q.*,
           {opening('q.day', 'q.off')} + floor(q.u_sec * 60) * interval '1 second' AS received_at,
           CASE WHEN q.state <> 'refused' THEN {moment('q.due')} END AS due_at,
           CASE WHEN q.apology THEN {moment('q.appointment')}
                WHEN q.state <> 'refused' THEN {moment('q.due')} END AS appointment_at,
           CASE WHEN q.settled THEN {moment('q.ev')} END AS result_at,
           CASE WHEN q.state = 'returned' THEN {moment('q.ret')} END AS returned_at,
           CASE WHEN q.state = 'returned' THEN {moment('q.ret')}
                WHEN q.state IN ('withdrawn', 'stopped') THEN {moment('q.ev')}
                WHEN q.state = 'refused' THEN {opening('q.day', 'q.off')} + interval '1 minute' END AS closed_at,
           CASE WHEN q.state = 'paused' THEN {moment('q.paused')} END AS paused_at,
           CASE WHEN q.state = 'paused' THEN {moment(f'q.paused + {wait * dm}')} END AS supplement_due_at,
           CASE WHEN q.step BETWEEN 2 AND 4 THEN {moment(step_from)} END AS step_started,
           CASE WHEN q.step BETWEEN 1 AND 4 THEN {moment(step_to)} END AS step_due,
           CASE WHEN q.settled AND q.pause_len > 0 OR q.state = 'stopped' THEN {moment('q.pause_start')}
                WHEN q.state = 'paused' THEN {moment('q.paused')} END AS pause_from,
           CASE WHEN q.settled AND q.pause_len > 0 THEN {moment('q.pause_start + q.pause_len')}
                WHEN q.state = 'stopped' THEN {moment('q.ev')} END AS pause_until
    FROM shaped AS q CROSS JOIN k OFFSET 0
),
-- Filed the same day: at the desk minutes before receipt, online at any time since midnight.
submitted AS (
    SELECT r.*,
           CASE WHEN r.channel = 'counter' THEN r.received_at - (1 + floor(r.u_submit * 20)) * interval '1 minute'
                ELSE r.received_at - r.u_submit * (r.received_at - (k.days[r.day + 1]::timestamp AT TIME ZONE k.tz))
           END AS submitted_at
    FROM timed AS r CROSS JOIN k OFFSET 0
),
-- The code: the receiving desk's, the day's and the desk's sequence number that day.
src AS (
    SELECT t.*, k.desks[t.desk] AS desk_id,
           k.desk_codes[t.desk] || '-' || to_char(k.days[t.day + 1], 'YYMMDD') || '-'
           || lpad(t.seq::text, greatest(4, length(t.seq::text)), '0') AS code,
           k.surnames[1 + mod(t.n, 14)] || ' ' || k.middle_names[1 + mod(t.n / 14, 10)] || ' '
           || k.given_names[1 + mod(t.n / 140, 30)] AS applicant_name
    FROM (SELECT s.*, row_number() OVER (PARTITION BY s.desk, s.day ORDER BY s.submitted_at, s.n) AS seq
          FROM submitted AS s) AS t
    CROSS JOIN k
),
dossier AS (
    INSERT INTO workflows_dossier ({DOSSIER_COLUMNS})
    SELECT
        src.code, src.procedure_id, src.version_id, NULL, src.applicant_name, '038' || to_char(src.n, 'FM000000000'),
        '09' || to_char(mod(src.n, 100000000), 'FM00000000'), '', '', src.channel, NULL,
        CASE WHEN src.channel = 'counter' THEN src.desk_id END, src.desk_id,
        CASE WHEN src.state <> 'refused' THEN src.competent END, src.desk_id, src.commune, '{{}}',
        CASE WHEN src.result_file <> '' AND src.channel <> 'counter' THEN 'online' ELSE 'at_desk' END, '',
        src.result_file, src.fees, src.fees, src.state, src.step, coalesce(k.roles[src.step], ''), NULL,
        CASE WHEN src.step = 1 THEN src.received_at WHEN src.step = 5 THEN src.result_at ELSE src.step_started END,
        src.step_due,
        CASE WHEN src.state IN ('received', 'processing', 'consulting') AND src.due < {end} THEN 'overdue'
             ELSE '' END, '',
        src.supplement_due_at, NULL, src.submitted_at, CASE WHEN src.state <> 'refused' THEN src.received_at END,
        src.due_at, src.appointment_at, src.result_at, src.returned_at, src.closed_at, src.paused_at,
        CASE WHEN src.pause_from IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN src.settled THEN src.ev - src.start - src.pause_len END,
        CASE WHEN src.apology THEN 1 ELSE 0 END, src.outcome,
        CASE WHEN src.state = 'refused' THEN 'Hồ sơ không đúng thẩm quyền tiếp nhận'
             WHEN src.outcome = 'refused' THEN 'Không đủ điều kiện theo quy định'
             WHEN src.state = 'withdrawn' THEN 'Không còn nhu cầu'
             WHEN src.state IN ('paused', 'stopped') THEN 'Bổ sung bản sao giấy tờ' ELSE '' END,
        CASE src.state WHEN 'refused' THEN 2 WHEN 'received' THEN 2 WHEN 'returned' THEN 8
                       WHEN 'result_ready' THEN 7 ELSE 3 + coalesce(src.step, 3) END,
        src.submitted_at,
        greatest(src.submitted_at, src.received_at, src.step_started, src.result_at, src.closed_at, src.paused_at),
        '', ''
    FROM (
        SELECT src.*,
               CASE WHEN NOT src.settled THEN '' WHEN src.u_outcome < 0.95 THEN 'approved' ELSE 'refused' END
                   AS outcome,
               CASE WHEN src.settled AND src.u_outcome < 0.95 AND src.u_file < 0.6
                    THEN 'results/bench/' || src.n || '.pdf' ELSE '' END AS result_file,
               CASE WHEN src.state <> 'refused' THEN src.fee ELSE 0 END AS fees
        FROM src
    ) AS src CROSS JOIN k
    RETURNING id, code, fees_due, result_at, returned_at, due_at, submitted_at, received_at
),
j AS MATERIALIZED (
    SELECT dossier.*, src.n, src.channel, src.state, src.settled, src.step_started, src.pause_from,
           src.pause_until, src.u_doc, src.u_pay, src.u_rating, src.u_score, src.u_sec
    FROM dossier JOIN src ON src.code = dossier.code
),
payments AS (
    INSERT INTO payments_payment (dossier_id, amount, method, reference, paid_at, recorded_by_id)
    SELECT id, fees_due, method, code, CASE WHEN method = 'online' THEN submitted_at ELSE received_at END,
           CASE WHEN method = 'desk' THEN %(receiver)s::bigint END
    FROM (
        SELECT j.*, CASE WHEN j.channel <> 'counter' AND j.u_pay < 0.62 OR j.channel = 'counter' AND j.u_pay < 0.05
                         THEN 'online' ELSE 'desk' END AS method
        FROM j WHERE j.fees_due > 0
    ) AS paying
),
documents AS (
    INSERT INTO workflows_dossierdocument (dossier_id, document_order, name, file, original_filename, content_type,
                                           size, sha256, is_current, uploaded_at, uploaded_by_id)
    SELECT id, 1, 'Tờ khai theo mẫu', 'dossiers/bench/' || n || '.pdf', 'to-khai.pdf', 'application/pdf',
           80000 + mod(n, 900000), encode(sha256(n::text::bytea), 'hex'), true, submitted_at, %(citizen)s::bigint
    FROM j WHERE j.u_doc < CASE WHEN j.channel = 'counter' THEN 0.37 ELSE 0.9 END
),
pauses AS (
    INSERT INTO workflows_pauseperiod (dossier_id, started_at, ended_at, reason)
    SELECT id, pause_from, pause_until, 'Bổ sung bản sao giấy tờ' FROM j WHERE j.pause_from IS NOT NULL
),
consultations AS (
    INSERT INTO workflows_consultation (dossier_id, agency_id, question, requested_at, due_at, requested_by_id,
                                        answer)
    SELECT j.id, k.departments[1 + mod(j.n, array_length(k.departments, 1))], 'Xin ý kiến', j.step_started,
           j.step_started + interval '3 days', %(specialist)s::bigint, ''
    FROM j CROSS JOIN k WHERE j.state = 'consulting'
)
INSERT INTO workflows_rating (dossier_id, score, comment, rated_at)
SELECT id,
       CASE WHEN result_at > due_at
            THEN CASE WHEN u_score < 0.25 THEN 1 WHEN u_score < 0.45 THEN 2 WHEN u_score < 0.65 THEN 3
                      WHEN u_score < 0.85 THEN 4 ELSE 5 END
            ELSE CASE WHEN u_score < 0.02 THEN 1 WHEN u_score < 0.05 THEN 2 WHEN u_score < 0.13 THEN 3
                      WHEN u_score < 0.38 THEN 4 ELSE 5 END END,
       '', coalesce(returned_at, result_at) + (1 + u_sec * 72) * interval '1 hour'
FROM j WHERE j.settled AND j.u_rating < 0.2
"""


def fill(office, province, total, year):
    """Empties the dossiers (and the tallies made from them) and writes `total` received in `year`, a month of
    receipt days per statement."""
    from workflows.worktime.clock import working_calendar

    calendar = working_calendar()
    if not calendar.first_year <= year < calendar.last_year:
        sys.exit(f"The working calendar covers {calendar.first_year}-{calendar.last_year}: choose a year in it.")
    clock = SqlClock(calendar, year)
    procedures = [procedure for procedure, _weight in province["procedures"]]
    committees, desks = province["committees"], province["desks"]
    # A cut-off as an offset into the working day: 15:00 is 360 working minutes after 07:00.
    cutoff_offsets = [None if procedure.intake_cutoff is None else sum(
        min(max(procedure.intake_cutoff.hour * 60 + procedure.intake_cutoff.minute - start, 0), end - start)
        for start, end in calendar.periods) for procedure in procedures]
    params = {
        "days": clock.days, "tz": settings.TIME_ZONE,
        "proc_ids": [procedure.pk for procedure in procedures],
        "proc_versions": [procedure.current_version.pk for procedure in procedures],
        "proc_limits": [calendar.length(procedure.time_limit_rule) for procedure in procedures],
        "proc_whole": [procedure.time_limit_unit == "days" for procedure in procedures],
        "proc_cutoffs": cutoff_offsets,
        "proc_communal": [procedure.level == "commune" for procedure in procedures],
        "proc_agencies": [procedure.competent_agency_id for procedure in procedures],
        "proc_fees": [sum(fee.amount for fee in procedure.fees.all()) for procedure in procedures],
        "proc_slots": _slots([weight for _procedure, weight in province["procedures"]]),
        "committees": [committee.pk for committee in committees],
        "units": [committee.unit_id for committee in committees],
        # Communes differ in size: from 0.4 to 2.9 times the smallest's share.
        "commune_slots": _slots([0.4 + (index * 37 % 100) / 40 for index in range(len(committees))]),
        "desks": [desk.pk for desk in desks + committees], "desk_codes": [desk.code for desk in desks + committees],
        "centre_desks": len(desks), "communes": len(committees),
        # The centre itself takes 55% of the province's desks' intake, each branch 15%.
        "centre_slots": _slots([0.55] + [0.45 / BRANCHES] * BRANCHES),
        "departments": [agency.pk for agency in province["departments"]],
        "surnames": SURNAMES, "middle_names": MIDDLE_NAMES, "given_names": GIVEN_NAMES,
        "citizen": office["citizen"].pk, "receiver": office["receiver"].pk, "specialist": office["specialist"].pk,
    }
    statement = fill_sql(clock)
    months = {}
    for index, day in enumerate(clock.days[:clock.year_days]):
        months.setdefault(day.month, []).append(index)
    # One transaction: a failure leaves the database as it was, indexes and keys included.
    with transaction.atomic(), connection.cursor() as cursor:
        # Nothing is lost by a crash here that a rerun would not regenerate.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("TRUNCATE workflows_dossier, reporting_indicatortally, reporting_durationtally, "
                       "reporting_monthlytally, reporting_monthlydurationtally, reporting_tallyrefresh "
                       "RESTART IDENTITY CASCADE")
        restore = set_aside_indexes_and_keys(cursor)
        written = 0
        for month, indexes in sorted(months.items()):
            count = total - written if month == max(months) else round(total * len(indexes) / clock.year_days)
            started = time.perf_counter()
            cursor.execute(statement, {**params, "lo": indexes[0], "hi": indexes[-1] + 1,
                                       "first": written + 1, "last": written + count})
            written += count
            print(f"  {year}-{month:02d}: {count:,} dossiers in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        for sql in restore:
            cursor.execute(sql)
        print(f"  {len(restore)} indexes and foreign keys put back in {time.perf_counter() - started:.0f} s",
              flush=True)


LOADED_TABLES = ["workflows_dossier", "payments_payment", "workflows_dossierdocument", "workflows_pauseperiod",
                 "workflows_consultation", "workflows_rating"]


def set_aside_indexes_and_keys(cursor):
    """Drops the secondary indexes and the foreign keys of the tables the fill writes, and returns the statements
    that put them back exactly as the migrations made them (PostgreSQL's own definitions). Building an index
    once over 2,000,000 rows is several times faster than keeping 30 up to date row by row, and re-adding a foreign
    key checks every row in one join. Primary keys and unique constraints stay: they guard the generated codes.
    Partial indexes stay too: PostgreSQL prints some of their conditions in a form that reads back differently."""
    cursor.execute("""
        SELECT format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', conrelid::regclass::text, conname,
                      pg_get_constraintdef(oid)),
               format('ALTER TABLE %%I DROP CONSTRAINT %%I', conrelid::regclass::text, conname)
        FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
        ORDER BY conrelid, conname""", [LOADED_TABLES])
    keys = cursor.fetchall()
    cursor.execute("""
        SELECT pg_get_indexdef(x.indexrelid), format('DROP INDEX %%I', i.relname)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = ANY(%s::regclass[]) AND x.indpred IS NULL
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))
        ORDER BY x.indrelid, i.relname""", [LOADED_TABLES])
    indexes = cursor.fetchall()
    for _create, drop in keys + indexes:
        cursor.execute(drop)
    return [create for create, _drop in indexes + keys]


def describe(year):
    """What the year holds, to check the mix against the brief."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*), count(*) FILTER (WHERE channel = 'online'), count(*) FILTER (WHERE channel = 'counter'),
                   count(*) FILTER (WHERE channel = 'integrated'),
                   count(*) FILTER (WHERE state IN ('result_ready', 'returned')),
                   count(*) FILTER (WHERE state IN ('result_ready', 'returned') AND result_at > due_at),
                   count(*) FILTER (WHERE apology_count > 0), count(*) FILTER (WHERE state = 'refused'),
                   count(*) FILTER (WHERE state = 'withdrawn'), count(*) FILTER (WHERE state = 'stopped'),
                   count(*) FILTER (WHERE state IN ('received', 'processing', 'paused', 'consulting')),
                   count(*) FILTER (WHERE state IN ('received', 'processing', 'consulting')
                                    AND due_at < %(year_end)s),
                   count(*) FILTER (WHERE outcome = 'approved'), count(*) FILTER (WHERE result_file <> ''),
                   count(*) FILTER (WHERE fees_due > 0)
            FROM workflows_dossier""", {"year_end": datetime(year + 1, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))})
        (total, online, counter, integrated, settled, late, apologies, refused, withdrawn, stopped, open_, overdue,
         approved, electronic, with_fees) = cursor.fetchone()
        cursor.execute("SELECT count(*) FILTER (WHERE method = 'online'), count(*) FROM payments_payment")
        paid_online, payments = cursor.fetchone()
        cursor.execute("SELECT (SELECT count(*) FROM workflows_dossierdocument), "
                       "(SELECT count(*) FROM workflows_rating), (SELECT avg(score) FROM workflows_rating)")
        documents, ratings, mean_score = cursor.fetchone()

    def share(part, whole=total):
        return f"{part:,} ({100 * part / max(whole, 1):.1f}%)"

    print(f"{total:,} dossiers of {year}: online {share(online)}, counter {share(counter)}, "
          f"integrated {share(integrated)}")
    print(f"  settled {share(settled)}, of which late {share(late)} of all; apologies {share(apologies)}; "
          f"refused at receipt {share(refused)}; withdrawn {share(withdrawn)}; stopped {share(stopped)}; "
          f"open at the year's end {share(open_)}, {overdue:,} of them running past their deadline")
    print(f"  approved {share(approved, settled)} of the settled, electronic results {share(electronic, approved)} "
          f"of the approved; fees due on {share(with_fees)}, paid online {share(paid_online, payments)}; "
          f"documents on {share(documents)}; ratings {share(ratings, settled)} of the settled, "
          f"mean {mean_score or 0:.2f}")


# The figures

def time_indicators(year, *, keep_tallies=False):
    from procedures.models import Agency
    from workflows.dossiers.models import Dossier
    from workflows.reporting import counting, indicators, tallies
    from workflows.reporting.models import DurationTally, IndicatorTally, MonthlyTally

    first, last = date(year, 1, 1), date(year, 12, 31)
    period = indicators.Period(first, last)
    if keep_tallies and (indicators.complete_through() or date.min) >= last:
        print(f"\nreusing the tallies, complete through {indicators.complete_through()}")
    else:
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            tallies.refresh(first_day=first, last_day=last)
        refreshed = time.perf_counter() - started
        print(f"\nrefresh {first}..{last}: {refreshed:.1f} s, {len(captured)} queries; "
              f"{IndicatorTally.objects.count():,} daily and {MonthlyTally.objects.count():,} monthly tally rows, "
              f"{DurationTally.objects.count():,} daily duration rows")
        in_queries = sorted(((float(query["time"]), query["sql"]) for query in captured.captured_queries),
                            reverse=True)
        print(f"  of which {sum(seconds for seconds, _sql in in_queries):.1f} s in the database; the slowest queries:")
        for seconds, sql in in_queries[:3]:
            print(f"  {seconds:6.1f} s  {' '.join(sql.split())[:150]}")

    # The drill-down: the busiest commune committee, and its procedure with the most late dossiers.
    busiest = (Dossier.objects.filter(competent_agency__kind=Agency.Kind.COMMUNE_COMMITTEE)
               .values("competent_agency").annotate(n=Count("id")).order_by("-n").first())
    committee = Agency.objects.get(pk=busiest["competent_agency"])
    late = (Dossier.objects.filter(competent_agency=committee, result_at__gt=F("due_at"))
            .values("procedure").annotate(n=Count("id")).order_by("-n").first())
    from procedures.models import Procedure

    procedure = Procedure.objects.get(pk=late["procedure"])
    print(f"drill-down: {committee} ({busiest['n']:,} dossiers), procedure {procedure.code} "
          f"({late['n']:,} settled late there)")

    cases = [
        ("province year, by agency", lambda: indicators.report(period, by="agency")),
        ("province year, by month", lambda: indicators.report(period, by="month")),
        ("province year, in all", lambda: indicators.report(period, by=None)),
        ("commune committee, by procedure", lambda: indicators.report(period, by="procedure", agency=committee)),
        ("late dossiers, first 50", lambda: list(indicators.late_dossiers(period, agency=committee,
                                                                           procedure=procedure)[:50])),
        # What a report adds for the day not yet tallied, at the end of the busiest day of the year.
        ("live counting of a busy day", lambda: counting.count_events(date(year, 12, 30), date(year, 12, 30))),
    ]
    client = _leader_client()
    for name, query in [("dashboard page, the province", {"period": str(year)}),
                        ("dashboard page, the committee", {"period": str(year), "agency": committee.code}),
                        ("dashboard page, its procedure", {"period": str(year), "agency": committee.code,
                                                           "procedure": procedure.code})]:
        cases.append((name, lambda query=query: _page(client, query)))
    for name, call in cases:
        times, queries, size = [], 0, None
        for _ in range(REPEATS):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                result = _evaluated(call())
            times.append((time.perf_counter() - started) * 1000)
            queries, size = len(captured), _size(result)
        print(f"{name:<34} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms   "
              f"{queries} queries   {size}")


def _leader_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    leader, _ = get_user_model().objects.get_or_create(username="bench-province-admin",
                                                       defaults={"is_staff": True, "is_superuser": True})
    client = Client(SERVER_NAME="localhost")
    client.force_login(leader)
    return client


def _page(client, query):
    response = client.get("/admin/indicators/", query)
    assert response.status_code == 200, response.status_code
    return response.content


def _evaluated(value):
    """The report's rows, read to the end: a lazy queryset or generator would otherwise go untimed."""
    if isinstance(value, QuerySet):
        return list(value)
    if isinstance(value, dict):
        return {key: _evaluated(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_evaluated(item) for item in value]
    if hasattr(value, "__next__"):
        return [_evaluated(item) for item in value]
    rows = getattr(value, "rows", None)
    if rows is not None:
        _evaluated(rows)
    return value


def _size(result):
    rows = getattr(result, "rows", result)
    try:
        return f"{len(rows)} rows"
    except TypeError:
        return ""


if __name__ == "__main__":
    main()
