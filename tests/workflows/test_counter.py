"""The counter form at the receiving desk: picking the procedure, finding a returning applicant, the applicant's
name typed once, and one dossier per form however often it is posted."""

import datetime
import re
import threading
import time
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from procedures.models import FormField
from procedures.services import publish_procedure_version
from tests.factories import FormFieldFactory, ProcedureFactory
from tests.office import pdf
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.window import counter

pytestmark = pytest.mark.django_db

FILE = reverse("admin:workflows_dossier_file")
LOOKUP = reverse("admin:workflows_dossier_applicant")


def counter_form(client, office):
    """The counter form for the office's procedure, as the officer's browser receives it: its one-time token."""
    page = client.get(FILE, {"procedure": office.procedure.code})
    assert page.status_code == 200
    return page, re.search(r'name="token" value="([0-9a-f-]+)"', page.content.decode()).group(1)


def post(client, office, **data):
    return client.post(f"{FILE}?procedure={office.procedure.code}", {
        "applicant_name": "Phạm Văn Đức", "applicant_identity_number": "038090004321",
        "applicant_phone": "0903 111 222", "result_delivery": "at_desk", "paper_documents": ["1"],
        "decision": "receive", **data}, follow=True)


def test_the_same_counter_form_posted_twice_files_one_dossier_and_shows_it(client, office):
    client.force_login(office.receiver)
    _page, token = counter_form(client, office)

    first = post(client, office, token=token, document_1=pdf("don.pdf"))
    again = post(client, office, token=token, document_1=pdf("don.pdf"))  # a double click, or back and resend

    dossier = Dossier.objects.get()
    assert dossier.state == Dossier.State.RECEIVED and dossier.documents.count() == 1
    page = reverse("admin:workflows_dossier_change", args=[dossier.pk])
    assert first.redirect_chain[-1][0] == page and again.redirect_chain[-1][0] == page
    assert f"Biểu mẫu này đã được nộp, mã hồ sơ {dossier.code}" in again.content.decode()


def test_a_counter_form_that_failed_can_be_corrected_and_filed_with_its_token(client, office):
    client.force_login(office.receiver)
    _page, token = counter_form(client, office)

    refused = post(client, office, token=token, decision="refuse", reason="")
    filed = post(client, office, token=token, decision="refuse", reason="Không thuộc thẩm quyền")

    assert "reason" in refused.context["form"].errors
    assert Dossier.objects.get().state == Dossier.State.REFUSED
    assert filed.redirect_chain


def test_each_new_counter_form_files_its_own_dossier(client, office):
    client.force_login(office.receiver)
    for _ in range(2):
        _page, token = counter_form(client, office)
        post(client, office, token=token)
    assert Dossier.objects.count() == 2


def test_choosing_without_a_procedure_says_to_choose_one(client, office):
    client.force_login(office.receiver)

    page = client.get(FILE, {"procedure": "", "q": ""})

    assert page.status_code == 200
    assert "Hãy chọn thủ tục trong danh sách, hoặc gõ vài từ trong tên thủ tục." in page.content.decode()
    assert "walk-in" not in page.content.decode()  # no counter form without a procedure


def test_the_first_visit_shows_the_picker_without_an_error(client, office):
    client.force_login(office.receiver)
    page = client.get(FILE)
    assert page.status_code == 200 and not page.context["chooser"].is_bound
    assert "Hãy chọn thủ tục" not in page.content.decode()


def test_a_procedure_is_found_by_words_of_its_name_without_javascript(client, office):
    client.force_login(office.receiver)

    found = client.get(FILE, {"q": "giay phep xay dung", "procedure": ""})
    nothing = client.get(FILE, {"q": "khai sinh cho mèo", "procedure": ""})

    assert found.status_code == 302 and found["Location"].endswith(f"?procedure={office.procedure.code}")
    assert "Không có thủ tục nào đang áp dụng khớp với “khai sinh cho mèo”." in nothing.content.decode()


def test_an_unknown_procedure_code_gets_an_error_not_a_blank_page(client, office):
    client.force_login(office.receiver)
    page = client.get(FILE, {"procedure": "9.999999"})
    assert page.status_code == 200 and page.context["chooser"].errors["procedure"]


def test_the_picker_groups_procedures_by_level_and_field_in_a_few_queries(client, office,
                                                                        django_assert_max_num_queries):
    for number in range(20):
        ProcedureFactory(code=f"2.{number:06d}", competent_agency=office.department)
    client.force_login(office.receiver)
    client.get(FILE)  # warm the session

    with django_assert_max_num_queries(8):
        page = client.get(FILE).content.decode()

    assert f'<optgroup label="Tỉnh · {office.procedure.field.name}">' in page
    assert page.count('<optgroup label="Tỉnh · ') == 21  # each factory procedure has a field of its own


@pytest.fixture
def returning_applicant(office):
    """Someone who filed at a desk before, and has a portal account with a date of birth."""
    services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={}, applicant={
        "name": "Lê Thị Mai", "identity_number": "038195007777", "phone": "0911222333",
        "email": "", "address": "12 Trần Phú, phường Hạc Thành"})
    citizen = office.citizen
    citizen.identity_number, citizen.email = "038195007777", "mai@example.vn"
    citizen.date_of_birth = datetime.date(1995, 4, 30)
    citizen.full_name = "Lê Thị Mai"
    citizen.save()
    return citizen


