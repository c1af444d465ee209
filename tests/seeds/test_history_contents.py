"""What a year of demo history holds: every dossier agrees with its audit trail, every kind of outcome is there even
in a small history, the indicators count it, and every demo staff member finds work in their queue. One history,
written once for the module and rolled back after it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from seeds.demo import DEMO_STAFF
from seeds.history import seed_history
from workflows.dossiers import selectors
from workflows.dossiers.models import AuditEntry, Dossier, OutboxEvent, Rating
from workflows.dossiers.selectors import due_soon_before
from workflows.feedback.models import Feedback
from workflows.feedback.selectors import deadline_status
from workflows.integrations.models import NationalPortalChange
from workflows.payments.models import Payment
from workflows.reporting.indicators import report
from workflows.reporting.models import IndicatorTally
from workflows.reporting.periods import Period

pytestmark = pytest.mark.django_db
SMALL = 60


@pytest.fixture(scope="module")
def end(django_db_setup, django_db_blocker, tmp_path_factory):
    """The history's last minute, once the history is written."""
    end = timezone.now().replace(second=0, microsecond=0)
    files = tmp_path_factory.mktemp("history")
    with django_db_blocker.unblock(), override_settings(DEBUG=True, PRIVATE_MEDIA_ROOT=files / "private",
                                                         MEDIA_ROOT=files / "media"):
        with transaction.atomic():
            call_command("load_catalogue", stdout=StringIO())
            call_command("seed_demo", stdout=StringIO())
            seed_history(dossiers=SMALL, seed=2026, end=end)
            yield end
            transaction.set_rollback(True)


def test_every_dossier_agrees_with_its_audit_trail(end):
    entries = {}
    for entry in AuditEntry.objects.order_by("dossier", "at", "id"):
        entries.setdefault(entry.dossier_id, []).append(entry)
    for dossier in Dossier.objects.prefetch_related("payments"):
        trail = entries[dossier.pk]
        assert trail[0].action == "created", dossier.code
        for before, after in zip(trail, trail[1:], strict=False):
            assert after.from_state == before.to_state, (dossier.code, before.action, after.action)
            assert before.at <= after.at <= end
        assert trail[-1].to_state == dossier.state, dossier.code
        last = {entry.action: entry.at for entry in trail}
        assert dossier.submitted_at == max(last.get("submit"), last.get("resubmit") or last["submit"])
        assert dossier.received_at == last.get("receive")
        assert dossier.result_at == (last.get("approve") or last.get("refuse_result"))
        if dossier.closed_at:
            assert dossier.closed_at == trail[-1].at or dossier.state == Dossier.State.RETURNED
        assert dossier.fees_paid == sum(payment.amount for payment in dossier.payments.all())
        assert dossier.created_at == trail[0].at
    # Its messages were sent in their day: nobody is told again today.
    assert not OutboxEvent.objects.filter(relayed_at__isnull=True).exists()


def test_a_small_history_still_shows_every_kind_of_outcome(end):
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"receive", "hand_over", "approve", "return_result", "apologise", "request_documents", "resubmit",
            "request_supplement", "supply", "lapse", "withdraw", "accept_withdrawal", "decline_withdrawal", "refuse",
            "refuse_result", "notify_obligation", "obligation_paid", "consult", "consultation_answered",
            "send_back", "rated", "record_payment"} <= actions
    dossiers = Dossier.objects.all()
    late = dossiers.filter(apology_count__gt=0)
    assert late.exists() and all(dossier.appointment_at > dossier.due_at for dossier in late)
    assert set(dossiers.values_list("state", flat=True)) >= {
        "submitted", "received", "processing", "result_ready", "returned", "refused", "withdrawn", "stopped"}
    assert set(Payment.objects.values_list("method", flat=True)) == {"desk", "online"}
    assert Rating.objects.exists()
    assert set(dossiers.values_list("channel", flat=True)) == {"online", "counter", "integrated"}
    # Spread over the year, and counted by the indicators.
    assert dossiers.filter(submitted_at__lt=end - timedelta(days=300)).exists()
    assert IndicatorTally.objects.exists()
    year = report(Period(end.date() - timedelta(days=365), end.date()))[0].figures
    assert year.received >= SMALL * 0.8 and year.settled_on_time and year.settled_late
    # The past was synced to the national portal in its day: nothing waits to be sent, the indicator is full.
    assert year.synced == year.received
    assert not NationalPortalChange.objects.filter(acknowledged_at__isnull=True).exists()


def test_every_demo_staff_member_finds_work_in_their_queue(end, django_user_model):
    wanted = {"receiving_officer": "to_receive", "specialist": "my_work", "department_head": "my_work",
              "agency_leader": "my_work", "result_desk": "to_return"}
    for staff in DEMO_STAFF:
        user = django_user_model.objects.get(username=staff.username)
        counts = {queue.slug: count for queue, count in selectors.queue_counts(user, now=end)}
        assert counts[wanted[staff.role]] >= 1, (staff.username, counts)


def test_the_deadline_queues_have_dossiers_due_soon_and_overdue(end, django_user_model):
    specialist = django_user_model.objects.get(username="chuyenvien")
    counts = {queue.slug: count for queue, count in selectors.queue_counts(specialist, now=end)}
    assert counts["due_soon"] >= 1 and counts["overdue"] >= 1, counts


def test_applicants_feedback_is_answered_published_judged_and_some_still_waits(end):
    feedback = Feedback.objects.all()
    assert feedback.filter(status="answered", is_public=True).exists()
    assert set(feedback.exclude(satisfied=None).values_list("satisfied", flat=True)) == {True, False}
    waiting = {deadline_status(item, end, due_soon_before(end)) for item in feedback.filter(status="open")}
    assert {"due_soon", "overdue", "on_time"} <= waiting
    for item in feedback.select_related("dossier"):
        assert item.dossier.submitted_at < item.submitted_at <= end
        assert item.answered_at is None or item.submitted_at < item.answered_at <= end


def test_no_dossier_is_filed_under_a_version_published_after_it(end):
    assert not Dossier.objects.filter(created_at__lt=F("procedure_version__created_at")).exists()
