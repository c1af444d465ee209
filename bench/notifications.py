"""Times notifications end to end through a real Celery worker on PostgreSQL and Redis: outbox events relayed
into deliveries, each delivery sent by the development backends (emails and SMS written to files in a
temporary directory).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_notify .venv/bin/python bench/notifications.py

Starts `celery -A onestop worker --queues notifications,default --concurrency 2 --pool prefork` with Redis
database 7 as its broker (emptied first: it is the benchmark's own) and stops it at the end. The events are
"receive" notices for dossiers whose applicant gave an email and a phone: two messages each.

Prints (1) throughput: how long from relay_outbox.delay() until every message of --events events is sent, in
messages/s; (2) keeping up: a producer writes --rate events per second for --seconds seconds, in a batch every
100 ms, starting the relay after commit once per event as workflows.notifications does (a relay already queued
makes that a no-op); every second it prints the unrelayed events and the deliveries not sent
yet, then whether these backlogs grew, and how long the worker takes to drain them after the producer stops.
Both also print the worker's CPU time per message, which depends less than the rates on what else the machine
is running.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BROKER = "redis://127.0.0.1:6379/7"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
os.environ.setdefault("DEBUG", "false")
# The bench enqueues on the worker's broker; never on a Redis database someone else uses, since it is emptied.
os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"] = BROKER

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from lifecycle import prepare_database, setup_office  # noqa: E402

DOSSIERS = 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000,
                        help="events for the throughput run (2 messages each)")
    parser.add_argument("--rate", type=int, default=300, help="events written per second while keeping up")
    parser.add_argument("--seconds", type=int, default=20, help="how long the producer writes")
    args = parser.parse_args()
    prepare_database()
    office = setup_office()
    dossiers = applicants_dossiers(office)
    with connection.cursor() as cursor:
        # Each run counts its own events and deliveries.
        cursor.execute("TRUNCATE workflows_delivery, workflows_outboxevent")

    import redis

    broker = redis.Redis.from_url(BROKER)
    broker.flushdb()
    # The worker, PostgreSQL and this producer share the CPUs: other work on the machine lowers the figures.
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the worker started")
    try:
        with tempfile.TemporaryDirectory(prefix="onestop-notify-") as files, worker(Path(files)) as running:
            try:
                throughput(running, dossiers, args.events, Path(files))
                keeping_up(running, dossiers, args.rate, args.seconds)
            finally:
                errors = [line for line in running.log.read_text().splitlines()
                          if "ERROR" in line or "Traceback" in line]
                if errors:
                    print(f"\nthe worker logged {len(errors)} errors, the first: {errors[0]}")
    finally:
        # Tasks a worker left undone would otherwise run on the next worker started on this database.
        broker.flushdb()


def applicants_dossiers(office):
    """Open dossiers whose applicant gave an email and a phone, written in SQL by bench/timers.py's fill."""
    from timers import fill, simulated_moments

    from workflows.dossiers.models import Dossier

    fill(office, DOSSIERS, simulated_moments())
    return list(Dossier.objects.exclude(applicant_email="").exclude(applicant_phone="")
                .values_list("pk", "code", "appointment_at")[:DOSSIERS])


