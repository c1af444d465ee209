"""Never lost, never twice: deliveries whose queued task a broker lost are handed out again by the sweeper and
arrive once; a hung gateway holds no row lock and costs a batch one timeout, not one per message."""

import socket
import subprocess
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import override_settings

from onestop import sms
from onestop.celery import app
from tests.brokers import broker_at, wait_for
from tests.processes import free_port
from tests.workflows.test_notification_delivery import walk_in_with_contacts
from workflows.dossiers import services
from workflows.notifications import tasks
from workflows.notifications.models import Delivery


class ForgetfulRedis:
    """A Redis of the test's own that keeps nothing on disk: a restart loses every queued task."""

    def __init__(self, directory):
        self.port, self.directory = free_port(), directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(self._answers, seconds=10), "redis-server did not start"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def restart(self):
        self.stop()
        self.start()

    def queued(self, queue="notifications"):
        return redis.Redis.from_url(self.url).llen(queue)

    def _answers(self):
        try:
            return redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def forgetful_redis(tmp_path):
    broker = ForgetfulRedis(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def contacts(transactional_db, settings):
    settings.SMS_BACKEND = "onestop.sms.LocmemBackend"
    sms.outbox.clear()


@contextmanager
def notifications_worker(url):
    """A worker taking the "notifications" queue of the test's own Redis (no other test's worker shares it)."""
    with broker_at(url), start_worker(app, pool="solo", perform_ping_check=False, queues=["notifications"],
                                      loglevel="WARNING"):
        yield


def receive_three_dossiers(office):
    return [services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)
            for _ in range(3)]


def arrived():
    """Each message that arrived, by recipient and text: email and SMS alike."""
    return Counter([(message.to[0], message.subject, message.body) for message in mail.outbox]
                   + [(message["phone"], message["text"]) for message in sms.outbox])


def test_messages_whose_tasks_a_restarted_broker_lost_arrive_once_after_the_sweep(contacts, office, settings,
                                                                                 forgetful_redis):
    settings.ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS = 60
    with broker_at(forgetful_redis.url):
        receive_three_dossiers(office)
        tasks.relay_outbox()  # the relay ran: deliveries written, their tasks queued on the broker
    deliveries = Delivery.objects.count()
    assert deliveries >= 6 and forgetful_redis.queued() >= 1

    forgetful_redis.restart()  # no persistence: the queued tasks are gone, the deliveries still pending
    assert forgetful_redis.queued() == 0
    assert Delivery.objects.filter(status="pending").count() == deliveries

    with notifications_worker(forgetful_redis.url):
        assert tasks.sweep_deliveries() == 0  # still within the bound: the tasks may yet run
        Delivery.objects.update(queued_at=F("queued_at") - timedelta(seconds=61))
        assert tasks.sweep_deliveries() == deliveries
        assert tasks.sweep_deliveries() == 0  # a second sweeper finds nothing left to hand out
        assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == deliveries, seconds=30)
        time.sleep(1)

    assert sum(arrived().values()) == deliveries and set(arrived().values()) == {1}
    assert len(sms.outbox) == 3


def test_a_swept_delivery_whose_original_task_still_runs_is_sent_once(contacts, office, settings, forgetful_redis):
    settings.ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS = 0
    with broker_at(forgetful_redis.url):
        receive_three_dossiers(office)
        tasks.relay_outbox()
        queued = forgetful_redis.queued()
        # A sweeper, and another at once, hand out again what the original tasks still hold in the queue.
        assert tasks.sweep_deliveries() == Delivery.objects.count()
        tasks.sweep_deliveries()
    assert forgetful_redis.queued() > queued

    with notifications_worker(forgetful_redis.url):
        assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == Delivery.objects.count())
        assert wait_for(lambda: forgetful_redis.queued() == 0)
        time.sleep(1)

    assert set(arrived().values()) == {1} and sum(arrived().values()) == Delivery.objects.count()


