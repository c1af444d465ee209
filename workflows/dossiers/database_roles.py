"""The application's PostgreSQL role. OneStop runs as a role that owns no table, while migrations run as the
owner: the application role may read and write rows, but never alter, truncate or disable a trigger on a table,
and may only add to the audit trails. A leaked application password then cannot rewrite history."""

import re

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction

from .models import AuditRecord

ROW_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleError(Exception):
    """The role cannot be set up as asked; the message says why."""


def append_only_tables():
    """The audit trails' tables: the application role may read and add to them, nothing else."""
    return sorted(model._meta.db_table for model in apps.get_models() if issubclass(model, AuditRecord))


def create_login_role(role, password, *, using="default"):
    """Creates the application's login role, with no power beyond the grants, unless it exists."""
    role = _checked_name(role)
    connection = _postgresql(using)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            return False
        # A utility statement takes no bound parameter: the password goes in as a quoted literal.
        cursor.execute(connection.ops.compose_sql(
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %s", [password]))
    return True


def grant_app_role(role, *, using="default"):
    """Gives `role` exactly what the application needs on this database: connect, use the schema, read and write
    the rows of every table (the audit trails: read and add only) and use the sequences, now and for the tables
    and sequences the owner's later migrations create. Run as the tables' owner; idempotent."""
    connection = _postgresql(using)
    role = _checked_name(role)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # The migrations' owner: the one whose future tables the default privileges are about.
        cursor.execute("SELECT current_database(), current_schema(), coalesce((SELECT tableowner FROM pg_tables "
                       "WHERE schemaname = current_schema() AND tablename = 'workflows_auditentry'), current_user)")
        database, schema, owner = cursor.fetchone()
        _refuse_owners(cursor, role)
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(%s)",
                       [append_only_tables()])
        audit_tables = [connection.ops.quote_name(table) for (table,) in cursor.fetchall()]
        schema, database, owner = (connection.ops.quote_name(name) for name in (schema, database, owner))
        for statement in [
            f"GRANT CONNECT ON DATABASE {database} TO {role}",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            # Starting from nothing takes back whatever an earlier hand-made grant gave.
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
            f"GRANT {ROW_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {role}",
            *([f"REVOKE UPDATE, DELETE ON {', '.join(audit_tables)} FROM {role}"] if audit_tables else []),
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            # Tables and sequences the owner creates later; the next migrate takes UPDATE and DELETE back from a
            # new audit trail (post_migrate, DATABASE_APP_ROLE).
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT {ROW_PRIVILEGES} ON TABLES "
            f"TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES "
            f"TO {role}",
        ]:
            cursor.execute(statement)


def grant_after_migrate(sender, using, **kwargs):
    """After every migrate, when DATABASE_APP_ROLE names the application role: its grants follow the schema."""
    role = settings.DATABASE_APP_ROLE
    if role and connections[using].vendor == "postgresql":
        grant_app_role(role, using=using)


def _postgresql(using):
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleError("Database roles exist on PostgreSQL only; the embedded SQLite database has none.")
    return connection


def _checked_name(role):
    # Role names go into SQL as identifiers: only plain lower-case names, which need no quoting.
    if not ROLE_NAME.fullmatch(role or ""):
        raise RoleError(f"“{role}” is not a plain role name (lower-case letters, digits and _).")
    return role


def _refuse_owners(cursor, role):
    cursor.execute(
        "SELECT r.rolsuper, r.rolbypassrls, EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema() "
        "AND pg_has_role(r.rolname, t.tableowner, 'MEMBER')) FROM pg_roles r WHERE r.rolname = %s", [role])
    found = cursor.fetchone()
    if found is None:
        raise RoleError(f"There is no role “{role}”: create it first (grant_app_role --create).")
    superuser, bypasses_security, owner = found
    if superuser or bypasses_security or owner:
        raise RoleError(f"“{role}” is the tables' owner, a member of it or a superuser: the application must run "
                        "as a role of its own.")
