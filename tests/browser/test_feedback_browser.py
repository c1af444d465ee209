"""Feedback on a real server: a citizen sends it from their dossier's page, an officer of the department answers it
in the window, the citizen reads the answer and says whether they are satisfied; the public page shows it."""

import re
from pathlib import Path

from allauth.account.models import EmailAddress

from tests.browser.signin import sign_in_to_the_portal
from tests.browser.test_single_window_browser import sign_in as sign_in_to_the_window
from tests.workflows.test_lifecycle import filed
from workflows.dossiers import services
from workflows.feedback.models import Feedback
from workflows.feedback.selectors import HIDDEN

SHOTS = Path("/tmp/feedback-shots")


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)



def test_a_citizen_sends_feedback_an_officer_answers_it_and_the_citizen_judges_the_answer(
        live_server, transactional_db, office, page):

    citizen = office.citizen
    citizen.full_name, citizen.identity_number, citizen.phone = "Nguyễn Thị Lan", "038195001234", "0912345678"
    citizen.phone_verified = True
    citizen.save()
    EmailAddress.objects.update_or_create(user=citizen, email=citizen.email,
                                          defaults={"verified": True, "primary": True})
    dossier = services.receive_dossier(dossier=filed(office), acting_user=office.receiver)

    # The citizen, from their dossier's page: an empty text first, then the feedback.
    sign_in_to_the_portal(page, live_server, citizen)
    page.goto(f"{live_server.url}/ho-so/{dossier.pk}/")
    page.locator("#send-feedback").click()
    page.locator("#feedback-form").wait_for()
    page.locator("#feedback-form button[type=submit]").click()
    page.locator("#id_content_errors").wait_for()
    assert page.locator("#id_kind_errors").is_visible()
    shot(page, "1-portal-form-errors")
    page.locator("label[for=id_kind_0]").click()
    page.fill("#id_content", "Hồ sơ của tôi đã nộp từ lâu nhưng chưa thấy cán bộ liên hệ. Tôi gọi 0912 345 678 "
                             "nhiều lần không ai nghe máy.")
    page.locator("#feedback-form button[type=submit]").click()
    page.locator("#feedback-code").wait_for()
    feedback = Feedback.objects.get()
    assert page.locator("#feedback-code").inner_text() == feedback.code
    assert feedback.code in page.locator(".message-success").inner_text()
    assert page.locator("#feedback-status").inner_text() == "Đang chờ trả lời"
    shot(page, "2-portal-feedback-sent")

    # The department head finds it in the window's queue and answers it, publishing the answer.
    sign_in_to_the_window(page, live_server, office.head)
    page.goto(f"{live_server.url}/admin/")
    assert page.get_by_role("link", name="Phản ánh, kiến nghị").first.is_visible()
    page.goto(f"{live_server.url}/admin/feedback/feedback/?queue=open")
    assert page.locator("#queue-open .count").inner_text() == "1"
    shot(page, "3-window-queue")
    page.get_by_role("link", name=feedback.code).click()
    page.locator("#answer-feedback").wait_for()
    assert "chưa thấy cán bộ liên hệ" in page.locator("#feedback-content").inner_text()
    page.fill("#id_answer", "Sở Xây dựng xin lỗi bà vì chưa liên hệ kịp thời. Chuyên viên thụ lý sẽ gọi lại cho "
                            "bà trong ngày mai; kết quả được trả đúng hẹn.")
    page.check("#id_publish")
    shot(page, "4-window-answer-form")
    page.locator("#answer-feedback button[type=submit]").click()
    page.locator(".messagelist li").first.wait_for()
    assert page.locator(".messagelist li").first.inner_text() == "Đã gửi câu trả lời cho người dân."
    assert "Sở Xây dựng xin lỗi bà" in page.locator("#feedback-answer").inner_text()
    shot(page, "5-window-answered")

    # The citizen is told, reads the answer and says whether they are satisfied.
    sign_in_to_the_portal(page, live_server, citizen)
    page.goto(f"{live_server.url}/thong-bao/")
    assert f"Sở Xây dựng đã trả lời phản ánh, kiến nghị {feedback.code}" in page.locator("#inbox").inner_text()
    page.goto(f"{live_server.url}/phan-anh-kien-nghi/cua-toi/{feedback.code}/")
    assert "Chuyên viên thụ lý sẽ gọi lại" in page.locator("#feedback-answer").inner_text()
    page.locator("label[for=id_satisfied_0]").click()
    page.locator("#satisfaction-form button[type=submit]").click()
    page.locator("#feedback-verdict").wait_for()
    assert re.search("hài lòng", page.locator("#feedback-verdict").inner_text())
    shot(page, "6-portal-answer-judged")
    feedback.refresh_from_db()
    assert (feedback.status, feedback.is_public, feedback.satisfied) == ("answered", True, True)

    # Anyone reads it on the public page, without the phone number the citizen typed, and without who they are.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/chi-so/")
    page.locator("#public-feedback-link").click()
    page.locator("#public-feedback").wait_for()
    listed = page.locator("#public-feedback").inner_text()
    assert "chưa thấy cán bộ liên hệ" in listed and "Sở Xây dựng xin lỗi bà" in listed and HIDDEN in listed
    for personal in ("0912 345 678", "Nguyễn Thị Lan", dossier.code, feedback.code):
        assert personal not in page.content()
    shot(page, "7-public-page")

    # Someone without an account, from the public lookup: the dossier's code and the identity digits.
    page.goto(f"{live_server.url}/tra-cuu/")
    page.fill("#id_code", dossier.code)
    page.fill("#id_verifier", "1234")
    page.locator("main form button[type=submit]").click()
    page.locator("#send-feedback").click()
    assert page.input_value("#id_code") == dossier.code
    page.fill("#id_verifier", "1234")
    page.locator("label[for=id_kind_1]").click()
    page.fill("#id_content", "Đề nghị bộ phận một cửa niêm yết số điện thoại đường dây nóng.")
    page.fill("#id_author_name", "Trần Văn Bình")
    page.fill("#id_phone", "0903 111 222")
    shot(page, "8-anonymous-form")
    page.locator("#feedback-form button[type=submit]").click()
    page.locator("#feedback-lookup").wait_for()
    second = Feedback.objects.exclude(pk=feedback.pk).get()
    assert second.code in page.locator(".message-success").inner_text()
    page.fill("#id_contact", "0903111222")
    page.locator("#feedback-lookup button[type=submit]").click()
    page.locator("#lookup-result").wait_for()
    assert page.locator("#feedback-status").inner_text() == "Đang chờ trả lời"
    shot(page, "9-anonymous-lookup")
