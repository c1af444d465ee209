"""The nightly beat tasks this project adds run on a real Celery worker: the indicators' tallies are refreshed and
the files of rolled-back filings are swept."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from onestop.celery import app
from onestop.uploads import private_storage
from tests.brokers import wait_for, worker_on_own_queue
from tests.workflows.test_lifecycle import received
from workflows.dossiers import tasks as dossier_tasks
from workflows.reporting import indicators
from workflows.reporting import tasks as reporting_tasks
from workflows.reporting.indicators import Period

NIGHTLY = ("refresh-indicators", "sweep-orphan-files")


def test_beat_names_registered_tasks_on_the_timers_queue():
    for entry in NIGHTLY:
        name = settings.CELERY_BEAT_SCHEDULE[entry]["task"]
        assert name in app.tasks
        assert settings.CELERY_TASK_ROUTES[name] == {"queue": "timers"}


@pytest.fixture
def worker(transactional_db):
    with worker_on_own_queue():
        yield


def test_a_worker_refreshes_the_tallies_up_to_yesterday_and_today_is_still_counted(office, worker):
    received(office)
    reporting_tasks.refresh_indicators.delay()
    yesterday = timezone.localdate() - timedelta(days=1)
    assert wait_for(lambda: indicators.complete_through() == yesterday, seconds=30)
    today = Period(timezone.localdate(), timezone.localdate())
    assert indicators.report(today)[0].figures.received == 1


def test_a_worker_sweeps_a_file_no_dossier_refers_to(office, worker):
    orphan = private_storage.path(private_storage.save("dossiers/999/mo-coi.pdf", ContentFile(b"%PDF-1.4")))
    hours_ago = time.time() - 7 * 3600
    os.utime(orphan, (hours_ago, hours_ago))
    dossier_tasks.sweep_orphan_files.delay()
    assert wait_for(lambda: not os.path.exists(orphan), seconds=30)
