"""The suite runs with CELERY_BROKER_URL pointed at a closed port (scripts/test), so no test can lean on a worker
it did not start. Tests that start a worker use the real Redis broker, on a queue of their own."""

import os
import time
import uuid
from contextlib import contextmanager
from unittest import mock

from celery.contrib.testing.worker import start_worker
from django.conf import settings

from onestop.celery import app

REAL_BROKER_URL = os.environ.get("ONESTOP_TEST_BROKER_URL") or settings.REDIS_URL
# Nothing listens on the discard port.
CLOSED_BROKER_URL = "redis://127.0.0.1:9/0"


@contextmanager
def real_broker():
    """The Celery app publishes to the real Redis broker inside the block."""
    with _broker(REAL_BROKER_URL):
        yield


@contextmanager
def broker_at(url):
    """The Celery app publishes to the broker at `url` inside the block: a Redis the test started itself."""
    with _broker(url):
        yield


@contextmanager
def broker_down():
    """Inside the block, publishing a task finds no broker, as when Redis has stopped."""
    with _broker(CLOSED_BROKER_URL):
        yield


@contextmanager
def _broker(url):
    previous = app.conf.broker_url
    app.conf.broker_url = url
    _drop_connections()
    try:
        # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
        with mock.patch.dict(os.environ, {"CELERY_BROKER_URL": url}):
            yield
    finally:
        app.conf.broker_url = previous
        _drop_connections()


@contextmanager
def worker_on_own_queue():
    """A worker thread on the real broker taking every task from a queue of its own, so parallel test runs never
    take each other's tasks."""
    queue = f"test-{uuid.uuid4().hex}"
    previous = app.conf.task_routes
    app.conf.task_routes = {"*": {"queue": queue}}
    _reroute()
    try:
        with real_broker(), start_worker(app, pool="solo", perform_ping_check=False, queues=[queue],
                                         loglevel="WARNING"):
            yield queue
    finally:
        app.conf.task_routes = previous
        _reroute()


def _drop_connections():
    # What Celery itself does after a fork: the next publish connects afresh, to the broker now configured.
    app._pool = None
    app.amqp._producer_pool = None


def _reroute():
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def wait_for(condition, seconds=15):
    """True once `condition()` holds, False if it never does within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
