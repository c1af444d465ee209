"""Two officers answering the same feedback at once, each on their own PostgreSQL connection: one answer stands,
the other officer is told it was answered already."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.workflows.feedback.helpers import sent_on
from tests.workflows.test_concurrency import in_own_connection
from workflows.feedback import services
from workflows.feedback.models import Feedback, FeedbackAuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_officers_answering_at_once_one_wins_the_other_is_told_it_is_answered(office, dossier):
    feedback = sent_on(dossier, office.citizen)
    start = threading.Barrier(2)

    @in_own_connection
    def answer(officer):
        start.wait()
        try:
            services.answer_feedback(feedback=Feedback.objects.get(pk=feedback.pk), acting_user=officer,
                                     answer=f"Trả lời của {officer.username}")
            return "answered"
        except services.AlreadyAnswered as error:
            return str(error)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(answer, [office.head, office.leader]))

    assert outcomes.count("answered") == 1
    refusal = next(outcome for outcome in outcomes if outcome != "answered")
    feedback.refresh_from_db()
    winner = feedback.answered_by
    assert refusal.startswith(f"Phản ánh, kiến nghị này đã được {winner} trả lời lúc")
    assert feedback.answer == f"Trả lời của {winner.username}"
    assert FeedbackAuditEntry.objects.filter(action="feedback_answered").count() == 1
