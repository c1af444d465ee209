"""The agency that must answer does so in the window: on time or late, published or not; the citizen is told.
Staff of other agencies, and those of the agency who do not answer for it, neither see it nor answer it."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.workflows.feedback.helpers import answered, sent_on
from workflows.dossiers.models import AuditEntry, OutboxEvent, StaffMembership
from workflows.feedback import services
from workflows.feedback.models import Feedback, FeedbackAuditEntry
from workflows.notifications import messages as notifications
from workflows.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def window(client, user, **query):
    client.force_login(user)
    return client.get(reverse("admin:feedback_feedback_changelist"), query)


def answer_in_window(client, feedback, answer="Sở sẽ trả kết quả ngày 20/3.", publish=False):
    data = {"answer": answer, **({"publish": "on"} if publish else {})}
    return client.post(reverse("admin:feedback_feedback_answer", args=[feedback.pk]), data, follow=True)


def test_an_answer_before_the_due_date_is_on_time_and_the_citizen_is_told(office, dossier):
    feedback = sent_on(dossier, office.citizen)

    feedback = answered(feedback, office.head, publish=True)

    assert (feedback.status, feedback.answered_by, feedback.is_public) == ("answered", office.head, True)
    assert feedback.answered_on_time is True
    assert list(Feedback.objects.answered_on_time()) == [feedback] and not Feedback.objects.answered_late().exists()
    entry = FeedbackAuditEntry.objects.get(action="feedback_answered")
    assert (entry.actor, entry.actor_role, entry.actor_agency, entry.data["on_time"]) == (
        office.head, "department_head", office.department, True)
    assert AuditEntry.objects.filter(dossier=dossier, action="feedback_answered", actor=office.head).exists()
    # By email and SMS at the contact written on the feedback, and in the portal's inbox.
    event = OutboxEvent.objects.get(event="feedback_answered")
    assert set(notifications.recipients(event)) == {(Delivery.Channel.EMAIL, "congdan@example.vn", "vi"),
                                                    (Delivery.Channel.SMS, "0912345678", "vi")}
    subject, body = notifications.email(event, "vi")
    assert subject == f"[OneStop] Phản ánh, kiến nghị {feedback.code} của quý vị đã được trả lời"
    assert f"Sở Xây dựng đã trả lời phản ánh, kiến nghị {feedback.code}" in body
    assert reverse("feedback:detail", args=[feedback.code]) in body
    line = Notification.objects.get(recipient=office.citizen, event="feedback_answered")
    assert notifications.message(line, "vi").startswith("Sở Xây dựng đã trả lời phản ánh, kiến nghị")


def test_an_answer_after_the_due_date_is_late(office, dossier):
    feedback = sent_on(dossier, office.citizen)
    later = feedback.due_at + timedelta(minutes=1)
    assert list(Feedback.objects.overdue(later)) == [feedback] and feedback.is_overdue(later)
    assert not Feedback.objects.overdue(feedback.due_at).exists()

    with time_machine.travel(later, tick=False):
        feedback = answered(feedback, office.leader)

    assert feedback.answered_on_time is False
    assert list(Feedback.objects.answered_late()) == [feedback] and not Feedback.objects.answered_on_time().exists()
    assert not Feedback.objects.overdue(later).exists()
    assert FeedbackAuditEntry.objects.get(action="feedback_answered").data["on_time"] is False


def test_an_anonymous_sender_is_told_at_the_contact_they_gave_and_reads_the_answer_with_it(office, dossier):
    feedback = services.submit_feedback(acting_user=None, kind="feedback", content="Chậm trả kết quả.",
                                        dossier=dossier, verifier="1234", author_name="Bình", phone="0903111222")
    answered(feedback, office.head)

    event = OutboxEvent.objects.get(event="feedback_answered")
    assert notifications.recipients(event) == [(Delivery.Channel.SMS, "0903111222", "vi")]
    assert f"{reverse('feedback:lookup')}?ma={feedback.code}" in notifications.email(event, "vi")[1]
    assert not Notification.objects.filter(event="feedback_answered").exists()


def test_an_officer_answers_in_the_window_and_publishes_it(client, office, dossier):
    feedback = sent_on(dossier, office.citizen)
    page = client.get(reverse("admin:feedback_feedback_change", args=[feedback.pk]))
    assert page.status_code == 302  # staff only

    window(client, office.head)
    page = client.get(reverse("admin:feedback_feedback_change", args=[feedback.pk]))
    content = page.content.decode()
    assert "Hồ sơ đã quá hạn mà chưa có kết quả." in content and 'id="answer-feedback"' in content
    assert "congdan@example.vn" in content  # the agency may reach the sender
    assert client.post(reverse("admin:feedback_feedback_change", args=[feedback.pk]), {}).status_code == 403

    empty = answer_in_window(client, feedback, answer="  ")
    assert "Vui lòng nhập nội dung trả lời." in empty.content.decode()
    page = answer_in_window(client, feedback, publish=True)

    assert "Đã gửi câu trả lời cho người dân." in page.content.decode()
    feedback.refresh_from_db()
    assert (feedback.answer, feedback.is_public, feedback.answered_by) == (
        "Sở sẽ trả kết quả ngày 20/3.", True, office.head)
    assert 'id="answer-feedback"' not in page.content.decode()


def test_an_empty_answer_is_refused_with_its_reason(office, dossier):
    feedback = sent_on(dossier, office.citizen)

    with pytest.raises(ValidationError) as refused:
        answered(feedback, office.head, answer=" ")

    assert refused.value.message_dict == {"answer": ["Vui lòng nhập nội dung trả lời."]}
    assert Feedback.objects.get().status == "open"


def test_staff_of_another_agency_neither_see_nor_answer_it(client, office, dossier, outsider):
    feedback = sent_on(dossier, office.citizen)

    assert list(window(client, outsider).context["cl"].result_list) == []
    assert client.get(reverse("admin:feedback_feedback_change", args=[feedback.pk])).status_code == 404
    assert answer_in_window(client, feedback).status_code == 404
    with pytest.raises(services.NotPermitted):
        answered(feedback, outsider)
    # Nor does the desk that received the dossier, once the department settles it.
    assert list(window(client, office.receiver).context["cl"].result_list) == []
    with pytest.raises(services.NotPermitted):
        answered(feedback, office.receiver)
    assert Feedback.objects.get().status == "open"


def test_specialists_do_not_answer_for_the_agency_and_the_province_administrator_only_reads(
        client, office, dossier, django_user_model):
    feedback = sent_on(dossier, office.citizen)
    assert window(client, office.specialist).status_code == 403
    with pytest.raises(services.NotPermitted) as refused:
        answered(feedback, office.specialist)
    assert str(refused.value) == "Chỉ bộ phận một cửa hoặc lãnh đạo Sở Xây dựng được trả lời phản ánh, kiến nghị này."

    administrator = office.staff("quantri", office.desk, "province_admin")
    assert [item.code for item in window(client, administrator).context["cl"].result_list] == [feedback.code]
    page = client.get(reverse("admin:feedback_feedback_change", args=[feedback.pk])).content.decode()
    assert 'id="answer-feedback"' not in page
    with pytest.raises(services.NotPermitted):
        answered(feedback, administrator)


def test_the_queue_marks_what_is_due_soon_and_what_is_overdue(client, office, dossier, applicant):
    overdue = sent_on(dossier, office.citizen, content="Một")
    due_soon = sent_on(dossier, office.citizen, content="Hai")
    later = sent_on(dossier, office.citizen, content="Ba")
    now = timezone.now()
    Feedback.objects.filter(pk=overdue.pk).update(due_at=now - timedelta(hours=1))
    Feedback.objects.filter(pk=due_soon.pk).update(due_at=now + timedelta(minutes=30))
    answered(later, office.head)

    page = window(client, office.leader)
    counts = {queue.slug: count for queue, count in page.context["queue_counts"]}
    assert counts == {"open": 2, "due_soon": 1, "overdue": 1}
    html = page.content.decode()
    assert html.count("sla-overdue") == 1 and html.count("sla-due_soon") == 1 and "sla-answered_on_time" in html
    assert "Quá hạn" in html and "Sắp đến hạn" in html and "Trả lời đúng hạn" in html
    assert [item.code for item in window(client, office.leader, queue="overdue").context["cl"].result_list] == [
        overdue.code]
    assert [item.code for item in window(client, office.leader, queue="open").context["cl"].result_list] == [
        overdue.code, due_soon.code]


def test_the_feedback_queue_takes_a_fixed_number_of_queries(client, office, dossier,
                                                            django_assert_max_num_queries):
    for number in range(30):
        sent_on(dossier, office.citizen, content=f"Phản ánh số {number}")
    client.force_login(office.head)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("admin:feedback_feedback_changelist"))

    assert len(page.context["cl"].result_list) == 25


def test_a_staff_member_who_lost_the_role_no_longer_answers(office, dossier):
    feedback = sent_on(dossier, office.citizen)
    StaffMembership.objects.filter(user=office.head).delete()
    office.head = type(office.head).objects.get(pk=office.head.pk)

    with pytest.raises(services.NotPermitted):
        answered(feedback, office.head)
