"""Operations for migrations that move models between apps, keeping their rows."""

from django.db import migrations


def moved_models(created, *, from_app, to_app):
    """Takes the models `created` (their CreateModel operations, as the autodetector writes them) over from
    `from_app` with their tables and rows: they enter this app's state under the tables they had, the tables are
    renamed to this app's names, and their content types (and so the permissions granted on them) follow."""
    names = [operation.name_lower for operation in created]
    for operation in created:
        operation.options["db_table"] = f"{from_app}_{operation.name_lower}"

    def content_types(source, target):
        def move(apps, schema_editor):
            content_type = apps.get_model("contenttypes", "ContentType")
            content_type.objects.using(schema_editor.connection.alias).filter(
                app_label=source, model__in=names).update(app_label=target)

        return move

    return [
        migrations.SeparateDatabaseAndState(state_operations=created),
        *[migrations.AlterModelTable(name=operation.name, table=None) for operation in created],
        migrations.RunPython(content_types(from_app, to_app), content_types(to_app, from_app), elidable=True),
    ]
