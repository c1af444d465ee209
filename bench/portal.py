"""Times the citizen portal's pages on PostgreSQL: a citizen with 200 dossiers among 100,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_bench .venv/bin/python bench/portal.py

The citizen's 200 dossiers are filed and carried through the service layer, so they have their audit trail; the
other 99,800 are copies of them made in SQL for other applicants (without audit entries). Requests go through
Django's whole stack in this process (middleware, sessions, templates), not over a socket. Prints the median and
95th percentile time and the number of queries of each page.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from lifecycle import prepare_database, setup_office  # noqa: E402

CITIZEN_DOSSIERS = 200


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=100_000, help="dossiers in the database in all")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    args = parser.parse_args()
    prepare_database()
    call_command("load_catalogue", verbosity=0)
    office = setup_office()
    citizen = portal_citizen(office)
    fill(office, citizen, args.dossiers)

    from workflows.dossiers.models import Dossier

    client = Client(HTTP_HOST="localhost")
    client.force_login(citizen)
    received = Dossier.objects.filter(applicant=citizen, state=Dossier.State.PROCESSING).first()
    pages = {
        "catalogue search 'khai sinh'": "/?q=khai+sinh",
        "catalogue search 'giay phep xay dung'": "/?q=giay+phep+xay+dung",
        "procedure page": "/thu-tuc/1.001193/",
        "my dossiers (page 1 of 10)": "/ho-so/",
        "my dossiers (page 10)": "/ho-so/?page=10",
        "a dossier's page": f"/ho-so/{received.pk}/",
    }
    print(f"{Dossier.objects.count():,} dossiers, {Dossier.objects.filter(applicant=citizen).count()} the "
          f"citizen's; {args.requests} requests per page")
    for name, url in pages.items():
        times, queries = measure(client, url, args.requests)
        print(f"{name:<40} median {statistics.median(times):6.1f} ms   "
              f"p95 {percentile(times, 95):6.1f} ms   {queries} queries")


def measure(client, url, count):
    for _ in range(10):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return times, len(captured.captured_queries)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def portal_citizen(office):
    citizen = office["citizen"]
    citizen.full_name, citizen.identity_number, citizen.phone = "Nguyễn Văn Bench", "038095000001", "0912000001"
    citizen.save()
    return citizen


def fill(office, citizen, total):
    """The citizen's dossiers through the services (some still processing, some settled), then copies of them for
    other applicants until the database holds `total` dossiers."""
    from django.contrib.auth import get_user_model

    from workflows.dossiers import services
    from workflows.dossiers.models import Dossier

    have = Dossier.objects.filter(applicant=citizen).count()
    for index in range(have, CITIZEN_DOSSIERS):
        dossier = services.create_draft(procedure=office["procedure"], acting_user=citizen)
        dossier = services.submit_dossier(dossier=dossier, acting_user=citizen, receiving_agency=office["desk"])
        dossier = services.receive_dossier(dossier=dossier, acting_user=office["receiver"])
        dossier = services.hand_over(dossier=dossier, acting_user=office["receiver"])
        if index % 2:
            for role in ("specialist", "head"):
                dossier = services.hand_over(dossier=dossier, acting_user=office[role])
            dossier = services.approve_dossier(dossier=dossier, acting_user=office["leader"])
            services.return_result(dossier=dossier, acting_user=office["result_desk"])
    missing = total - Dossier.objects.count()
    if missing <= 0:
        return
    User = get_user_model()
    User.objects.bulk_create([User(username=f"bench-applicant-{n}") for n in range(1000)], ignore_conflicts=True)
    columns = [field.column for field in Dossier._meta.concrete_fields if field.column not in ("id", "code",
                                                                                               "applicant_id")]
    copies = -(-missing // CITIZEN_DOSSIERS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO workflows_dossier (code, applicant_id, {", ".join(columns)})
                SELECT d.code || '-' || copy, applicant.id, {", ".join("d." + column for column in columns)}
                FROM workflows_dossier d
                CROSS JOIN generate_series(1, %s) AS copy
                JOIN citizens_user applicant ON applicant.username = 'bench-applicant-' || (copy %% 1000)
                WHERE d.applicant_id = %s
                LIMIT %s""",
            [copies, citizen.pk, missing],
        )
        cursor.execute("ANALYZE workflows_dossier")


if __name__ == "__main__":
    main()
