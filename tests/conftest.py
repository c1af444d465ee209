import os
import uuid

import pytest
from django.conf import settings

from tests.office import Office, open_for_online_filing


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql" and not os.environ.get("ONESTOP_TESTS_ON_SQLITE"):
        raise pytest.UsageError(
            "The test suite runs on PostgreSQL and Redis: use ./scripts/test, or set DATABASE_URL and REDIS_URL."
        )


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
