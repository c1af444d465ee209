import pytest
from django.urls import reverse

from tests.office import pdf
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.payments import services as payments


def submitted(portal, citizen=None):
    citizen = citizen or portal.citizen
    dossier = services.create_draft(procedure=portal.procedure, acting_user=citizen,
                                    form_data={"dia_chi_cong_trinh": "Thôn 3", "dien_tich": "80",
                                               "so_dinh_danh_chu_dau_tu": "038195001234"})
    services.attach_document(dossier=dossier, acting_user=citizen, document_order=2, upload=pdf("ban-ve.pdf"))
    return services.submit_dossier(dossier=dossier, acting_user=citizen, receiving_agency=portal.desk)


def received(portal, citizen=None):
    return services.receive_dossier(dossier=submitted(portal, citizen), acting_user=portal.receiver)


def carried_to_result(portal, dossier):
    for user in (portal.receiver, portal.specialist, portal.head):
        dossier = services.hand_over(dossier=dossier, acting_user=user)
    return services.approve_dossier(dossier=dossier, acting_user=portal.leader, result_file=pdf("giay-phep.pdf"))


def test_my_dossiers_lists_only_mine_in_a_fixed_number_of_queries(citizen_client, portal,
                                                                   django_assert_max_num_queries):
    mine = [submitted(portal) for _ in range(3)]
    submitted(portal, portal.other_citizen)

    with django_assert_max_num_queries(8):
        page = citizen_client.get(reverse("citizens:dossiers"))

    assert [dossier.pk for dossier in page.context["page"].object_list] == [d.pk for d in reversed(mine)]


def test_the_dossier_page_shows_the_appointment_time_left_and_the_timeline(citizen_client, portal,
                                                                           django_assert_max_num_queries):
    dossier = received(portal)

    with django_assert_max_num_queries(15):
        page = citizen_client.get(reverse("citizens:detail", args=[dossier.pk]))

    body = page.content.decode()
    assert dossier.code in body
    assert page.context["clock"].status == "on_time"
    assert [event["action"] for event in page.context["timeline"]] == ["created", "submit", "receive"]
    assert "receipt" in [name for name, _label in page.context["slips"]]


def test_the_citizen_answers_a_supplement_request_and_the_clock_resumes(citizen_client, portal):
    dossier = services.hand_over(dossier=received(portal), acting_user=portal.receiver)
    dossier = services.request_supplement(dossier=dossier, acting_user=portal.specialist,
                                          missing="Bản vẽ thiết kế xây dựng có chữ ký của chủ đầu tư")
    page = citizen_client.get(reverse("citizens:detail", args=[dossier.pk]))
    assert "Bản vẽ thiết kế xây dựng có chữ ký" in page.content.decode()

    response = citizen_client.post(reverse("citizens:supply", args=[dossier.pk]), {
        "form-dia_chi_cong_trinh": "Thôn 3", "form-dien_tich": "80", "form-so_dinh_danh_chu_dau_tu": "038195001234",
        "expected_version": dossier.version, "item_1": pdf("ban-ve-co-chu-ky.pdf"),
    })

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and dossier.paused_at is None
    assert dossier.documents.get(document_order=2, is_current=True).original_filename == "ban-ve-co-chu-ky.pdf"


def test_the_citizen_withdraws_with_a_reason_at_once_before_receipt(citizen_client, portal):
    dossier = submitted(portal)

    blank = citizen_client.post(reverse("citizens:withdraw", args=[dossier.pk]), {"reason": "  "})
    dossier.refresh_from_db()
    assert blank.status_code == 302 and dossier.state == Dossier.State.SUBMITTED

    citizen_client.post(reverse("citizens:withdraw", args=[dossier.pk]), {"reason": "Đã đổi thiết kế"})
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.WITHDRAWN and dossier.reason == "Đã đổi thiết kế"


