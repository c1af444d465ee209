"""An answer is due on the closing time of the N-th working day after the day the feedback was sent (10 by
default): weekends, public holidays and the hour of sending count as for a dossier's limit in days."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.workflows.feedback.helpers import sent_on
from workflows.feedback.services import answer_due_at

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(("sent", "due"), [
    (datetime(2026, 3, 9, 9, 0), datetime(2026, 3, 23, 17, 0)),
    (datetime(2026, 3, 13, 16, 30), datetime(2026, 3, 27, 17, 0)),
    (datetime(2026, 3, 13, 18, 0), datetime(2026, 3, 27, 17, 0)),
    (datetime(2026, 3, 14, 9, 0), datetime(2026, 3, 27, 17, 0)),
    # Tết 2026 (16–20 February) does not count.
    (datetime(2026, 2, 13, 10, 0), datetime(2026, 3, 6, 17, 0)),
    # Nor do 30 April and 1 May.
    (datetime(2026, 4, 29, 9, 0), datetime(2026, 5, 15, 17, 0)),
], ids=["monday morning", "friday afternoon", "friday after closing", "saturday", "before tet", "before 30 april"])
def test_the_answer_is_due_ten_working_days_after_the_day_it_was_sent(sent, due):
    assert answer_due_at(sent.replace(tzinfo=TZ)) == due.replace(tzinfo=TZ)


def test_the_number_of_working_days_is_a_setting(settings):
    settings.ONESTOP_FEEDBACK_ANSWER_WORKING_DAYS = 1

    assert answer_due_at(datetime(2026, 3, 13, 16, 30, tzinfo=TZ)) == datetime(2026, 3, 16, 17, tzinfo=TZ)


@time_machine.travel(datetime(2026, 3, 9, 9, 0, tzinfo=TZ), tick=False)
def test_feedback_carries_its_due_date_from_the_moment_it_is_sent(office, dossier):
    feedback = sent_on(dossier, office.citizen)

    assert feedback.submitted_at == datetime(2026, 3, 9, 9, 0, tzinfo=TZ)
    assert feedback.due_at == datetime(2026, 3, 23, 17, 0, tzinfo=TZ)
