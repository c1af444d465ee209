"""A database made before the dossier engine was split into rooms migrates forward with its rows: the models that
moved keep their data, and their content types (with the permissions granted on them) follow them."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from workflows.reporting.models import TallyRefresh
from workflows.worktime.models import CalendarException

REFRESHED = datetime.datetime(2026, 12, 1, 1, 15, tzinfo=datetime.UTC)
# The leaves of the migration graph before the rooms: the moved models still belonged to "workflows".
BEFORE_THE_ROOMS = [("workflows", "0018_withdrawal_requested"), ("worktime", None), ("notifications", None),
                    ("integrations", None), ("payments", None), ("reporting", None), ("integrator_api", None)]


def migrate(targets=None):
    """Migrates the database to `targets` (the newest graph when None); returns the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    if targets:
        nodes = [node for node in targets if node[1] is not None]
        return executor.loader.project_state([*nodes, ("contenttypes", "0002_remove_content_type_name")]).apps
    return None


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_graph_keeps_its_rows_and_permissions():
    calendar_type = ContentType.objects.get_for_model(CalendarException)
    old = migrate(BEFORE_THE_ROOMS)
    try:
        old.get_model("workflows", "CalendarException").objects.create(
            day=datetime.date(2026, 9, 1), kind="day_off", name="Quyết định nghỉ bù Quốc khánh")
        old.get_model("workflows", "TallyRefresh").objects.create(complete_through=datetime.date(2026, 11, 30),
                                                                  refreshed_at=REFRESHED)
        assert old.get_model("contenttypes", "ContentType").objects.get(pk=calendar_type.pk).app_label == "workflows"
    finally:
        migrate()
    ContentType.objects.clear_cache()

    assert CalendarException.objects.get(day=datetime.date(2026, 9, 1)).name == "Quyết định nghỉ bù Quốc khánh"
    # The marker moved with its row; reporting 0002 then asked for a recount under Decision 766's corrected rules.
    assert (TallyRefresh.objects.get().refreshed_at, TallyRefresh.objects.get().complete_through) == (REFRESHED, None)
    assert CalendarException._meta.db_table == "worktime_calendarexception"
    # The same content type row, so permissions granted before the move still hold.
    assert ContentType.objects.get_for_model(CalendarException).pk == calendar_type.pk
