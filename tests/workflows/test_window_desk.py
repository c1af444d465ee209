"""The staff window as a desk tool: the home with the person's queues, the queue's step filter, the dossier page's
forms (ids of their own, only the fields each transition needs, confirmation of what cannot be undone), the
application form read as sentences and dates, and an admin in Vietnamese."""

import re
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from procedures.formatting import localized_number
from procedures.models import FormField
from procedures.services import publish_procedure_version
from tests.factories import FormFieldFactory
from tests.office import pdf
from tests.workflows.test_lifecycle import at_decision, filed, received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.notifications.models import Delivery, OutboxEvent
from workflows.worktime.calendar import ClockReading

pytestmark = pytest.mark.django_db
HOME = reverse("admin:index")
QUEUE = reverse("admin:workflows_dossier_changelist")


def page_of(client, dossier):
    return client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))


def act(client, dossier, name, **data):
    return client.post(reverse("admin:workflows_dossier_act", args=[dossier.pk, name]),
                       {"expected_version": dossier.version, **data}, follow=True)


def at_specialist(office):
    return services.hand_over(dossier=received(office), acting_user=office.receiver, assignee=office.specialist)


def test_the_home_is_the_officers_queues_with_counts_and_the_dossiers_due_first(
        client, office, django_assert_max_num_queries):
    first, second, third = (at_specialist(office) for _ in range(3))
    Dossier.objects.filter(pk=third.pk).update(due_at=first.due_at - timedelta(days=2))
    Dossier.objects.filter(pk=second.pk).update(due_at=first.due_at - timedelta(days=1))
    client.force_login(office.specialist)
    client.get(HOME)  # warm the session and the calendar

    with django_assert_max_num_queries(8):
        home = client.get(HOME)

    counts = {queue.slug: count for queue, count in home.context["queue_counts"]}
    assert counts["my_work"] == 3 and counts["to_receive"] == 0
    assert [dossier.code for dossier, _badge in home.context["due_first"]] == [third.code, second.code, first.code]
    text = home.content.decode()
    assert "Hàng đợi của tôi" in text and "Đến hạn trước" in text and "Còn " in text
    assert '?queue=my_work" id="home-queue-my_work"' in text


def test_internals_are_hidden_from_anyone_but_a_province_administrator(client, office, django_user_model):
    # Even with a permission on them, a desk officer's home and menus leave OAuth and sign-in records out.
    office.receiver.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["oauth2_provider", "account", "auth"], codename__startswith="view_"))
    client.force_login(office.receiver)
    labels = {app["app_label"] for app in client.get(HOME).context["app_list"]}
    assert "workflows" in labels or "dossiers" in labels
    assert not labels & {"oauth2_provider", "account", "auth"}

    client.force_login(django_user_model.objects.create_superuser("root", "root@example.vn", "x"))
    home = client.get(HOME)
    oauth = next(app for app in home.context["app_list"] if app["app_label"] == "oauth2_provider")
    assert str(oauth["name"]) == "Thông tin xác thực tích hợp (OAuth)"
    assert "Django OAuth Toolkit" not in home.content.decode()


def test_the_queue_page_costs_a_fixed_number_of_queries_and_names_the_steps(
        client, office, django_assert_max_num_queries):
    dossiers = [at_specialist(office) for _ in range(4)]
    client.force_login(office.head)
    client.get(QUEUE)

    with django_assert_max_num_queries(12):
        page = client.get(QUEUE, {"queue": "my_agency", "step": "specialist"})

    assert {dossier.code for dossier in page.context["cl"].result_list} == {dossier.code for dossier in dossiers}
    step_filter = next(spec for spec in page.context["cl"].filter_specs if spec.parameter_name == "step")
    assert "Chuyên viên thẩm định" in [str(label) for _value, label in step_filter.lookup_choices]
    assert "Bước 1" not in [str(label) for _value, label in step_filter.lookup_choices]
    assert not list(client.get(QUEUE, {"step": "department_head"}).context["cl"].result_list)

    # With a procedure chosen, the filter lists that procedure's own steps by name.
    chosen = client.get(QUEUE, {"procedure__id__exact": office.procedure.pk, "step": "2"})
    step_filter = next(spec for spec in chosen.context["cl"].filter_specs if spec.parameter_name == "step")
    assert ("2", "2. Bước 2") in step_filter.lookup_choices
    assert len(chosen.context["cl"].result_list) == 4


