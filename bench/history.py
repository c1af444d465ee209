"""Times the demo history (seeds.history.seed_history) as `./scripts/serve` writes it: on the embedded SQLite
default, with DEBUG on, after load_catalogue and seed_demo.

    .venv/bin/python bench/history.py --dossiers 2000 3000

A SQLite database is prepared once in a temporary directory (migrated, the Thanh Hóa catalogue and the demo
accounts loaded) and copied afresh for each size, so every run starts from the empty province `./scripts/serve`
starts from. For each size, prints the dossiers written (the size asked for, plus the tour, showcase and
deadline dossiers), the seconds the history took and, apart, the indicators' refresh that follows it; the
milliseconds of processor time per dossier; and, with --queries, the SQL statements per dossier (counted in a
run of its own, as counting costs time). `machine ms` is a rough reading of the host's speed while the history
ran: every hundred dossiers a plain Python loop is timed (the median, as milliseconds to sum a million integers; its
own time is left out of the history's). A shared host's speed can swing by half within minutes, and the history's
time with it: compare figures taken at about the same reading.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import timeit
from datetime import timedelta
from pathlib import Path

WORKDIR = Path(tempfile.mkdtemp(prefix="onestop-history-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'run.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
os.environ["DEBUG"] = "true"  # as scripts/serve runs seed_history
os.environ["MEDIA_ROOT"] = str(WORKDIR / "media")
os.environ["PRIVATE_MEDIA_ROOT"] = str(WORKDIR / "private-media")
for name in ("REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)  # the embedded defaults: tasks in-process, a local cache

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from seeds.history import DEMO_DOSSIERS, seed_history  # noqa: E402
from workflows.reporting import tallies  # noqa: E402

PREPARED = WORKDIR / "prepared.sqlite3"
RUN = WORKDIR / "run.sqlite3"


def prepare():
    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    connections.close_all()
    shutil.copy(RUN, PREPARED)


def fresh_database():
    connections.close_all()
    for suffix in ("-wal", "-shm"):
        Path(f"{RUN}{suffix}").unlink(missing_ok=True)
    shutil.copy(PREPARED, RUN)
    for files in ("media", "private-media"):
        shutil.rmtree(WORKDIR / files, ignore_errors=True)


class Counter:
    """Counts the statements sent to the database (the query log keeps only the last 9,000)."""

    def __init__(self):
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        return execute(sql, params, many, context)


class MachineSpeed:
    """Times a plain Python loop every hundred dossiers (the history's progress callback), and how long that took."""

    def __init__(self):
        self.samples, self.seconds, self.cpu = [], 0.0, 0.0

    def __call__(self, done, total):
        if done % 100 == 0 or done == total:
            cpu, started = time.process_time(), time.monotonic()
            # Five times the best of three sums of 200,000 integers: milliseconds per million.
            self.samples.append(5000 * min(timeit.repeat("sum(range(200_000))", number=1, repeat=3)))
            self.seconds += time.monotonic() - started
            self.cpu += time.process_time() - cpu

    def milliseconds(self):
        return statistics.median(self.samples)


def timed(dossiers):
    """The history's seconds and processor time, then the indicators' refresh that follows it, apart; and the
    machine's speed meanwhile."""
    fresh_database()
    machine = MachineSpeed()
    cpu, started = time.process_time(), time.monotonic()
    report = seed_history(dossiers=dossiers, tallies_refreshed=False, progress=machine)
    seconds = time.monotonic() - started - machine.seconds
    cpu = time.process_time() - cpu - machine.cpu
    refresh_started = time.monotonic()
    tallies.refresh(last_day=timezone.localdate() - timedelta(days=1))
    return report, seconds, cpu, time.monotonic() - refresh_started, machine.milliseconds()


def statements_per_dossier(dossiers):
    fresh_database()
    counter = Counter()
    with connection.execute_wrapper(counter):
        report = seed_history(dossiers=dossiers, tallies_refreshed=False)
    return counter.statements / report.dossiers


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, nargs="+", default=[DEMO_DOSSIERS], help="history sizes to time")
    parser.add_argument("--queries", action="store_true", help="also count the SQL statements per dossier")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the in-process tasks log every run
    prepare()
    print(f"{'asked':>6} {'written':>8} {'history s':>10} {'refresh s':>10} {'ms cpu/dossier':>15} "
          f"{'dossiers/s':>11} {'queries/dossier':>16} {'machine ms':>11}")
    for size in args.dossiers:
        report, seconds, cpu, refresh, machine = timed(size)
        per_dossier = f"{statements_per_dossier(size):.1f}" if args.queries else "-"
        print(f"{size:>6} {report.dossiers:>8} {seconds:>10.1f} {refresh:>10.1f} "
              f"{1000 * cpu / report.dossiers:>15.1f} {report.dossiers / seconds:>11.1f} {per_dossier:>16} "
              f"{machine:>11.1f}")
    connections.close_all()
    shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
