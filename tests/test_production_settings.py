"""Production settings refuse to start with mail or SMS backends that send nothing."""

import subprocess
import sys

import pytest

from tests.processes import ROOT, process_environment

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "onestop.settings_production",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "onestop.example.vn",
    "EMAIL_URL": "smtp+tls://onestop:secret@mail.example.vn:587",
    "SMS_BACKEND": "onestop.sms.HttpGatewayBackend",
}


def check(**overrides):
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                          env=process_environment(**{**PRODUCTION, **overrides}), timeout=120)


@pytest.mark.parametrize(("variable", "value", "backend"), [
    ("EMAIL_URL", "consolemail://", "django.core.mail.backends.console.EmailBackend"),
    ("EMAIL_URL", "memorymail://", "django.core.mail.backends.locmem.EmailBackend"),
    ("SMS_BACKEND", "onestop.sms.ConsoleBackend", "onestop.sms.ConsoleBackend"),
    ("SMS_BACKEND", "onestop.sms.LocmemBackend", "onestop.sms.LocmemBackend"),
], ids=["console-email", "memory-email", "console-sms", "memory-sms"])
def test_production_refuses_backends_that_send_nothing(variable, value, backend):
    result = check(**{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable} selects {backend}, which sends nothing" in result.stderr


def test_production_refuses_the_default_console_email():
    env = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_URL"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                            env={key: value for key, value in process_environment(**env).items()
                                 if key != "EMAIL_URL"}, timeout=120)
    assert result.returncode != 0
    assert "EMAIL_URL selects django.core.mail.backends.console.EmailBackend" in result.stderr


def test_production_starts_with_a_mail_server_and_an_sms_gateway():
    result = check()
    assert result.returncode == 0, result.stderr
