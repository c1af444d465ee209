"""Once answered, the sender says once whether they are satisfied with the handling: signed in, or with the
reference and the email or phone they gave."""

import pytest
from django.urls import reverse

from tests.workflows.feedback.helpers import answered, sent_on
from workflows.feedback import services
from workflows.feedback.models import Feedback, FeedbackAuditEntry

pytestmark = pytest.mark.django_db


def test_the_sender_says_once_whether_they_are_satisfied(client, office, dossier):
    feedback = sent_on(dossier, office.citizen)
    with pytest.raises(services.FeedbackError):
        services.rate_handling(feedback=feedback, acting_user=office.citizen, satisfied=True)
    answered(feedback, office.head)
    client.force_login(office.citizen)
    page = client.get(reverse("feedback:detail", args=[feedback.code])).content.decode()
    assert "Sở đã kiểm tra và sẽ trả kết quả trong tuần này." in page and 'id="satisfaction-form"' in page

    page = client.post(reverse("feedback:rate", args=[feedback.code]), {"satisfied": "no"}, follow=True)

    assert "Xin cảm ơn: đánh giá của quý vị đã được ghi nhận." in page.content.decode()
    feedback.refresh_from_db()
    assert feedback.satisfied is False and feedback.rated_at is not None
    assert 'id="satisfaction-form"' not in page.content.decode()
    page = client.post(reverse("feedback:rate", args=[feedback.code]), {"satisfied": "yes"}, follow=True)
    assert "Quý vị đã đánh giá câu trả lời này rồi." in page.content.decode()
    with pytest.raises(services.AlreadyRated):
        services.rate_handling(feedback=feedback, acting_user=office.citizen, satisfied=True)
    assert Feedback.objects.get().satisfied is False
    assert list(FeedbackAuditEntry.objects.filter(action="feedback_rated").values_list("data", flat=True)) == [
        {"feedback": feedback.code, "satisfied": False}]


def test_nobody_else_judges_the_handling(client, office, dossier):
    feedback = answered(sent_on(dossier, office.citizen), office.head)

    with pytest.raises(services.NotPermitted):
        services.rate_handling(feedback=feedback, acting_user=office.other_citizen, satisfied=True)
    with pytest.raises(services.NotPermitted):
        services.rate_handling(feedback=feedback, acting_user=None, contact="someone@example.vn", satisfied=True)
    client.force_login(office.other_citizen)
    assert client.get(reverse("feedback:detail", args=[feedback.code])).status_code == 404
    assert client.post(reverse("feedback:rate", args=[feedback.code]), {"satisfied": "yes"}).status_code == 404
    assert Feedback.objects.get().satisfied is None


def test_a_sender_without_an_account_reads_the_answer_and_judges_it_with_the_contact_they_gave(client, office,
                                                                                             dossier):
    feedback = services.submit_feedback(acting_user=None, kind="feedback", content="Chậm trả kết quả.",
                                        dossier=dossier, verifier="1234", author_name="Bình", phone="0903111222")
    url = reverse("feedback:lookup")

    wrong = client.post(url, {"code": feedback.code, "contact": "0903111223"})
    assert 'id="not-found"' in wrong.content.decode() and wrong.context["feedback"] is None
    page = client.post(url, {"code": feedback.code.lower(), "contact": "090 311 1222"})
    assert page.context["feedback"] == feedback and page.context["satisfaction_form"] is None  # not answered yet
    answered(feedback, office.head, answer="Sở xin lỗi vì sự chậm trễ.")
    page = client.post(url, {"code": feedback.code, "contact": "0903111222"})
    assert "Sở xin lỗi vì sự chậm trễ." in page.content.decode() and page.context["satisfaction_form"]

    page = client.post(url, {"code": feedback.code, "contact": "0903111222", "satisfied": "yes"})

    assert "Xin cảm ơn: đánh giá của quý vị đã được ghi nhận." in page.content.decode()
    assert Feedback.objects.get().satisfied is True
