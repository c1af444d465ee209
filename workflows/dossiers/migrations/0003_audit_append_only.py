from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION workflows_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the dossier audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_auditentry_append_only
    BEFORE UPDATE OR DELETE ON workflows_auditentry
    FOR EACH ROW EXECUTE FUNCTION workflows_audit_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS workflows_auditentry_append_only ON workflows_auditentry;
DROP FUNCTION IF EXISTS workflows_audit_append_only();
"""


def forbid_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    """Even raw SQL cannot rewrite the audit trail on PostgreSQL: the database refuses it."""

    dependencies = [("workflows", "0002_dossier_auditentry_dossiercodecounter_and_more")]

    operations = [migrations.RunPython(forbid_changes, allow_changes)]
