"""Times the staff single window on PostgreSQL: each queue page, the province administrator's list and
search, and a dossier's page, among 100,000 dossiers across 30 agencies.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_queues .venv/bin/python bench/queues.py

The office has 3 receiving desks (the service centre and two branches), 20 departments and 7 commune
committees, one procedure per department plus a commune-level one, and staff at every agency. 300 dossiers are
filed and carried through the service layer into every state, so they have their audit trail; the rest are
written in SQL (without audit entries), spread evenly over the 27 competent agencies and the 3 desks: 87%
closed, 12% open (about a month's intake of a province: waiting for receipt, in processing and mostly
assigned, paused, consulting or ready to return) with deadlines from a day and a half overdue to nine days
ahead. Dates are relative to the first run: drop the database to regenerate them.

Requests go through Django's whole stack in this process (middleware, sessions, templates), not over a socket.
Prints the median and 95th percentile time and the number of queries of each page, then the plans of the two
busiest queues' page and count queries and of the queue counts.
"""

import argparse
import os
import statistics
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from lifecycle import prepare_database, setup_office  # noqa: E402
from portal import measure, percentile  # noqa: E402

SERVICE_DOSSIERS = 300
DEPARTMENTS = 20
COMMITTEES = 7
STEPS = [("receiving_officer", "0.5"), ("specialist", "3.5"), ("department_head", "0.5"),
         ("agency_leader", "0.5"), ("result_desk", "0")]