class Ids(HTMLParser):
    """Every id on a page, and each label's target with the form it sits in."""

    def __init__(self):
        super().__init__()
        self.ids, self.forms, self.labels, self.form = Counter(), {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = attrs.get("id")
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
            self.forms[attrs["id"]] = self.form
        if tag == "label" and attrs.get("for"):
            self.labels.append((attrs["for"], self.form))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


def test_each_action_form_has_ids_of_its_own_and_each_label_points_into_its_form(client, office):
    dossier = at_specialist(office)
    client.force_login(office.specialist)
    parser = Ids()
    parser.feed(page_of(client, dossier).content.decode())

    assert [name for name, count in parser.ids.items() if count > 1] == []
    assert len([form for form in parser.forms.values() if form and form.startswith("transition-")]) > 3
    for target, form in parser.labels:
        assert parser.forms.get(target) == form, target


def test_receiving_asks_for_no_reason_only_an_optional_note(client, office):
    dossier = filed(office)
    client.force_login(office.receiver)
    forms = {offer["name"]: offer["form"] for offer in page_of(client, dossier).context["transitions"]}

    receive = forms["receive"]
    assert [field.name for field in receive.visible_fields()] == ["reason"]
    assert receive.folds_note and str(receive.fields["reason"].label) == "Ghi chú (không bắt buộc)"
    assert str(forms["request_documents"].fields["reason"].label) == "Nội dung cần bổ sung, cụ thể"
    assert str(forms["refuse"].fields["reason"].label) == "Lý do"
    act(client, dossier, "receive")
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.RECEIVED


def test_approval_without_its_result_file_is_refused_with_a_form_error(client, office):
    dossier = at_decision(office)
    client.force_login(office.leader)

    refused = act(client, dossier, "approve", reason="Đã ký")

    assert refused.status_code == 200
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.PROCESSING
    form = next(offer["form"] for offer in refused.context["transitions"] if offer["name"] == "approve")
    assert "result_file" in form.errors and form["reason"].value() == "Đã ký"
    assert any(message.level_tag == "error" for message in refused.context["messages"])

    act(client, dossier, "approve", result_file=pdf("giay-phep.pdf"))
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.RESULT_READY


def test_a_refusal_asks_for_confirmation_and_keeps_what_was_typed(client, office):
    dossier = filed(office)
    client.force_login(office.receiver)

    unconfirmed = act(client, dossier, "refuse", reason="Không thuộc thẩm quyền")

    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.SUBMITTED
    text = unconfirmed.content.decode()
    assert "Tôi xác nhận" in text and "Không thuộc thẩm quyền</textarea>" in text
    assert 'id="id_refuse_confirmed"' in text
    act(client, dossier, "refuse", reason="Không thuộc thẩm quyền", confirmed="on")
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.REFUSED


def test_refusing_the_result_and_accepting_a_withdrawal_ask_for_confirmation(client, office):
    dossier = at_decision(office)
    client.force_login(office.leader)
    act(client, dossier, "refuse_result", reason="Không đủ điều kiện")
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.PROCESSING

    withdrawing = services.withdraw_dossier(dossier=Dossier.objects.get(pk=dossier.pk), acting_user=office.citizen,
                                            reason="Nộp nhầm")
    act(client, withdrawing, "accept_withdrawal")
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.WITHDRAWAL_REQUESTED
    act(client, withdrawing, "accept_withdrawal", confirmed="on")
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.WITHDRAWN


def test_the_application_form_reads_the_declaration_as_a_sentence_and_dates_day_first(client, office):
    FormFieldFactory(procedure=office.procedure, order=1, name="ngay_khoi_cong", label="Ngày khởi công",
                     kind=FormField.Kind.DATE)
    FormFieldFactory(procedure=office.procedure, order=2, name="cam_doan", kind=FormField.Kind.CHECKBOX,
                     label="Tôi xin cam đoan những nội dung kê khai là đúng sự thật.")
    publish_procedure_version(procedure=office.procedure)
    draft = services.create_draft(procedure=office.procedure, acting_user=office.citizen,
                                  form_data={"ngay_khoi_cong": "2026-11-20", "cam_doan": True})
    dossier = services.submit_dossier(dossier=draft, acting_user=office.citizen, receiving_agency=office.desk)
    client.force_login(office.receiver)

    answers = re.search(r'<table id="answers">(.*?)</table>', page_of(client, dossier).content.decode(), re.S)[1]

    assert "20/11/2026" in answers and "Tôi xin cam đoan những nội dung kê khai là đúng sự thật." in answers
    assert "2026-11-20" not in answers and "True" not in answers


def test_deliveries_are_sent_by_email_or_sms_not_filed_through_a_channel(admin_client_logged_in, office):
    received(office)
    Delivery.objects.create(event=OutboxEvent.objects.first(), channel=Delivery.Channel.SMS, recipient="0912345678")

    text = admin_client_logged_in.get(reverse("admin:notifications_delivery_changelist")).content.decode()

    assert "Kênh nộp" not in text and "kênh nộp" not in text
    assert "Gửi qua" in text or "gửi qua" in text


def test_the_admin_speaks_vietnamese_where_django_does_not(admin_client_logged_in, office):
    queue = admin_client_logged_in.get(QUEUE).content.decode()
    assert "Show counts" not in queue and "Hiện số lượng" in queue
    add_user = admin_client_logged_in.get(reverse("admin:citizens_user_add")).content.decode()
    assert "After you’ve created a user" not in add_user


@pytest.mark.parametrize("minutes_left, vietnamese, english", [
    (2622, "43,7", "43.7"), (18, "0,3", "0.3"), (480, "8", "8"), (0, "0", "0"),
])
def test_the_hours_left_read_as_people_write_them_whatever_the_minutes(minutes_left, vietnamese, english):
    hours = ClockReading(due_at=None, working_minutes_left=minutes_left, status="on_time").hours_left
    with translation.override("vi"):
        assert localized_number(hours) == vietnamese
    with translation.override("en"):
        assert localized_number(hours) == english
