"""Times the REST API over real HTTP: a gunicorn server with 2 sync workers on loopback, and concurrent clients
sending an integrator's bearer token (OAuth2 client credentials, as the national portal would).

    .venv/bin/python bench/api.py --filings 2000 --clients 16 --dossiers 100000 --requests 200

Uses postgres://postgres@127.0.0.1:5432/onestop_api_bench (DATABASE_URL overrides it; created and migrated if
needed) and Redis database 8 for the cache, the throttle counters and the broker (the outbox relay is published
there after each filing and nobody consumes it): that database is flushed at the start and at the end.

The province of bench/queues.py (3 desks, 27 competent agencies) is filled in SQL up to --dossiers, then:
1. filing: --filings dossiers POSTed to /api/v1/dossiers/ by --clients clients, each with its own
   Idempotency-Key; prints dossiers/s, p50/p95/p99 latency and the answers by status (target: >= 100/s, p95 <= 200
   ms);
2. listing: GET /api/v1/dossiers/ with each filter and along the `next` cursor, --requests times each by the same
   clients; prints p50/p95/p99 and the SQL queries of one such request made in this process (target: p95 <= 150
   ms, the same queries on every page), then the plan of the slowest listing's page query.
Each figure also gives the time a request kept a worker busy (2 workers x wall time / requests): with C clients
queueing for 2 sync workers a request waits about C / 2 of them, so --clients 2 shows the latency unqueued.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/onestop_api_bench")
# Not setdefault: this database is flushed, so it must be the bench's own whatever the shell says.
os.environ["REDIS_URL"] = os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/8"
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from lifecycle import prepare_database, setup_office  # noqa: E402
from portal import percentile  # noqa: E402
from queues import explain, fill_in_sql, setup_province  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

WORKERS = 2
SCOPES = ["catalogue:read", "dossiers:read", "dossiers:file", "dossiers:act"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filings", type=int, default=2000, help="dossiers filed through the API")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--dossiers", type=int, default=100_000, help="dossiers in the database before filing")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per listing")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (1: sync workers; more: gthread workers)")
    args = parser.parse_args()
    prepare_database()
    office = setup_province(setup_office())
    fill_in_sql(office, args.dossiers)
    client_id, secret = integrator(office)

    import redis

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.flushdb()
    server = start_gunicorn(args.threads)
    try:
        wait_until_up(server)
        base = f"http://127.0.0.1:{server.port}"
        token = requests.post(f"{base}/o/token/", data={"grant_type": "client_credentials"},
                              auth=(client_id, secret), timeout=10).json()["access_token"]
        clients = Clients(base, token, args.clients)
        # The same token in this process, to count each request's SQL queries.
        api = APIClient(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        kind = "sync workers" if args.threads == 1 else f"gthread workers of {args.threads} threads"
        print(f"gunicorn: {WORKERS} {kind} ({running_workers(server)} running), {args.clients} concurrent "
              f"clients (threads, a requests.Session each), {os.cpu_count()} CPUs")
        bench_filing(clients, api, office, args.filings)
        bench_listing(clients, api, office, args.requests)
    finally:
        stop(server)
        broker.flushdb()
        log = server.log.read_text()
        server.log.unlink()
        if "Traceback" in log:  # server errors: the log says why
            print(f"\ngunicorn logged {log.count('Traceback')} tracebacks, the last:\n"
                  f"{log[log.rindex('Traceback'):][:3000]}")


def integrator(office):
    """The national portal's OAuth2 client, made afresh each run (the secret is stored hashed), with a service
    account that is a province administrator, so it may file anywhere and list every dossier."""
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import Application

    from workflows.dossiers.models import StaffMembership
    from workflows.integrations.models import ApiClient

    account, _ = get_user_model().objects.get_or_create(username="bench-api-dvcqg")
    StaffMembership.objects.get_or_create(user=account, agency=office["desk"], role="province_admin")
    Application.objects.filter(name="bench-api").delete()
    secret = uuid.uuid4().hex
    application = Application.objects.create(
        name="bench-api", user=account, client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret)
    ApiClient.objects.create(application=application, scopes=SCOPES, rate_limit="1000000/min")
    return application.client_id, secret


def start_gunicorn(threads):
    with socket.socket() as probe:  # a free port: bound, read, released
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = Path(tempfile.gettempdir()) / f"onestop-api-bench-{port}.log"
    # Its own session (process group), so stop() ends the master and its workers together.
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "onestop.wsgi:application", "--workers", str(WORKERS),
             "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=os.environ.copy(), stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    server.port, server.log = port, log
    return server


def wait_until_up(server):
    # Each worker loads the application on its first request, which takes seconds.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{server.port}/health/", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start; its log:\n{server.log.read_text()[-3000:]}")


def running_workers(server):
    try:
        return len(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split())
    except OSError:
        return "?"


def stop(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class Clients:
    """C threads, each with its own session sending the bearer token (gunicorn's sync workers close every
    connection, so each request connects anew, as a client behind no proxy would)."""

    def __init__(self, base, token, count):
        self.base, self.token, self.count = base, token, count
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(count)

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers["Authorization"] = f"Bearer {self.token}"
        return self.local.session

    def run(self, calls):
        """Sends every (method, path, json, headers) call; returns the wall time, each latency in ms and the
        answers by status."""
        def one(call):
            method, path, body, headers = call
            started = time.perf_counter()
            try:
                status = self.session().request(method, self.base + path, json=body, headers=headers,
                                                timeout=30).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            return (time.perf_counter() - started) * 1000, status

        started = time.perf_counter()
        results = list(self.pool.map(one, calls))
        return time.perf_counter() - started, [ms for ms, _ in results], Counter(status for _, status in results)


def filing_call(office, number):
    body = {"procedure": office["procedure"].code, "receiving_agency": office["desk"].code,
            "applicant": {"name": f"Nguyễn Văn API {number}", "identity_number": f"038095{number % 10**6:06d}",
                          "phone": f"09{number % 10**8:08d}", "address": "12 Lê Lợi, phường Hạc Thành"}}
    return "POST", "/api/v1/dossiers/", body, {"Idempotency-Key": uuid.uuid4().hex}


def bench_filing(clients, api, office, count):
    # Warm-up: each worker imports its views and fills its caches on its first requests.
    clients.run([filing_call(office, number) for number in range(2 * clients.count)])
    first = int(time.time())  # only for the applicants' made-up numbers
    wall, times, statuses = clients.run([filing_call(office, first + number) for number in range(count)])
    _method, path, body, headers = filing_call(office, first + count)
    with CaptureQueriesContext(connection) as captured:
        api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=headers["Idempotency-Key"])
    print(f"\nfiling: {count} POST /api/v1/dossiers/ in {wall:.2f} s = {count / wall:.0f} dossiers/s; "
          f"{summary(times)}; {worker_time(wall, count)}; {len(captured)} queries; answers {dict(statuses)}")
    print(f"    target >= 100 dossiers/s at p95 <= 200 ms: "
          f"{'met' if count / wall >= 100 and percentile(times, 95) <= 200 else 'NOT met'}")


def bench_listing(clients, api, office, count):
    from workflows.dossiers.models import Dossier

    department = office["procedure"].competent_agency
    listings = {
        "newest first": "/api/v1/dossiers/?page_size=50",
        "state=received": "/api/v1/dossiers/?state=received&page_size=50",
        f"procedure={office['procedure'].code}": f"/api/v1/dossiers/?procedure={office['procedure'].code}"
                                                 "&page_size=50",
        "sla=overdue": "/api/v1/dossiers/?sla=overdue&page_size=50",
        f"agency={department.code}": f"/api/v1/dossiers/?agency={department.code}&page_size=50",
    }
    # Pages 2-6 of state=received along the `next` cursor, timed in turn.
    pages, url = [], listings["state=received"]
    while len(pages) < 5 and (url := api.get(url).json()["next"]):
        pages.append(url.removeprefix("http://localhost"))

    print(f"\nlisting: {Dossier.objects.count():,} dossiers, {count} requests each by {clients.count} clients; "
          f"SQL queries of one request in this process")
    slowest = None
    for name, urls in [*((name, [url]) for name, url in listings.items()), ("state=received, pages 2-6", pages)]:
        clients.run([("GET", urls[0], None, None)] * clients.count)  # warm-up
        wall, times, statuses = clients.run([("GET", urls[n % len(urls)], None, None) for n in range(count)])
        queries = set()
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                rows = len(api.get(url).json()["results"])
            queries.add(len(captured))
        print(f"{name:<28} {count / wall:4.0f} req/s  {summary(times)}  {worker_time(wall, count)}  "
              f"{'/'.join(map(str, sorted(queries)))} queries, {rows} rows"
              + ("" if set(statuses) == {200} else f"  answers {dict(statuses)}"))
        if slowest is None or percentile(times, 95) > slowest[0]:
            # The page query is the one reading workflows_dossier; its captured SQL has its values inlined.
            page = max((query["sql"] for query in captured.captured_queries if "workflows_dossier" in query["sql"]),
                       key=len)
            slowest = percentile(times, 95), name, page
    print("    target p95 <= 150 ms, the same queries on every page")
    explain(f"slowest listing ({slowest[1]}), its page query", slowest[2], None)


def worker_time(wall, count):
    """What each request kept a worker busy: with C clients queueing for 2 sync workers, a request's latency is
    about C / 2 times this."""
    return f"{WORKERS * wall / count * 1000:5.1f} ms of a worker"


def summary(times):
    return (f"p50 {percentile(times, 50):6.1f} ms  p95 {percentile(times, 95):6.1f} ms  "
            f"p99 {percentile(times, 99):6.1f} ms")


if __name__ == "__main__":
    main()
