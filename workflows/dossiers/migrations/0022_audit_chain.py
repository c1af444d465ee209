# Issue 19: the dossier audit trail becomes a hash chain per dossier, and PostgreSQL refuses to truncate it.

from django.db import migrations, models

from workflows.dossiers.audit_chain import entry_hash

REFUSE_TRUNCATE = r"""
CREATE OR REPLACE FUNCTION workflows_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    -- Only a test database's flush between tests may empty the trail, and only when its session asks to.
    IF current_database() LIKE 'test\_%' AND current_setting('onestop.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the dossier audit trail cannot be truncated';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_auditentry_no_truncate
    BEFORE TRUNCATE ON workflows_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION workflows_audit_no_truncate();
"""
ALLOW_TRUNCATE = """
DROP TRIGGER IF EXISTS workflows_auditentry_no_truncate ON workflows_auditentry;
DROP FUNCTION IF EXISTS workflows_audit_no_truncate();
"""
# The backfill writes the new columns of rows the append-only trigger protects; the migration runs as the
# tables' owner, in one transaction, so the trigger is off for this transaction's updates only.
APPEND_ONLY_TRIGGER = "workflows_auditentry_append_only"


def refuse_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_TRUNCATE, params=None)  # no placeholders: its LIKE pattern has a %


def allow_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_TRUNCATE)


def chain_existing_entries(apps, schema_editor):
    """Chains each dossier's entries in the order they were written (their ids)."""
    AuditEntry = apps.get_model("workflows", "AuditEntry")
    entries = AuditEntry.objects.using(schema_editor.connection.alias).order_by("dossier_id", "id")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE workflows_auditentry DISABLE TRIGGER {APPEND_ONLY_TRIGGER}")
    batch, dossier_id, sequence, previous_hash = [], None, 0, ""
    for entry in entries.iterator(chunk_size=2000):
        if entry.dossier_id != dossier_id:
            dossier_id, sequence, previous_hash = entry.dossier_id, 0, ""
        sequence += 1
        entry.sequence, entry.previous_hash = sequence, previous_hash
        entry.entry_hash = previous_hash = entry_hash(entry)
        batch.append(entry)
        if len(batch) == 2000:
            AuditEntry.objects.bulk_update(batch, ["sequence", "previous_hash", "entry_hash"])
            batch = []
    AuditEntry.objects.bulk_update(batch, ["sequence", "previous_hash", "entry_hash"])
    if postgresql:
        schema_editor.execute(f"ALTER TABLE workflows_auditentry ENABLE TRIGGER {APPEND_ONLY_TRIGGER}")


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0021_deliveries'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='entry_hash',
            field=models.CharField(default='', editable=False, max_length=64, verbose_name='hash'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditentry',
            name='previous_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="previous entry's hash"),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='sequence',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='position'),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(fields=('dossier', 'sequence'), name='audit_one_entry_per_position'),
        ),
        migrations.RunPython(refuse_truncate, allow_truncate),
    ]
