"""GET /health/ for load balancers, container health checks and the province's monitoring (django-health-check).

The answer keeps the contract the stack was built on: JSON with "status" and one entry per check ("ok" or the
error), 200 while OneStop can serve people, 503 when it cannot. Only the database, the cache and the upload storage
decide that: with the broker, beat or the outbox behind, pages still work and messages wait in the outbox, so those
make the status "degraded" (still 200, so the load balancer keeps the server) for monitoring to alert on.
"""

import asyncio
import dataclasses
import datetime
import uuid

from asgiref.sync import async_to_sync
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views import View
from health_check import checks as library_checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from .celery import app as celery_app

BEAT_HEARTBEAT_KEY = "onestop:beat-heartbeat"


@shared_task(name="onestop.beat_heartbeat", ignore_result=True)
def beat_heartbeat():
    """Beat schedules this every minute (CELERY_BEAT_SCHEDULE); /health/ reads how long ago a worker ran it."""
    cache.set(BEAT_HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


@dataclasses.dataclass
class UploadStorage(library_checks.Storage):
    """Applicants' documents are written under PRIVATE_MEDIA_ROOT: a file is written, read back and deleted there."""

    @property
    def storage(self):
        return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)

    def get_file_name(self):
        # At the top, so the probe leaves no directory behind.
        return f".health-check-{uuid.uuid4().hex}"


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection: without it tasks wait in the outbox until it is back."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=2), repr=False)

    def run(self):
        try:
            with celery_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=0, timeout=self.timeout.total_seconds())
        except Exception as error:  # noqa: BLE001 - kombu raises many kinds; any means unreachable
            raise ServiceUnavailable(f"broker unreachable ({error.__class__.__name__})") from error


@dataclasses.dataclass
class BeatHeartbeat(HealthCheck):
    """Beat ran its heartbeat recently: without beat no SLA timer, digest or outbox catch-up runs."""

    async def run(self):
        beat = await cache.aget(BEAT_HEARTBEAT_KEY)
        if beat is None:
            raise ServiceWarning("beat has not run since the cache was emptied")
        age = (timezone.now() - datetime.datetime.fromisoformat(beat)).total_seconds()
        if age > settings.ONESTOP_HEALTH_BEAT_STALE_SECONDS:
            raise ServiceWarning(f"beat last ran {age:.0f} s ago")


@dataclasses.dataclass(frozen=True)
class Probe:
    name: str
    check: HealthCheck
    critical: bool = False


def core_probes():
    probes = [Probe("database", library_checks.Database(), critical=True),
              Probe("cache", library_checks.Cache(), critical=True),
              Probe("storage", UploadStorage(), critical=True)]
    # The embedded default runs tasks in-process: there is no broker and no beat to watch.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        probes += [Probe("broker", Broker()), Probe("beat", BeatHeartbeat())]
    return probes


def describe(result):
    return "ok" if result.error is None else f"error: {result.error.message}"


class HealthView(View):
    """Runs every probe at once; `app_probes` adds the rooms' own (workflows.reporting.operations)."""

    app_probes = staticmethod(list)
    http_method_names = ["get", "head"]

    def get(self, request):
        probes = [*core_probes(), *self.app_probes()]
        results = async_to_sync(self._run)(probes)
        failing = {probe.name for probe, result in zip(probes, results) if result.error is not None}
        critical = any(probe.critical for probe in probes if probe.name in failing)
        status = "error" if critical else "degraded" if failing else "ok"
        response = JsonResponse({"status": status, **{probe.name: describe(result)
                                                      for probe, result in zip(probes, results)}},
                                status=503 if critical else 200)
        add_never_cache_headers(response)
        return response

    @staticmethod
    async def _run(probes):
        return await asyncio.gather(*(probe.check.get_result() for probe in probes))
