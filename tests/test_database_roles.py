"""OneStop runs as a PostgreSQL role that owns no table; migrations run as the owner. The application's role reads
and writes rows, adds to the audit trail, and can do nothing else to it."""

import io
import shlex
import subprocess
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import CommandError, call_command

from tests.database_roles import PASSWORD, app_role, connect_as, django_connected_as, superuser_connection, unique_role
from tests.processes import ROOT, compose_file, process_environment
from tests.workflows.test_lifecycle import filed
from workflows.dossiers import services
from workflows.dossiers.models import AuditEntry

ATTACKS = {
    "truncate": "TRUNCATE workflows_auditentry",
    "truncate_cascade": "TRUNCATE workflows_dossier CASCADE",
    "disable_trigger": "ALTER TABLE workflows_auditentry DISABLE TRIGGER workflows_auditentry_append_only",
    "disable_all_triggers": "ALTER TABLE workflows_auditentry DISABLE TRIGGER ALL",
    "drop_trigger": "DROP TRIGGER workflows_auditentry_append_only ON workflows_auditentry",
    "update": "UPDATE workflows_auditentry SET note = 'rewritten'",
    "delete": "DELETE FROM workflows_auditentry",
    "drop_table": "DROP TABLE workflows_auditentry CASCADE",
    "create_table": "CREATE TABLE workflows_shadow (id int)",
}


@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_rewrite_the_audit_trail(office):
    dossier = filed(office)
    trail = list(AuditEntry.objects.filter(dossier=dossier).values_list("id", "note"))
    allowed = []
    with app_role() as role, connect_as(role) as attacker:
        for attack, statement in ATTACKS.items():
            try:
                attacker.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            allowed.append(attack)
        # What it may do: read the trail and add to it (the hash chain catches a forged addition).
        assert attacker.execute("SELECT count(*) FROM workflows_auditentry").fetchone()[0] == len(trail)
    assert allowed == []
    assert list(AuditEntry.objects.filter(dossier=dossier).values_list("id", "note")) == trail


@pytest.mark.django_db(transaction=True)
def test_even_the_owner_cannot_truncate_the_audit_trail(office):
    filed(office)
    with superuser_connection() as owner:
        with pytest.raises(psycopg.errors.RaiseException, match="cannot be truncated"):
            owner.execute("TRUNCATE workflows_auditentry")
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_application_runs_as_a_role_that_owns_nothing(office):
    with app_role() as role:
        with django_connected_as(role):
            dossier = services.receive_dossier(dossier=filed(office), acting_user=office.receiver)
            services.add_note(dossier=dossier, acting_user=office.receiver, note="Đã gọi điện cho công dân")
            dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
            out = io.StringIO()
            call_command("verify_audit", "--dossier", dossier.code, stdout=out)
        with superuser_connection() as owner:
            owned = owner.execute("SELECT count(*) FROM pg_tables WHERE tableowner = %s", [role]).fetchone()[0]
            may_update = owner.execute("SELECT has_table_privilege(%s, 'workflows_auditentry', 'UPDATE')",
                                       [role]).fetchone()[0]
    assert "intact" in out.getvalue()
    assert list(dossier.audit_entries.order_by("sequence").values_list("action", flat=True)) == [
        "created", "submit", "receive", "note", "hand_over"]
    assert (owned, may_update) == (0, False)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["postgres", "Robert'); DROP TABLE workflows_dossier; --", ""])
def test_granting_refuses_the_owner_a_superuser_and_names_that_are_not_plain(role):
    with pytest.raises(CommandError):
        call_command("grant_app_role", role, stdout=io.StringIO())


def test_compose_runs_migrations_as_the_owner_and_everything_else_as_the_application_role():
    services_ = compose_file()["services"]
    app_url = urlsplit(services_["web"]["environment"]["DATABASE_URL"])
    owner_url = urlsplit(services_["migrate"]["environment"]["DATABASE_URL"])
    assert app_url.username == services_["migrate"]["environment"]["DATABASE_APP_ROLE"] != owner_url.username
    for name in ["worker", "timers", "beat"]:
        assert urlsplit(services_[name]["environment"]["DATABASE_URL"]).username == app_url.username
    assert "grant_app_role --create" in " ".join(services_["migrate"]["command"])


def test_a_fresh_database_migrated_as_compose_does_gives_the_application_only_rows():
    """compose's migrate step, run for real as a table owner that is no superuser, on an empty database."""
    owner, app, database = unique_role("onestop_owner"), unique_role(), unique_role("onestop_fresh")
    with superuser_connection("postgres") as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{PASSWORD}'")
        admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
    try:
        migrate = compose_file()["services"]["migrate"]
        command = migrate["command"]
        result = subprocess.run(
            command if isinstance(command, list) else shlex.split(command), cwd=ROOT, capture_output=True,
            text=True, timeout=600, env=process_environment(
                DJANGO_SETTINGS_MODULE="onestop.settings", DATABASE_APP_ROLE=app, DATABASE_APP_PASSWORD=PASSWORD,
                DATABASE_URL=f"postgres://{owner}:{PASSWORD}@127.0.0.1:5432/{database}"))
        assert result.returncode == 0, result.stderr[-3000:]
        with connect_as(app, database) as application:
            assert application.execute("SELECT count(*) FROM workflows_auditentry").fetchone() == (0,)
            application.execute("INSERT INTO worktime_calendarexception (day, kind, name) "
                                "VALUES ('2026-12-31', 'day_off', 'a test') RETURNING id")
            for statement in [ATTACKS["truncate"], ATTACKS["update"], ATTACKS["disable_trigger"],
                              ATTACKS["create_table"]]:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    application.execute(statement)
    finally:
        with superuser_connection("postgres") as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {app}")
            admin.execute(f"DROP ROLE IF EXISTS {owner}")