def test_a_returning_applicant_is_found_by_identity_number(client, office, returning_applicant):
    client.force_login(office.other_receiver)  # another desk: the province's counters share what they know

    answer = client.post(LOOKUP, {"identity_number": "0381 9500 7777"})

    assert answer.status_code == 200
    assert answer.json()["applicant"] == {
        "name": "Lê Thị Mai", "date_of_birth": "1995-04-30", "phone": "0911222333", "email": "mai@example.vn",
        "address": "12 Trần Phú, phường Hạc Thành"}


def test_someone_never_seen_or_a_bad_number_gets_a_json_answer(client, office):
    client.force_login(office.receiver)

    unknown = client.post(LOOKUP, {"identity_number": "038090004321"})
    bad = client.post(LOOKUP, {"identity_number": "12345"})

    assert unknown.status_code == 404 and "Chưa có ai nộp hồ sơ" in unknown.json()["detail"]
    assert bad.status_code == 400 and bad.json()["detail"]


def test_only_receiving_officers_may_look_applicants_up(client, office, returning_applicant):
    client.force_login(office.specialist)
    refused = client.post(LOOKUP, {"identity_number": "038195007777"})
    assert refused.status_code == 403 and "applicant" not in refused.json()

    client.force_login(office.citizen)
    assert client.post(LOOKUP, {"identity_number": "038195007777"}).status_code == 302  # to the staff sign-in

    client.force_login(office.receiver)
    assert client.get(LOOKUP, {"identity_number": "038195007777"}).status_code == 405  # numbers stay out of URLs


def test_find_without_javascript_fills_the_form_and_keeps_what_was_typed(client, office, returning_applicant):
    client.force_login(office.receiver)
    _page, token = counter_form(client, office)

    page = client.post(f"{FILE}?procedure={office.procedure.code}", {
        "token": token, "applicant_identity_number": "038195007777", "find_applicant": "1",
        "reason": "ghi chú", "decision": "receive"})

    assert page.status_code == 200 and not Dossier.objects.filter(applicant_name="Lê Thị Mai", state="received")
    form = page.context["form"]
    assert not form.is_bound and form.initial["applicant_name"] == "Lê Thị Mai"
    assert form.initial["applicant_phone"] == "0911222333" and form.initial["reason"] == "ghi chú"
    assert str(form.initial["token"]) == token
    assert "Đã tìm thấy" in page.content.decode()


def with_form(office, *fields):
    for order, (name, label, kind) in enumerate(fields, start=1):
        FormFieldFactory(procedure=office.procedure, order=order, name=name, label=label, kind=kind)
    publish_procedure_version(procedure=office.procedure)
    return office


def test_the_requesters_name_is_typed_once_and_fills_the_application_form(client, office):
    # As the birth registration's form: the requester's own details, then the child's.
    with_form(office, ("nguoi_yeu_cau_ho_ten", "Họ, chữ đệm, tên người yêu cầu", FormField.Kind.TEXT),
              ("nguoi_yeu_cau_so_dinh_danh", "Số định danh của người yêu cầu", FormField.Kind.IDENTITY_NUMBER),
              ("ho_ten", "Họ, chữ đệm, tên người được khai sinh", FormField.Kind.TEXT),
              ("ngay_sinh", "Ngày, tháng, năm sinh", FormField.Kind.DATE))
    client.force_login(office.receiver)
    page, token = counter_form(client, office)
    assert list(page.context["application"].fields) == ["ho_ten", "ngay_sinh"]  # the child's, still asked
    assert "applicant_date_of_birth" not in page.context["form"].fields

    post(client, office, token=token, **{"form-ho_ten": "Phạm Minh Khôi", "form-ngay_sinh": "2026-11-20"})

    dossier = Dossier.objects.get()
    assert dossier.applicant_name == "Phạm Văn Đức"
    assert dossier.form_data == {"nguoi_yeu_cau_ho_ten": "Phạm Văn Đức", "nguoi_yeu_cau_so_dinh_danh": "038090004321",
                                 "ho_ten": "Phạm Minh Khôi", "ngay_sinh": "2026-11-20"}


def test_a_form_about_the_applicant_asks_their_name_and_birth_date_once_and_requires_them(client, office):
    # As the marital status certificate's form: about the applicant themselves.
    with_form(office, ("ho_ten", "Họ, chữ đệm, tên người được cấp Giấy xác nhận", FormField.Kind.TEXT),
              ("ngay_sinh", "Ngày, tháng, năm sinh", FormField.Kind.DATE))
    client.force_login(office.receiver)
    page, token = counter_form(client, office)
    assert not page.context["application"].fields

    missing = post(client, office, token=token)
    filed = post(client, office, token=token, applicant_date_of_birth="1990-02-01")

    assert set(missing.context["form"].errors) == {"applicant_date_of_birth"}
    assert filed.redirect_chain
    assert Dossier.objects.get().form_data == {"ho_ten": "Phạm Văn Đức", "ngay_sinh": "1990-02-01"}


def test_two_posts_of_one_form_at_the_same_moment_file_once(transactional_db, office):
    token, first_inserted = uuid.uuid4(), threading.Event()
    answers = {}

    def filing():
        first_inserted.set()
        time.sleep(0.5)  # the second post arrives while the first is still filing
        return services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={},
                                     applicant={"name": "Phạm Văn Đức", "identity_number": "038090004321"})

    def post(name, wait_for=None):
        try:
            if wait_for:
                wait_for.wait(5)
            answers[name] = counter.file_once(token=token, acting_user=office.receiver, filing=filing)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=("first",)),
               threading.Thread(target=post, args=("second", first_inserted))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert Dossier.objects.count() == 1
    assert answers["first"][1] is False and answers["second"][1] is True
    assert answers["first"][0].pk == answers["second"][0].pk
