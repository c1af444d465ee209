"""The SMS backends, the HTTP gateway adapter against a real HTTP server on the loopback."""

import json
import logging
import pickle
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from onestop import sms
from onestop.sms import FileBackend, HttpGatewayBackend, SmsDeliveryError, send_sms

TOKEN = "secret-gateway-token-4f1c"


class Gateway:
    """A scripted SMS gateway on the loopback, keeping every request it gets.

    Request n gets answers[n]: (status, body) or (status, body, headers), or "hang" for no answer at all; the
    last answer repeats.
    """

    def __init__(self):
        self.answers = [(200, {"id": "gw-1"})]
        self.requests = []
        self.release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers),
                                         "json": json.loads(body)})
                answer = gateway.answers[min(len(gateway.requests), len(gateway.answers)) - 1]
                if answer == "hang":
                    gateway.release.wait(10)
                    return
                status, payload, *headers = answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in dict(*headers).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    gateway = Gateway()
    settings.SMS_BACKEND = "onestop.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = TOKEN
    settings.SMS_SENDER = "UBND-TINH"
    settings.SMS_GATEWAY_READ_TIMEOUT = 0.5
    settings.SMS_GATEWAY_BACKOFF = 0.01
    yield gateway
    gateway.close()


def test_the_gateway_gets_the_message_as_json_with_the_bearer_token(gateway):
    message_id = HttpGatewayBackend().send("0912345678", "Mã xác thực OneStop: 123456", reference="notif-42")

    assert message_id == "gw-1"
    [request] = gateway.requests
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["json"] == {"to": "0912345678", "from": "UBND-TINH", "text": "Mã xác thực OneStop: 123456",
                               "reference": "notif-42"}


def test_each_message_without_a_reference_gets_its_own(gateway):
    backend = HttpGatewayBackend()
    backend.send("0912345678", "một")
    backend.send("0912345678", "hai")

    first, second = (request["json"]["reference"] for request in gateway.requests)
    assert first and second and first != second


@pytest.mark.parametrize("status", [503, 429, 500], ids=["unavailable", "rate-limited", "server-error"])
def test_a_busy_gateway_is_tried_again_with_the_same_reference(gateway, status):
    gateway.answers = [(status, {"error": "busy"}), (200, {"id": "gw-2"})]

    assert send_sms("0912345678", "Hồ sơ đã tiếp nhận", reference="notif-7") == "gw-2"
    assert [request["json"]["reference"] for request in gateway.requests] == ["notif-7", "notif-7"]


def test_a_gateway_still_busy_after_three_attempts_fails_retryably(gateway):
    gateway.answers = [(503, {"error": "maintenance"})]

    with pytest.raises(SmsDeliveryError) as error:
        send_sms("0912345678", "Hồ sơ đã tiếp nhận")

    assert (error.value.retryable, error.value.status) == (True, 503)
    assert len(gateway.requests) == 3


@pytest.mark.parametrize("status", [400, 302], ids=["bad-request", "redirect"])
def test_a_rejected_message_fails_at_once_and_is_not_retryable(gateway, status):
    gateway.answers = [(status, {"error": "invalid phone number"}, {"Location": "/elsewhere"})]

    with pytest.raises(SmsDeliveryError, match=f"{status}.*invalid phone number") as error:
        send_sms("0000", "Hồ sơ đã tiếp nhận")

    assert (error.value.retryable, error.value.status) == (False, status)
    assert len(gateway.requests) == 1


def test_a_long_retry_after_is_cut_short_so_no_page_hangs(gateway):
    gateway.answers = [(503, {"error": "maintenance"}, {"Retry-After": "3600"}), (200, {"id": "gw-3"})]

    assert send_sms("0912345678", "Hồ sơ đã tiếp nhận") == "gw-3"


def test_a_gateway_that_never_answers_times_out_on_every_attempt_and_fails_retryably(gateway):
    gateway.answers = ["hang"]

    with pytest.raises(SmsDeliveryError, match="unreachable") as error:
        send_sms("0912345678", "Hồ sơ đã tiếp nhận", reference="notif-9")

    assert error.value.retryable
    assert [request["json"]["reference"] for request in gateway.requests] == ["notif-9"] * 3


def test_a_closed_port_fails_retryably(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_GATEWAY_BACKOFF = 0.01

    with pytest.raises(SmsDeliveryError) as error:
        HttpGatewayBackend(url=f"http://127.0.0.1:{port}/v1/sms", token=TOKEN).send("0912345678", "x")

    assert error.value.retryable


def test_the_token_is_never_logged_nor_put_in_errors(gateway, caplog):
    gateway.answers = [(401, {"error": "bad token"})]
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SmsDeliveryError) as error:
        send_sms("0912345678", "x")

    assert caplog.records
    assert TOKEN not in caplog.text
    assert TOKEN not in str(error.value) and TOKEN not in repr(HttpGatewayBackend())


def test_a_delivery_error_survives_pickling_for_celery():
    error = pickle.loads(pickle.dumps(SmsDeliveryError("gateway answered 503", retryable=True, status=503)))

    assert (str(error), error.retryable, error.status) == ("gateway answered 503", True, 503)


def test_the_file_backend_writes_one_json_line_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "onestop.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sent-sms"

    first = send_sms("0912345678", "Mã xác thực OneStop: 123456")
    second = send_sms("0987654321", "Hồ sơ của bạn đã có kết quả", reference="notif-3")

    [file] = (tmp_path / "sent-sms").iterdir()
    records = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    assert [(r["phone"], r["text"], r["reference"], r["message_id"]) for r in records] == [
        ("0912345678", "Mã xác thực OneStop: 123456", None, first),
        ("0987654321", "Hồ sơ của bạn đã có kết quả", "notif-3", second),
    ]
    assert len(first) == 32 and first != second
    assert all(r["time"] for r in records)


def test_concurrent_writers_never_interleave_their_lines(tmp_path):
    backend = FileBackend(file_path=tmp_path)
    text = "Thông báo hồ sơ " * 300

    def write(writer):
        for number in range(50):
            backend.send(f"09{writer:08d}", f"{text}{number}")

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [file] = tmp_path.iterdir()
    records = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 400 and len({r["message_id"] for r in records}) == 400


def test_send_sms_passes_the_reference_through_and_returns_the_message_id(settings):
    settings.SMS_BACKEND = "onestop.sms.LocmemBackend"
    sms.outbox.clear()

    message_id = send_sms("0912345678", "Hồ sơ đã tiếp nhận", reference="notif-11")

    assert sms.outbox == [{"phone": "0912345678", "text": "Hồ sơ đã tiếp nhận", "reference": "notif-11",
                           "message_id": message_id}]


def test_the_console_backend_returns_a_message_id(caplog):
    assert len(sms.ConsoleBackend().send("0912345678", "x")) == 32
