"""PostgreSQL roles like the one OneStop runs as in production, made for one test and dropped after it."""

import io
import uuid
from contextlib import contextmanager

import psycopg
from django.core.management import call_command
from django.db import connection

PASSWORD = "app-role-test"


def unique_role(prefix="onestop_app"):
    # Roles belong to the whole cluster: a name of its own per test, so xdist workers never meet.
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def superuser_connection(dbname=None):
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None,
                           dbname=dbname or settings["NAME"], user=settings["USER"],
                           password=settings["PASSWORD"] or None, autocommit=True)


@contextmanager
def app_role():
    """A login role given what the application needs on the test database by `manage.py grant_app_role`; the
    test must be transactional, so that the grants and the rows it reads are committed."""
    role = unique_role()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", [PASSWORD])
    try:
        call_command("grant_app_role", role, stdout=io.StringIO())
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def connect_as(role, dbname=None):
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None,
                           dbname=dbname or settings["NAME"], user=role, password=PASSWORD, autocommit=True)


@contextmanager
def django_connected_as(role):
    """Django's own connection as `role` for the block: the application as it runs in production."""
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD=PASSWORD)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
