"""What operators watch of the dossiers and their messages: health probes for /health/ (onestop.health) and the
Prometheus series scraped at /metrics/ (onestop.observability)."""

import dataclasses
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceWarning
from prometheus_client.core import GaugeMetricFamily

from onestop.health import Probe
from onestop.observability import last_task_run
from workflows.dossiers.models import Dossier, OutboxEvent
from workflows.dossiers.selectors import sla_condition
from workflows.notifications.models import Delivery


def unrelayed_events():
    return OutboxEvent.objects.filter(relayed_at__isnull=True)


def oldest_unrelayed():
    return unrelayed_events().order_by("created_at").values_list("created_at", flat=True)


def lag_seconds(oldest, now=None):
    """Age of the oldest event not yet turned into deliveries; 0 when the outbox is empty."""
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds()) if oldest else 0.0


def outbox_lag_seconds(now=None):
    return lag_seconds(oldest_unrelayed().first(), now)


def stale_pending_deliveries(now=None):
    """Deliveries still pending longer after their event than a send should ever take."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.ONESTOP_HEALTH_DELIVERY_PENDING_SECONDS)
    return Delivery.objects.filter(status=Delivery.Status.PENDING, event__created_at__lt=cutoff)


@dataclasses.dataclass
class OutboxLag(HealthCheck):
    """The relay keeps up: no outbox event waits longer than ONESTOP_HEALTH_OUTBOX_LAG_SECONDS."""

    async def run(self):
        lag = lag_seconds(await oldest_unrelayed().afirst())
        if lag > settings.ONESTOP_HEALTH_OUTBOX_LAG_SECONDS:
            raise ServiceWarning(f"the oldest unrelayed outbox event is {lag:.0f} s old")


@dataclasses.dataclass
class PendingDeliveries(HealthCheck):
    """No e-mail, SMS or webhook is stuck pending (lost by the broker, or its worker is down)."""

    async def run(self):
        stuck = await stale_pending_deliveries().acount()
        if stuck:
            raise ServiceWarning(f"{stuck} deliveries pending for more than "
                                 f"{settings.ONESTOP_HEALTH_DELIVERY_PENDING_SECONDS} s")


def health_probes():
    return [Probe("outbox", OutboxLag()), Probe("deliveries", PendingDeliveries())]


class OperationsCollector:
    """Read from the database and the cache at each scrape, so every web process reports the same figures."""

    def describe(self):
        return []

    def collect(self):
        yield GaugeMetricFamily("onestop_outbox_lag_seconds", "Age of the oldest outbox event not yet relayed.",
                                value=outbox_lag_seconds())
        yield GaugeMetricFamily("onestop_outbox_unrelayed_events", "Outbox events not yet relayed.",
                                value=unrelayed_events().count())
        deliveries = GaugeMetricFamily("onestop_deliveries", "Deliveries not sent, by status.", labels=["status"])
        for status in (Delivery.Status.PENDING, Delivery.Status.FAILED):
            deliveries.add_metric([status.value], Delivery.objects.filter(status=status).count())
        yield deliveries
        yield GaugeMetricFamily("onestop_dossiers_overdue", "Dossiers whose clock runs past their due time.",
                                value=Dossier.objects.filter(sla_condition("overdue")).count())
        run_time = GaugeMetricFamily("onestop_timer_last_run_seconds", "How long the timer task's last run took.",
                                     labels=["task"])
        finished = GaugeMetricFamily("onestop_timer_last_run_finished_timestamp_seconds",
                                     "When the timer task's last run finished.", labels=["task"])
        timer_tasks = [name for name, route in settings.CELERY_TASK_ROUTES.items() if route.get("queue") == "timers"]
        for task in timer_tasks:
            if run := last_task_run(task):
                run_time.add_metric([task], run["seconds"])
                finished.add_metric([task], run["finished"])
        yield run_time
        yield finished
