"""The public page lists answered feedback its officers published: procedure, agency, question, answer and
dates; never a name, an email, a phone, an identity number or a dossier code, even typed into the text."""

import pytest
from django.urls import reverse

from tests.workflows.feedback.helpers import answered, sent_on
from workflows.feedback import services
from workflows.feedback.selectors import without_personal_data

pytestmark = pytest.mark.django_db


def test_published_answers_are_listed_without_personal_data(client, office, dossier):
    telling = sent_on(dossier, office.citizen, content=(
        f"Tôi là Nguyễn Thị Lan, CCCD 038195001234, điện thoại 0912 345 678, email congdan@example.vn, hồ sơ "
        f"{dossier.code} đã quá hạn 3 ngày."))
    answered(telling, office.head, publish=True,
             answer="Sở đã liên hệ bà Nguyễn Thị Lan qua số 0912.345.678 và trả kết quả ngày 20/3.")
    quiet = sent_on(dossier, office.citizen, content="Nội dung riêng không công khai")
    answered(quiet, office.head, answer="Trả lời riêng", publish=False)
    sent_on(dossier, office.citizen, content="Chưa trả lời")

    page = client.get(reverse("feedback:public"))

    html = page.content.decode()
    assert page.status_code == 200 and len(page.context["items"]) == 1
    assert "Cấp giấy phép xây dựng" in html and "Sở Xây dựng" in html
    assert "đã quá hạn 3 ngày" in html and "trả kết quả ngày 20/3" in html
    for personal in ("Nguyễn Thị Lan", "038195001234", "0912 345 678", "0912.345.678", "0912345678",
                     "congdan@example.vn", dossier.code, telling.code):
        assert personal not in html, personal
    assert "Nội dung riêng" not in html and "Chưa trả lời" not in html


def test_the_public_page_takes_a_fixed_number_of_queries(client, office, dossier, django_assert_max_num_queries):
    for number in range(25):
        answered(sent_on(dossier, office.citizen, content=f"Câu hỏi {number}"), office.head, publish=True)

    with django_assert_max_num_queries(4):
        page = client.get(reverse("feedback:public"))

    assert len(page.context["items"]) == 20


def test_the_indicators_page_links_to_the_public_feedback(client):
    assert reverse("feedback:public") in client.get(reverse("citizens:transparency")).content.decode()


def test_anonymous_feedback_never_shows_its_senders_name_on_the_public_page(client, office, dossier):
    feedback = services.submit_feedback(acting_user=None, kind="recommendation", dossier=dossier, verifier="1234",
                                        content="Ông Trần Văn Bình đề nghị mở thêm quầy.",
                                        author_name="Trần Văn Bình", email="binh@example.vn")
    answered(feedback, office.leader, publish=True, answer="Cảm ơn ông Trần Văn Bình, Sở sẽ mở thêm quầy.")

    html = client.get(reverse("feedback:public")).content.decode()

    assert "Trần Văn Bình" not in html and "đề nghị mở thêm quầy" in html


@pytest.mark.parametrize(("text", "shown"), [
    ("Gọi 0912345678 giúp tôi", "Gọi *** giúp tôi"),
    ("Gọi +84 912 345 678 giúp tôi", "Gọi *** giúp tôi"),
    ("CCCD 038195001234.", "CCCD ***."),
    ("CMND 172345678 cũ", "CMND *** cũ"),
    ("Hồ sơ 000.00.01.h56-261124-0001 chậm", "Hồ sơ *** chậm"),
    ("Thư tới lan.nguyen@example.vn nhé", "Thư tới *** nhé"),
    ("Lệ phí 1.000.000 đồng, ngày 20/3/2026, 5 ngày", "Lệ phí 1.000.000 đồng, ngày 20/3/2026, 5 ngày"),
], ids=["phone", "phone +84", "identity number", "old identity card", "dossier code", "email", "amounts and dates"])
def test_what_identifies_someone_is_masked_and_nothing_else(text, shown):
    assert without_personal_data(text) == shown