def test_a_publish_that_fails_mid_batch_leaves_the_rest_pending_for_the_sweeper(contacts, office, settings,
                                                                              forgetful_redis):
    settings.ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS = 0
    with broker_at(forgetful_redis.url):
        receive_three_dossiers(office)
        with mock.patch.object(tasks, "DELIVERY_BATCH", 2), \
             mock.patch.object(tasks.deliver_many, "delay", side_effect=[None, ConnectionError("broker gone")]):
            tasks.relay_outbox()  # the officer's change and its deliveries stand; the relay does not fail

    with notifications_worker(forgetful_redis.url):
        tasks.sweep_deliveries()
        assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == Delivery.objects.count())
    assert set(arrived().values()) == {1}


# A gateway that hangs: accepts the connection and never answers.

class SilentGateway:
    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sms"
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                accepted, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(accepted)

    def close(self):
        for accepted in self.connections:
            accepted.close()
        self.socket.close()


@pytest.fixture
def silent_gateway(settings):
    gateway = SilentGateway()
    settings.SMS_BACKEND = "onestop.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_CONNECT_TIMEOUT = settings.SMS_GATEWAY_READ_TIMEOUT = 1.0
    settings.SMS_GATEWAY_ATTEMPTS = 1
    yield gateway
    gateway.close()


def relayed_deliveries(office, count):
    dossiers = [walk_in_with_contacts(office) for _ in range(count)]
    for dossier in dossiers:
        services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    with mock.patch.object(tasks, "hand_out"):
        tasks.relay_outbox()
    return list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_hung_sms_gateway_costs_a_batch_one_timeout_and_its_messages_are_marked_for_retry(office, silent_gateway):
    ids = relayed_deliveries(office, 5)
    with mock.patch.object(tasks.deliver, "apply_async") as retry:
        started = time.monotonic()
        tasks.deliver_many(ids)
        took = time.monotonic() - started

    # One connection waited on, not five: five messages at 1 s each would take 5 s.
    assert len(silent_gateway.connections) == 1 and took < 5.0
    texts = Delivery.objects.filter(channel="sms")
    assert texts.count() == 5 and set(texts.values_list("status", flat=True)) == {"pending"}
    tried = texts.get(attempts=1)
    assert "unreachable" in tried.last_error and tried.sending_until is None
    assert {call.args[0][0] for call in retry.call_args_list} == set(texts.values_list("pk", flat=True))
    assert not Delivery.objects.filter(channel="email").exclude(status="sent").exists()


def test_a_delivery_being_sent_holds_no_row_lock_and_nobody_else_sends_it(transactional_db, office, settings,
                                                                         silent_gateway):
    settings.SMS_GATEWAY_READ_TIMEOUT = 3
    relayed_deliveries(office, 1)
    text = Delivery.objects.get(channel="sms")
    def send_in_another_worker():
        try:
            tasks.attempt(text.pk)
        finally:
            connection.close()

    sending = threading.Thread(target=send_in_another_worker)
    sending.start()
    try:
        assert wait_for(lambda: Delivery.objects.get(pk=text.pk).sending_until is not None)
        with transaction.atomic():  # an administrator or a sweeper reaches the row at once
            Delivery.objects.select_for_update(nowait=True).get(pk=text.pk)
        settings.ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS = 0
        assert tasks.sweep_deliveries() == Delivery.objects.exclude(pk=text.pk).count()
        assert tasks.attempt(text.pk).status == "already done"  # a second task does not send it too
    finally:
        sending.join()
    text.refresh_from_db()
    assert (text.status, text.attempts, text.sending_until) == ("pending", 1, None)
    assert "unreachable" in text.last_error


def test_an_smtp_connection_never_waits_forever_by_default():
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 10.0


@pytest.mark.django_db
def test_a_hung_mail_server_times_out_and_the_email_waits_for_its_retry(office, silent_gateway):
    ids = relayed_deliveries(office, 5)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=silent_gateway.port, EMAIL_TIMEOUT=1.0,
                           SMS_BACKEND="onestop.sms.LocmemBackend"), \
            mock.patch.object(tasks.deliver, "apply_async"):
        started = time.monotonic()
        tasks.deliver_many(ids)
        took = time.monotonic() - started

    emails = Delivery.objects.filter(channel="email")
    assert set(emails.values_list("status", flat=True)) == {"pending"}
    assert len(silent_gateway.connections) == 1 and took < 5.0  # not 1 s per email
    assert emails.filter(attempts=1).count() == 1 and "timed out" in emails.get(attempts=1).last_error
