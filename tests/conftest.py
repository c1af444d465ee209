import os
import uuid

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import with_second_factor
from tests.office import Office, open_for_online_filing


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql" and not os.environ.get("ONESTOP_TESTS_ON_SQLITE"):
        raise pytest.UsageError(
            "The test suite runs on PostgreSQL and Redis: use ./scripts/test, or set DATABASE_URL and REDIS_URL."
        )
    if engine == "django.db.backends.postgresql":
        # Transactional tests are flushed with TRUNCATE, which the audit trail refuses unless a test database's
        # session asks (workflows migration 0022).
        options = settings.DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c onestop.allow_audit_truncate=on".strip()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    # Deliberately weak hashing keeps logins fast; nothing here is a real password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test its own namespace in the real Redis: rate limits and cached values never leak between tests, runs
    # or xdist workers.
    settings.CACHES = {name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
                       for name, config in settings.CACHES.items()}


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    # force_login stands for a complete staff sign-in, second factor included (tests.factories.with_second_factor);
    # the sign-in and its limits are tested through client.login() and the form (tests/citizens/test_staff_*).
    monkeypatch.setattr(Client, "force_login", with_second_factor(Client.force_login))


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.vn", "a-strong-passw0rd")
    client.force_login(admin)
    return client


@pytest.fixture
def office(django_user_model):
    return Office(django_user_model)


@pytest.fixture
def portal(office):
    return open_for_online_filing(office)