CHANGELIST = "/admin/workflows/dossier/"
# Who works each queue, as the single window's users would.
QUEUE_USERS = {"to_receive": "receiver", "my_work": "specialist", "my_agency": "head", "waiting": "receiver",
               "due_soon": "head", "overdue": "leader", "to_return": "result_desk"}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=100_000, help="dossiers in the database in all")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    args = parser.parse_args()
    prepare_database()
    office = setup_province(setup_office())
    fill_through_services(office)
    fill_in_sql(office, args.dossiers)

    from workflows.dossiers import selectors
    from workflows.dossiers.models import Dossier

    users = {role: office[role]
             for role in ("receiver", "specialist", "head", "leader", "result_desk", "admin")}
    searched = Dossier.objects.filter(code__isnull=False).order_by("id")[args.dossiers // 2:].first()
    # A dossier at the head's own step, so the page offers transitions with their forms.
    page = Dossier.objects.filter(competent_agency=office["department"], applicant=office["citizen"],
                                  state=Dossier.State.PROCESSING, current_step_order=3).first()
    pages = [(f"queue {slug} ({role})", users[role], f"{CHANGELIST}?queue={slug}")
             for slug, role in QUEUE_USERS.items()]
    pages += [("all, province administrator", users["admin"], CHANGELIST),
              ("search by code, province admin", users["admin"], f"{CHANGELIST}?q={searched.code}"),
              ("a dossier's page (head)", users["head"], f"{CHANGELIST}{page.pk}/change/")]

    through_services = Dossier.objects.filter(applicant=office["citizen"]).count()
    print(f"{Dossier.objects.count():,} dossiers, {through_services} through the services; "
          f"{args.requests} requests per page")
    for name, user, url in pages:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        times, queries = measure(client, url, args.requests)
        print(f"{name:<40} median {statistics.median(times):6.1f} ms   "
              f"p95 {percentile(times, 95):6.1f} ms   {queries} queries")

    sizes = {slug: selectors.queue_dossiers(users[role], slug).count() for slug, role in QUEUE_USERS.items()}
    print("\nqueue sizes for their users: " + ", ".join(f"{slug} {size:,}" for slug, size in sizes.items()))
    for slug in sorted(sizes, key=sizes.get, reverse=True)[:2]:
        explain_queue(users[QUEUE_USERS[slug]], slug)
    explain_counts(users["head"])


def explain_queue(user, slug):
    """The plans of one queue's page query and its paginator's count, as the changelist builds them."""
    from django.contrib.admin import site
    from django.test import RequestFactory

    from workflows.dossiers.models import Dossier

    request = RequestFactory().get(CHANGELIST, {"queue": slug})
    request.user = user
    # The changelist's own queryset: the admin puts Meta.ordering before the queryset's order_by.
    changelist = site.get_model_admin(Dossier).get_changelist_instance(request)
    page_sql, page_params = changelist.queryset[:changelist.list_per_page].query.sql_with_params()
    count_sql, count_params = changelist.queryset.order_by().values("pk").query.sql_with_params()
    # Django's count is SELECT COUNT(*) over the same FROM and WHERE; PostgreSQL plans the subquery alike.
    for label, sql, params in [("page", page_sql, page_params),
                               ("count", f"SELECT COUNT(*) FROM ({count_sql}) AS queue", count_params)]:
        explain(f"queue {slug}, {label} query", sql, params)


def explain_counts(user):
    """The plan of the queue counts every changelist page shows, as the page runs it."""
    from workflows.dossiers import selectors

    with CaptureQueriesContext(connection) as captured:
        selectors.queue_counts(user)
    # A client-side cursor's captured SQL is the statement psycopg sent, values included.
    explain("queue counts (department head)", captured.captured_queries[-1]["sql"], None)


def explain(title, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = "\n".join(f"    {line}" for (line,) in cursor.fetchall())
    print(f"\n{title}:\n{plan}")


def setup_province(office):
    """30 agencies, a procedure per department and one for the communes, and staff holding every role."""
    from django.contrib.auth import get_user_model

    from procedures.models import AdministrativeUnit, Agency, ProcessStep
    from procedures.services import publish_procedure_version
    from workflows.dossiers.models import StaffMembership

    desk = office["desk"]
    department = office["procedure"].competent_agency
    province = desk.unit
    field = office["procedure"].field
    desks = [desk] + [Agency.objects.get_or_create(code=f"BEN.CH.0{n}.H56", defaults={
        "name": f"Chi nhánh Trung tâm Phục vụ hành chính công số {n}", "kind": "service_centre_branch",
        "parent": desk, "unit": province, "receives_dossiers": True})[0] for n in (2, 3)]
    departments = [department] + [Agency.objects.get_or_create(code=f"BEN.CH.{n}.H56", defaults={
        "name": f"Sở số {n}", "kind": "department", "unit": province})[0]
        for n in range(16, 15 + DEPARTMENTS)]
    committees = []
    for n in range(1, COMMITTEES + 1):
        commune, _ = AdministrativeUnit.objects.get_or_create(code=f"3800{n}", defaults={
            "name": f"Xã số {n}", "kind": "commune", "parent": province})
        committees.append(Agency.objects.get_or_create(code=f"BEN.XA.0{n}.H56", defaults={
            "name": f"UBND xã số {n}", "kind": "commune_committee", "unit": commune})[0])

    procedures = {department.pk: office["procedure"]}
    for number, agency in enumerate(departments[1:], start=2):
        procedures[agency.pk] = _procedure(f"9.999{number:03d}", agency.name, field, competent_agency=agency)
    commune_procedure = _procedure("9.999100", "xã", field, competent_agency_kind="commune_committee")
    for committee in committees:
        procedures[committee.pk] = commune_procedure
    for procedure in {procedure.pk: procedure for procedure in procedures.values()}.values():
        if not procedure.steps.exists():
            for order, (role, share) in enumerate(STEPS, start=1):
                ProcessStep.objects.create(procedure=procedure, order=order, name=role, role=role,
                                           share=Decimal(share))
        publish_procedure_version(procedure=procedure)

    User = get_user_model()
    staff = {}
    # The queues are timed for setup_office's users, at the service centre and the first department.
    roles = [(desk, "receiving_officer", office["receiver"]), (desk, "result_desk", office["result_desk"]),
             (department, "specialist", office["specialist"]),
             (department, "department_head", office["head"]), (department, "agency_leader", office["leader"])]
    roles += [(agency, role, None) for agency in desks for role in ("receiving_officer", "result_desk")]
    roles += [(agency, role, None) for agency in departments + committees
              for role in ("specialist", "department_head", "agency_leader")]
    for agency, role, user in roles:
        if (agency.pk, role) in staff:
            continue
        if user is None:
            user, _ = User.objects.get_or_create(username=f"bench-{role}-{agency.code}")
            StaffMembership.objects.get_or_create(user=user, agency=agency, role=role)
        staff[agency.pk, role] = user
    admin, _ = User.objects.get_or_create(username="bench-province-admin")
    StaffMembership.objects.get_or_create(user=admin, agency=desk, role="province_admin")
    User.objects.filter(staff_memberships__isnull=False, is_staff=False).update(is_staff=True)
    return {**office, "admin": admin, "department": department, "desks": desks,
            "competent": departments + committees, "procedures": procedures, "staff": staff}


def _procedure(code, name, field, **competence):
    from procedures.models import Procedure

    level = "commune" if "competent_agency_kind" in competence else "province"
    procedure, _ = Procedure.objects.get_or_create(code=code, defaults={
        "name": f"Thủ tục đo hiệu năng ({name})", "field": field, "level": level, "time_limit": Decimal(5),
        "online_level": "full", "result": "Giấy phép", **competence})
    return procedure


def fill_through_services(office):
    """Dossiers the citizen files online and staff carry into each state, spread over agencies and desks."""
    from procedures.models import Agency
    from workflows.dossiers import services

    citizen, staff, competent = office["citizen"], office["staff"], office["competent"]
    have = citizen.dossiers.count()
    for index in range(have, SERVICE_DOSSIERS):
        agency, desk = competent[index % len(competent)], office["desks"][index // len(competent) % 3]
        commune = agency.unit if agency.kind == Agency.Kind.COMMUNE_COMMITTEE else None
        dossier = services.create_draft(procedure=office["procedures"][agency.pk], acting_user=citizen,
                                        commune=commune)
        dossier = services.submit_dossier(dossier=dossier, acting_user=citizen, receiving_agency=desk)
        # How far it goes: 0 submitted, 1 incomplete, 2 received, 3 with the specialist, 4 with the head,
        # 5 paused, 6 consulting, 7 result ready, 8 returned, 9 withdrawn.
        path = index % 10
        receiver, specialist = staff[desk.pk, "receiving_officer"], staff[agency.pk, "specialist"]
        if path == 0:
            continue
        if path == 1:
            services.request_documents(dossier=dossier, acting_user=receiver, missing="Thiếu bản vẽ")
            continue
        dossier = services.receive_dossier(dossier=dossier, acting_user=receiver)
        if path == 2:
            continue
        if path == 9:
            services.withdraw_dossier(dossier=dossier, acting_user=citizen, reason="Không còn nhu cầu")
            continue
        dossier = services.hand_over(dossier=dossier, acting_user=receiver, assignee=specialist)
        if path == 5:
            services.request_supplement(dossier=dossier, acting_user=specialist, missing="Thiếu bản vẽ")
        elif path == 6:
            other = competent[(index + 1) % len(competent)]
            services.consult_agencies(dossier=dossier, acting_user=specialist, agencies=[other],
                                      question="Xin ý kiến", days=3)
        elif path != 3:
            dossier = services.hand_over(dossier=dossier, acting_user=specialist)
            if path in (7, 8):
                head, leader = staff[agency.pk, "department_head"], staff[agency.pk, "agency_leader"]
                dossier = services.hand_over(dossier=dossier, acting_user=head)
                dossier = services.approve_dossier(dossier=dossier, acting_user=leader)
            if path == 8:
                services.return_result(dossier=dossier, acting_user=staff[desk.pk, "result_desk"])


# Each dossier's state by its bucket (n * 7919 % 1000): 1% drafts, 2% before receipt, 10% open after receipt,
# 87% closed. The open ones' deadlines spread by another bucket from 37 h overdue to 212 h ahead.
COPIES = """
INSERT INTO workflows_dossier (
    code, procedure_id, procedure_version_id, applicant_id, applicant_name, applicant_identity_number,
    applicant_phone, applicant_email, applicant_address, channel, filing_desk_id, receiving_agency_id,
    competent_agency_id, result_desk_id, commune_id, form_data, result_delivery, delivery_address,
    result_file, fees_due, fees_paid, state, current_step_order, step_role, assignee_id, step_started_at,
    step_due_at, submitted_at, received_at, due_at, appointment_at, result_at, returned_at, closed_at,
    paused_at, supplements_in_processing, apology_count, outcome, reason, version, created_at, updated_at,
    sla_mark, step_sla_mark, state_before_withdrawal, withdrawal_reason)
SELECT
    CASE WHEN state <> 'draft' THEN desk_code || '-' || to_char(submitted_at, 'YYMMDD') || '-'
         || to_char(n, 'FM000000') END,
    (%(procedures)s::bigint[])[a], (%(versions)s::bigint[])[a], NULL, 'Nguyễn Văn ' || n,
    '038' || to_char(n, 'FM000000000'), '09' || to_char(n, 'FM00000000'), '', '',
    CASE WHEN online THEN 'online' ELSE 'counter' END, CASE WHEN NOT online THEN desk END,
    CASE WHEN state <> 'draft' THEN desk END,
    CASE WHEN received_at IS NOT NULL THEN (%(agencies)s::bigint[])[a] END,
    CASE WHEN state <> 'draft' THEN desk END, (%(communes)s::bigint[])[a], '{}', 'at_desk', '', '', 0, 0,
    state, step, coalesce((%(step_roles)s::text[])[step], ''),
    CASE WHEN assigned THEN (%(specialists)s::bigint[])[a] END,
    CASE WHEN step IS NOT NULL THEN received_at END, CASE WHEN step < 5 THEN due_at END,
    submitted_at, received_at, due_at, due_at, result_at,
    CASE WHEN state = 'returned' THEN result_at + interval '1 day' END,
    CASE WHEN state = 'returned' THEN result_at + interval '1 day'
         WHEN state = 'withdrawn' THEN received_at + interval '2 days'
         WHEN state = 'refused' THEN submitted_at + interval '2 hours' END,
    CASE WHEN state = 'paused' THEN %(now)s - t * interval '5 minutes' END,
    CASE WHEN state = 'paused' THEN 1 ELSE 0 END, 0,
    CASE WHEN result_at IS NOT NULL THEN 'approved' ELSE '' END, '', 1 + n %% 7,
    coalesce(submitted_at, %(now)s), %(now)s, '', '', '', ''
FROM (
    SELECT *,
           CASE WHEN state IN ('submitted', 'incomplete') THEN %(now)s - t * interval '4 minutes'
                WHEN state = 'refused' THEN past
                ELSE received_at - interval '2 hours' END AS submitted_at,
           CASE WHEN state IN ('received', 'processing', 'paused', 'consulting') THEN due
                ELSE received_at + interval '7 days' END AS due_at,
           CASE WHEN state = 'result_ready' THEN %(now)s - t * interval '10 minutes'
                WHEN state = 'returned' THEN received_at + interval '5 days' END AS result_at,
           step = 2 AND state IN ('processing', 'paused', 'consulting') AND n / 3 %% 10 < 7 AS assigned
    FROM (
        SELECT *,
               CASE WHEN state = 'received' THEN 1 WHEN state = 'processing' THEN 2 + n %% 3
                    WHEN state IN ('paused', 'consulting') THEN 2
                    WHEN state = 'result_ready' THEN 5 END AS step,
               CASE WHEN state IN ('received', 'processing', 'paused', 'consulting')
                    THEN least(due - interval '7 days', %(now)s - interval '1 hour')
                    WHEN state = 'result_ready' THEN %(now)s - t * interval '10 minutes' - interval '5 days'
                    WHEN state IN ('returned', 'withdrawn') THEN past + interval '2 hours' END AS received_at
        FROM (
            SELECT n, n %% 27 + 1 AS a, n %% 2 = 0 AS online, n::bigint * 104729 %% 1000 AS t,
                   (%(desks)s::bigint[])[n / 27 %% 3 + 1] AS desk,
                   (%(desk_codes)s::text[])[n / 27 %% 3 + 1] AS desk_code,
                   %(now)s + (n::bigint * 31337 %% 1000 - 150) * interval '15 minutes' AS due,
                   %(now)s - interval '30 days' - (n::bigint * 104729 %% 1000) * interval '16 hours'
                   - n %% 960 * interval '1 minute' AS past,
                   CASE WHEN s < 10 THEN 'draft' WHEN s < 25 THEN 'submitted' WHEN s < 30 THEN 'incomplete'
                        WHEN s < 50 THEN 'refused' WHEN s < 65 THEN 'received' WHEN s < 115 THEN 'processing'
                        WHEN s < 125 THEN 'paused' WHEN s < 130 THEN 'consulting'
                        WHEN s < 150 THEN 'result_ready' WHEN s < 970 THEN 'returned' ELSE 'withdrawn'
                   END AS state
            FROM (SELECT n, n::bigint * 7919 %% 1000 AS s
                  FROM generate_series(%(first)s, %(last)s) AS n) AS bucket
        ) AS kind
    ) AS timing
) AS dossier
"""


def fill_in_sql(office, total):
    """Dossiers written in SQL until the database holds `total`, with the open consultations of those
    consulting."""
    from workflows.dossiers.models import Dossier

    missing = total - Dossier.objects.count()
    if missing <= 0:
        return
    competent, procedures = office["competent"], office["procedures"]
    first = Dossier.objects.count() + 1  # numbers the codes, so a second fill never repeats one
    with connection.cursor() as cursor:
        cursor.execute(COPIES, {
            "now": timezone.now(), "first": first, "last": first + missing - 1,
            "agencies": [agency.pk for agency in competent],
            "procedures": [procedures[agency.pk].pk for agency in competent],
            "versions": [procedures[agency.pk].current_version.pk for agency in competent],
            "communes": [agency.unit_id if agency.kind == "commune_committee" else None
                         for agency in competent],
            "specialists": [office["staff"][agency.pk, "specialist"].pk for agency in competent],
            "step_roles": [role for role, _share in STEPS], "desks": [desk.pk for desk in office["desks"]],
            "desk_codes": [desk.code for desk in office["desks"]],
        })
        cursor.execute(
            """INSERT INTO workflows_consultation (dossier_id, agency_id, question, requested_at, due_at,
                                                   requested_by_id, answer)
               SELECT d.id,
                      (%(consulted)s::bigint[])[
                          array_position(%(agencies)s::bigint[], d.competent_agency_id)],
                      'Xin ý kiến', d.step_started_at, d.step_started_at + interval '3 days', d.assignee_id,
                      ''
               FROM workflows_dossier d
               WHERE d.state = 'consulting' AND d.assignee_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM workflows_consultation c WHERE c.dossier_id = d.id)""",
            {"agencies": [agency.pk for agency in competent],
             "consulted": [competent[(index + 1) % len(competent)].pk for index in range(len(competent))]},
        )
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
