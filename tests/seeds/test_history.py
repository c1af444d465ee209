"""The demo history is written the same way for the same seed, once, and never in production; the demo staff sign
in at real desks. What the history holds: test_history_contents.py."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from seeds.demo import DEMO_STAFF
from seeds.history import HistoryError, seed_history
from workflows.dossiers.models import AuditEntry, Dossier, Rating
from workflows.payments.models import Payment

pytestmark = pytest.mark.django_db
SMALL = 20


@pytest.fixture
def province(settings):
    settings.DEBUG = True
    call_command("load_catalogue", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def end():
    return timezone.now().replace(second=0, microsecond=0)


def summary():
    """What the history wrote, without database ids."""
    return {
        "dossiers": sorted(Dossier.objects.values_list("code", "state", "procedure__code", "channel")),
        "actions": Counter(AuditEntry.objects.values_list("action", flat=True)),
        "payments": sorted(Payment.objects.values_list("dossier__code", "amount", "method")),
        "ratings": sorted(Rating.objects.values_list("dossier__code", "score")),
    }


def test_the_same_seed_writes_the_same_history(province, end):
    with transaction.atomic():
        seed_history(dossiers=SMALL, seed=7, end=end, tallies_refreshed=False)
        first = summary()
        transaction.set_rollback(True)
    assert not Dossier.objects.exists()
    seed_history(dossiers=SMALL, seed=7, end=end, tallies_refreshed=False)
    assert summary() == first
    assert len(first["dossiers"]) >= SMALL


def test_the_command_writes_once_and_never_in_production(province, settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="DEBUG"):
        call_command("seed_history", "--dossiers", "5", stdout=StringIO())
    settings.DEBUG = True
    output = StringIO()
    call_command("seed_history", "--dossiers", "5", stdout=output)
    written = Dossier.objects.count()
    # Whoever waits sees it advance, a fifth at a time, to every dossier written.
    progress = [line for line in output.getvalue().splitlines() if line.endswith("dossiers written")]
    assert len(progress) == 5 and progress[-1] == f"Demo history: {written}/{written} dossiers written"
    assert f"Demo history: {written} dossiers over the last year" in output.getvalue()
    again = StringIO()
    call_command("seed_history", "--dossiers", "5", stdout=again)
    assert "No demo history written" in again.getvalue() and Dossier.objects.count() == written
    with pytest.raises(HistoryError):
        seed_history(dossiers=5)


@override_settings(DEBUG=True)
def test_demo_staff_sign_in_to_the_admin_at_real_desks(province, client, django_user_model):
    for staff in DEMO_STAFF:
        user = django_user_model.objects.get(username=staff.username)
        assert user.is_staff and not user.is_superuser
        assert [(m.role, m.agency.code) for m in user.staff_memberships.all()] == [(staff.role, staff.agency_code)]
        assert client.login(username=staff.username, password="onestop-staff")
        assert client.get("/admin/", follow=True).status_code == 200
    admin = django_user_model.objects.get(username="admin")
    roles = set(admin.staff_memberships.values_list("role", flat=True))
    assert {"province_admin", "receiving_officer", "specialist", "department_head", "agency_leader",
            "result_desk"} <= roles