class worker:
    """The Celery worker as a subprocess in a process group of its own: stopping it stops its children."""

    def __init__(self, directory):
        self.directory = directory

    def __enter__(self):
        from onestop.celery import app

        self.log = self.directory / "worker.log"
        self.output = self.log.open("w")
        env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING",
               "SMS_BACKEND": "onestop.sms.FileBackend", "SMS_FILE_PATH": str(self.directory / "sms"),
               # django-environ takes the path after "filemail://", and keeps its leading slash if doubled.
               "EMAIL_URL": f"filemail:///{self.directory / 'mail'}"}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "onestop", "worker", "--queues",
             "notifications,default", "--concurrency", "2", "--pool", "prefork", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                sys.exit(f"The worker did not start:\n{self.log.read_text()}")
        return self

    def cpu_seconds(self):
        """CPU time the worker and its pool processes used so far (PostgreSQL's not included): unlike the
        rates, it hardly depends on what else the machine runs."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[2]) == self.process.pid:  # in the worker's process group
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.output.close()


def write_events(dossiers, count, start):
    """`count` "receive" events for the dossiers in turn from index `start`, in one INSERT."""
    from workflows.dossiers.models import OutboxEvent

    now = timezone.now()
    OutboxEvent.objects.bulk_create([
        OutboxEvent(dossier_id=pk, event="receive", created_at=now,
                    data={"code": code, "reason": "", "appointment": appointment.isoformat()})
        for pk, code, appointment in (dossiers[(start + index) % len(dossiers)] for index in range(count))
    ])


def throughput(running, dossiers, events, directory):
    from workflows.notifications.models import Delivery
    from workflows.notifications.tasks import relay_outbox

    write_events(dossiers, events, 0)
    messages = 2 * events
    started, cpu = time.perf_counter(), running.cpu_seconds()
    relay_outbox.delay()
    while (sent := Delivery.objects.filter(status=Delivery.Status.SENT).count()) < messages:
        if time.perf_counter() - started > 90:
            break
        time.sleep(0.1)
    seconds, cpu = time.perf_counter() - started, running.cpu_seconds() - cpu
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED).count()
    # The file backend writes each email followed by a line of 79 dashes, several to a file.
    emails = sum(path.read_text().splitlines().count("-" * 79) for path in (directory / "mail").glob("*"))
    texts = sum(len(path.read_text().splitlines()) for path in (directory / "sms").glob("*"))
    print(f"(1) throughput: {events:,} events = {messages:,} messages; {sent:,} sent in {seconds:.1f} s "
          f"= {sent / seconds:.0f} messages/s, worker CPU {1000 * cpu / sent:.1f} ms a message "
          f"({failed} failed; {emails:,} emails and {texts:,} SMS in the files)")


def trend(backlog, rate):
    """Whether a backlog sampled every second grows: its slope against a twentieth of the rate it is fed."""
    slope = statistics.linear_regression(range(len(backlog)), backlog).slope
    return f"{'grow' if slope > rate / 20 else 'stay flat'} ({slope:+.0f}/s)"


def keeping_up(running, dossiers, rate, seconds):
    """The producer, batch by batch, with a sample of the backlogs every second."""
    from workflows.dossiers.models import OutboxEvent
    from workflows.notifications.models import Delivery
    from workflows.notifications.tasks import start_relay

    def backlog():
        return (OutboxEvent.objects.filter(relayed_at__isnull=True).count(),
                Delivery.objects.exclude(status=Delivery.Status.SENT).count())

    batch = rate // 10
    sent_before = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    print(f"\n(2) keeping up with {rate} events/s ({2 * rate} messages/s) for {seconds} s, a batch of "
          f"{batch} every 100 ms, each event starting the relay after commit as the app does:")
    print("      s   written   unrelayed   messages not sent")
    samples, written = [], 0
    started, cpu = time.perf_counter(), running.cpu_seconds()
    for tick in range(seconds * 10):
        with transaction.atomic():
            write_events(dossiers, batch, written)
            # As workflows.dossiers.events.write does: each event written starts the relay once committed.
            for _ in range(batch):
                transaction.on_commit(start_relay)
        written += batch
        if tick % 10 == 9:
            samples.append(backlog())
            print(f"    {len(samples):3d}   {written:7,}   {samples[-1][0]:9,}   {samples[-1][1]:17,}")
        time.sleep(max(0.0, started + (tick + 1) / 10 - time.perf_counter()))
    producing = time.perf_counter() - started
    print(f"    written {written:,} events in {producing:.1f} s = {written / producing:.0f} events/s; "
          f"unrelayed events {trend([sample[0] for sample in samples], rate)}, "
          f"messages not sent {trend([sample[1] for sample in samples], 2 * rate)}")
    while any(backlog()) and time.perf_counter() - started < producing + 45:
        time.sleep(0.2)
    drained = time.perf_counter() - started - producing
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count() - sent_before
    cpu = running.cpu_seconds() - cpu
    unrelayed, unsent = backlog()
    print(f"    after the producer stopped: {'drained' if not unrelayed + unsent else 'not drained'} in "
          f"{drained:.1f} s ({unrelayed:,} unrelayed, {unsent:,} not sent); {sent:,} messages sent in "
          f"{producing + drained:.1f} s = {sent / (producing + drained):.0f} messages/s, worker CPU "
          f"{1000 * cpu / sent:.1f} ms a message")


if __name__ == "__main__":
    main()
