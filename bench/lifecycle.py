"""Files N dossiers and carries each through its whole life on PostgreSQL, through the service layer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_bench REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/lifecycle.py --dossiers 2000 --threads 4

Prints dossiers/s for filing and receiving, transitions/s and queries per transition for processing, and the time to
compute due dates for 100,000 dossiers with the working calendar. The database is created and migrated if needed.
With REDIS_URL set the side effects go to the broker, as in production; without it they run in this process.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
# Debug mode would keep every query in memory and slow the figures down.
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from workflows.dossiers import services  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads in this process, each with its own database connection, like the desks "
                             "one server process serves")
    args = parser.parse_args()
    prepare_database()
    office = setup_office()

    per_thread = args.dossiers // args.threads
    batches, filing = in_threads(args.threads, lambda: [file_and_receive(office) for _ in range(per_thread)])
    filed = per_thread * args.threads
    _, processing = in_threads(args.threads, lambda batch: [carry_through(office, dossier) for dossier in batch],
                               batches)
    transitions = filed * len(PROCESSING)

    # Counted apart, on a few more dossiers: capturing queries slows the timed runs down.
    queries = []
    for dossier in [file_and_receive(office) for _ in range(50)]:
        for service, user in PROCESSING:
            with CaptureQueriesContext(connection) as captured:
                dossier = service(dossier=dossier, acting_user=office[user])
            queries.append(len(captured.captured_queries))

    from workflows.worktime.calendar import TimeLimit
    from workflows.worktime.clock import working_calendar

    calendar = working_calendar()
    received = datetime(2026, 2, 13, 9, tzinfo=calendar.timezone)
    limits = [TimeLimit.days(days) for days in range(1, 31)]
    started = time.perf_counter()
    for index in range(100_000):
        calendar.due(received + timedelta(minutes=index), limits[index % 30])
    clock = time.perf_counter() - started

    print(f"{args.threads} thread{'s' if args.threads > 1 else ''} in one process")
    print(f"dossiers filed and received: {filed} in {filing:.2f} s = {filed / filing:.0f} dossiers/s "
          f"(3 service calls each: draft, submit, receive)")
    print(f"processing transitions: {transitions} in {processing:.2f} s = {transitions / processing:.0f} "
          f"transitions/s")
    print(f"queries per transition: median {statistics.median(queries):.0f}, max {max(queries)}")
    print(f"due dates for 100,000 dossiers: {clock:.2f} s")


PROCESSING = [
    (services.hand_over, "receiver"),
    (services.hand_over, "specialist"),
    (services.hand_over, "head"),
    (services.approve_dossier, "leader"),
    (services.return_result, "result_desk"),
]


def file_and_receive(office):
    draft = services.create_draft(procedure=office["procedure"], acting_user=office["citizen"])
    submitted = services.submit_dossier(dossier=draft, acting_user=office["citizen"], receiving_agency=office["desk"])
    return services.receive_dossier(dossier=submitted, acting_user=office["receiver"])


def carry_through(office, dossier):
    for service, user in PROCESSING:
        dossier = service(dossier=dossier, acting_user=office[user])


def in_threads(count, work, inputs=None):
    """Runs `work` in `count` threads at once (with inputs[i] for thread i): their results and the wall time."""
    results = [None] * count

    def run(index):
        try:
            results[index] = work(inputs[index]) if inputs is not None else work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def prepare_database():
    """The benchmark's own PostgreSQL database, created if missing and migrated."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the figures are for PostgreSQL.")
    ensure_database()
    call_command("migrate", verbosity=0)


def ensure_database():
    import psycopg

    database = settings.DATABASES["default"]
    params = {"host": database["HOST"] or None, "port": database["PORT"] or None, "user": database["USER"] or None,
              "password": database["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**{key: value for key, value in params.items() if value is not None}) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]).fetchone():
            server.execute(f'CREATE DATABASE "{database["NAME"]}"')


def setup_office():
    from django.contrib.auth import get_user_model

    from procedures.models import AdministrativeUnit, Agency, Field, Procedure, ProcessStep
    from procedures.services import publish_procedure_version
    from workflows.dossiers.models import StaffMembership

    province, _ = AdministrativeUnit.objects.get_or_create(code="38", defaults={"name": "Tỉnh Thanh Hóa",
                                                                                "kind": "province"})
    desk, _ = Agency.objects.get_or_create(code="BEN.CH.01.H56", defaults={
        "name": "Trung tâm Phục vụ hành chính công", "kind": "service_centre", "unit": province,
        "receives_dossiers": True})
    department, _ = Agency.objects.get_or_create(code="BEN.CH.15.H56", defaults={
        "name": "Sở Xây dựng", "kind": "department", "unit": province})
    field, _ = Field.objects.get_or_create(code="BENCH", defaults={"name": "Hoạt động xây dựng (bench)"})
    procedure, created = Procedure.objects.get_or_create(code="9.999001", defaults={
        "name": "Thủ tục đo hiệu năng", "field": field, "level": "province", "competent_agency": department,
        "time_limit": Decimal(5), "online_level": "full", "result": "Giấy phép"})
    if created:
        for order, (role, share) in enumerate([("receiving_officer", "0.5"), ("specialist", "3.5"),
                                               ("department_head", "0.5"), ("agency_leader", "0.5"),
                                               ("result_desk", "0")], start=1):
            ProcessStep.objects.create(procedure=procedure, order=order, name=role, role=role, share=Decimal(share))
    publish_procedure_version(procedure=procedure)
    users = {}
    User = get_user_model()
    for name, agency, role in [("receiver", desk, "receiving_officer"), ("specialist", department, "specialist"),
                               ("head", department, "department_head"), ("leader", department, "agency_leader"),
                               ("result_desk", desk, "result_desk"), ("citizen", None, None)]:
        # The citizen files online, which needs a verified contact.
        user, _ = User.objects.get_or_create(username=f"bench-{name}", defaults={"phone_verified": agency is None})
        if agency:
            StaffMembership.objects.get_or_create(user=user, agency=agency, role=role)
        users[name] = user
    return {"procedure": procedure, "desk": desk, **users}


if __name__ == "__main__":
    main()