def test_once_received_the_citizen_asks_to_withdraw_once_and_is_told_the_decision(citizen_client, portal):
    dossier = received(portal)
    page = citizen_client.get(reverse("citizens:detail", args=[dossier.pk]))
    assert page.context["may_withdraw"]

    citizen_client.post(reverse("citizens:withdraw", args=[dossier.pk]), {"reason": "Đã đổi thiết kế"})
    dossier.refresh_from_db()
    assert (dossier.state, dossier.withdrawal_reason) == (Dossier.State.WITHDRAWAL_REQUESTED, "Đã đổi thiết kế")
    page = citizen_client.get(reverse("citizens:detail", args=[dossier.pk]))
    body = page.content.decode()
    assert not page.context["may_withdraw"] and 'id="withdrawal-requested"' in body
    assert "Đã đổi thiết kế" in body and reverse("citizens:withdraw", args=[dossier.pk]) not in body
    assert page.context["clock"] is not None
    assert page.context["timeline"][-1]["label"] == "Quý vị đã đề nghị rút hồ sơ"

    again = citizen_client.post(reverse("citizens:withdraw", args=[dossier.pk]), {"reason": "Lần nữa"}, follow=True)
    assert any(message.level_tag == "error" for message in again.context["messages"])
    dossier.refresh_from_db()
    assert dossier.withdrawal_reason == "Đã đổi thiết kế"
    assert dossier.audit_entries.filter(action="withdraw").count() == 1

    services.decline_withdrawal(dossier=dossier, acting_user=portal.leader, reason="Đã thẩm định xong")
    page = citizen_client.get(reverse("citizens:detail", args=[dossier.pk]))
    assert page.context["may_withdraw"] and page.context["timeline"][-1]["note"] == "Đã thẩm định xong"
    inbox = citizen_client.get(reverse("citizens:inbox"))
    assert "Đã thẩm định xong" in inbox.content.decode()


def test_the_citizen_downloads_the_result_and_rates_the_service_once(citizen_client, portal):
    dossier = carried_to_result(portal, received(portal))

    download = citizen_client.get(reverse("citizens:result", args=[dossier.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")

    citizen_client.post(reverse("citizens:rate", args=[dossier.pk]), {"score": "5", "comment": "Nhanh, đúng hẹn"})
    again = citizen_client.post(reverse("citizens:rate", args=[dossier.pk]), {"score": "1"}, follow=True)

    dossier.refresh_from_db()
    assert (dossier.rating.score, dossier.rating.comment) == (5, "Nhanh, đúng hẹn")
    assert "đã đánh giá" in again.content.decode().lower() or "already rated" in again.content.decode()


def test_a_result_cannot_be_downloaded_before_it_is_ready(citizen_client, portal):
    dossier = received(portal)
    assert citizen_client.get(reverse("citizens:result", args=[dossier.pk])).status_code == 404


@pytest.mark.parametrize("method, name, extra", [
    ("get", "citizens:detail", ()),
    ("get", "citizens:edit", ()),
    ("post", "citizens:edit", ()),
    ("post", "citizens:withdraw", ()),
    ("post", "citizens:rate", ()),
    ("get", "citizens:result", ()),
    ("get", "citizens:slip", ("receipt",)),
    ("get", "citizens:document", ("document",)),
])
def test_another_citizens_dossier_is_not_found_on_any_url(client, portal, method, name, extra):
    theirs = carried_to_result(portal, received(portal))
    document = theirs.documents.get(is_current=True)
    args = [theirs.pk, *[document.pk if value == "document" else value for value in extra]]
    client.force_login(portal.other_citizen)

    response = getattr(client, method)(reverse(name, args=args), {"reason": "x", "score": "1", "action": "save"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Dossier.State.RESULT_READY and not hasattr(theirs, "rating")


def test_pages_need_a_signed_in_citizen(client, portal):
    dossier = received(portal)
    response = client.get(reverse("citizens:detail", args=[dossier.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_forms_are_protected_against_cross_site_requests(portal):
    from django.test import Client

    dossier = received(portal)
    client = Client(enforce_csrf_checks=True)
    client.force_login(portal.citizen)

    response = client.post(reverse("citizens:withdraw", args=[dossier.pk]), {"reason": "forged"})

    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED


def test_the_dossier_page_shows_the_fees_due_paid_and_still_to_pay(citizen_client, portal):
    from tests.office import with_fees

    with_fees(portal, 100_000)
    dossier = received(portal)
    payments.record_payment(dossier=dossier, acting_user=portal.receiver, amount=40_000, method="desk",
                            reference="BL-0001")

    page = citizen_client.get(reverse("citizens:detail", args=[dossier.pk]))

    fees = page.content.decode().split('id="fees"')[1].split("</dd>")[0]
    assert "100.000 ₫" in fees and "40.000 ₫" in fees and "60.000 ₫" in fees
    assert [event["action"] for event in page.context["timeline"]][-1] == "record_payment"


def test_a_dossier_without_fees_says_nothing_of_them(citizen_client, portal):
    page = citizen_client.get(reverse("citizens:detail", args=[received(portal).pk]))
    assert 'id="fees"' not in page.content.decode()
