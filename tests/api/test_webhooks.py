"""Webhooks: an integrator's endpoint, a real local HTTP server here, receives each dossier event it subscribed to,
signed with its secret, through a real Celery worker."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.api.conftest import Integrator, filing
from tests.brokers import wait_for, worker_on_own_queue
from tests.office import open_for_online_filing
from workflows.integrations.models import WebhookSubscription
from workflows.notifications.models import Delivery

SECRET = "whsec-national-portal-0123456789"


class Receiver:
    """An integrator's webhook endpoint: records what arrives, answering with the status it is told to."""

    def __init__(self):
        self.received, self.status = [], 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/onestop/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def national_portal(transactional_db, django_user_model, office, receiver):
    open_for_online_filing(office)
    portal = Integrator(django_user_model, "dvcqg", roles=[(office.desk, "receiving_officer")])
    WebhookSubscription.objects.create(client=portal.client, url=receiver.url, secret=SECRET,
                                       events=["submit", "receive"])
    return portal


def verified(message):
    """The event, once its signature checks out against the shared secret."""
    timestamp, signature = (part.split("=", 1)[1] for part in message["headers"]["OneStop-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + message["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    return json.loads(message["body"])


def test_a_subscriber_receives_each_event_it_wants_signed_once(national_portal, office, receiver):
    with worker_on_own_queue():
        api = national_portal.api()
        code = api.post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
        etag = api.get(f"/api/v1/dossiers/{code}/")["ETag"]
        api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json", HTTP_IF_MATCH=etag)
        assert wait_for(lambda: len(receiver.received) == 2)
        api.post(f"/api/v1/dossiers/{code}/hand-over/", {}, format="json",
                 HTTP_IF_MATCH=api.get(f"/api/v1/dossiers/{code}/")["ETag"])  # not subscribed to
        assert not wait_for(lambda: len(receiver.received) > 2, seconds=1.5)

    events = [verified(message) for message in receiver.received]
    assert sorted(event["type"] for event in events) == ["dossier.receive", "dossier.submit"]
    received = next(event for event in events if event["type"] == "dossier.receive")
    assert received["data"] == {"code": code, "state": "received", "national_status": "received",
                                "version": received["data"]["version"]}
    assert Delivery.objects.filter(channel="webhook", status="sent", response_status=204).count() == 2


def test_a_refusing_endpoint_leaves_a_failed_delivery_to_send_again(national_portal, office, receiver):
    receiver.status = 410
    with worker_on_own_queue():
        national_portal.api().post("/api/v1/dossiers/", filing(office), format="json")
        assert wait_for(lambda: Delivery.objects.filter(channel="webhook", status="failed").exists())
    failed = Delivery.objects.get(channel="webhook")
    assert (failed.response_status, failed.attempts) == (410, 1) and "HTTP 410" in failed.last_error


def test_a_client_is_not_told_of_dossiers_it_may_not_see(national_portal, office, receiver, django_user_model):
    branch = Integrator(django_user_model, "bimson", roles=[(office.other_desk, "receiving_officer")])
    WebhookSubscription.objects.create(client=branch.client, url=receiver.url + "/branch", secret=SECRET)
    with worker_on_own_queue():
        national_portal.api().post("/api/v1/dossiers/", filing(office), format="json")
        assert wait_for(lambda: len(receiver.received) == 1)
        assert not wait_for(lambda: len(receiver.received) > 1, seconds=1)
    assert receiver.received[0]["headers"]["OneStop-Event-Id"].startswith("evt_")

