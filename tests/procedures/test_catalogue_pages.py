from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from procedures.models import Agency, Procedure
from tests.factories import (
    AgencyFactory,
    CommuneFactory,
    FeeFactory,
    FieldFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
)

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def catalogue():
    civil_status = FieldFactory(name="Hộ tịch")
    construction = FieldFactory(name="Hoạt động xây dựng")
    construction_department = AgencyFactory(name="Sở Xây dựng")
    birth = ProcedureFactory(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        field=civil_status,
        level=Procedure.Level.COMMUNE,
        competent_agency=None,
        competent_agency_kind=Agency.Kind.COMMUNE_COMMITTEE,
        time_limit=Decimal(1),
        steps=[Decimal("0.5"), Decimal("0.5")],
    )
    permit = ProcedureFactory(
        code="1.009974",
        name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        field=construction,
        competent_agency=construction_department,
        time_limit=Decimal(15),
        steps=[Decimal("0.5"), Decimal("12"), Decimal("2"), Decimal("0.5")],
    )
    RequiredDocumentFactory(procedure=permit, order=1, name="Đơn đề nghị cấp giấy phép xây dựng", copies=1)
    RequiredDocumentFactory(procedure=permit, order=2, name="Bản vẽ thiết kế xây dựng", copies=2, form="copy")
    FeeFactory(procedure=permit, name="Lệ phí cấp giấy phép xây dựng", amount=75_000)
    commune = CommuneFactory(name="Phường Hạc Thành")
    committee = AgencyFactory(
        code="000.01.01.H56", name="UBND phường Hạc Thành", kind=Agency.Kind.COMMUNE_COMMITTEE, unit=commune
    )
    AgencyFactory(
        code="000.01.02.H56",
        name="Điểm phục vụ hành chính công phường Hạc Thành",
        kind=Agency.Kind.COMMUNE_SERVICE_POINT,
        unit=commune,
        parent=committee,
        receives_dossiers=True,
    )
    ProcedureFactory(code="1.000001", name="Thủ tục đã bãi bỏ", field=civil_status, is_active=False)
    ProcedureFactory(
        code="1.000002",
        name="Thủ tục hết hiệu lực",
        field=civil_status,
        effective_to=date.today() - timedelta(days=1),
    )
    return {"birth": birth, "permit": permit, "civil_status": civil_status, "department": construction_department}


def search(client, **params):
    response = client.get(reverse("procedures:catalogue"), params)
    assert response.status_code == 200
    return [procedure.code for procedure in response.context["page"]]


@pytest.mark.parametrize(
    "words",
    ["khai sinh", "KHAI SINH", "đăng ký khai sinh", "dang ky khai sinh", "Đang ky", "1.001193", "ho tich khai"],
)
def test_search_finds_birth_registration_with_or_without_accents(client, catalogue, words):
    assert search(client, q=words) == ["1.001193"]


def test_search_without_accents_finds_construction_permit(client, catalogue):
    assert search(client, q="giay phep xay dung") == ["1.009974"]


def test_search_hides_inactive_and_expired_procedures(client, catalogue):
    assert search(client) == ["1.009974", "1.001193"]
    assert search(client, q="thu tuc") == ["1.001193"]


def test_filters_by_field_level_and_agency(client, catalogue):
    assert search(client, field=catalogue["civil_status"].pk) == ["1.001193"]
    assert search(client, level="province") == ["1.009974"]
    assert search(client, agency=catalogue["department"].pk) == ["1.009974"]
    committee = Agency.objects.get(code="000.01.01.H56")
    assert search(client, agency=committee.pk) == ["1.001193"]


@pytest.mark.parametrize("params", [{"field": "abc"}, {"level": "district"}, {"agency": "999999"}, {"page": "x"}])
def test_bad_filter_values_give_a_form_error_not_a_crash(client, catalogue, params):
    response = client.get(reverse("procedures:catalogue"), params)
    assert response.status_code == 200
    if "page" not in params:
        assert response.context["form"].errors
        assert 'role="alert"' in response.content.decode()


def test_catalogue_page_query_count_does_not_grow_with_procedures(client, catalogue, django_assert_max_num_queries):
    for _ in range(15):
        ProcedureFactory(field=catalogue["civil_status"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("procedures:catalogue"))
    assert len(response.context["page"]) == 17


def test_procedure_page_shows_documents_fees_time_limit_and_steps(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get(reverse("procedures:detail", args=["1.009974"]), HTTP_ACCEPT_LANGUAGE="vi")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Đơn đề nghị cấp giấy phép xây dựng" in page
    assert "Bản vẽ thiết kế xây dựng" in page
    assert "75.000 ₫" in page
    assert "Sở Xây dựng" in page
    assert [step.order for step in response.context["procedure"].steps.all()] == [1, 2, 3, 4]
    assert "15 ngày làm việc" in page and "Bước 4" in page
    assert "12 ngày làm việc" in page and "0,5 ngày làm việc" in page
    assert "Điểm phục vụ hành chính công phường Hạc Thành" in page


def test_portal_is_vietnamese_whatever_the_browser_asks(client, catalogue):
    response = client.get(reverse("procedures:detail", args=["1.009974"]), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Thành phần hồ sơ" in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_procedure_page_is_available_in_english(client, catalogue):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("procedures:detail", args=["1.009974"]))
    assert "Documents to submit" in response.content.decode()
    assert "working days" in response.content.decode()
    assert "0.5 working days" in response.content.decode()
    assert response["Content-Language"] == "en"


def test_unknown_or_inactive_procedure_is_not_found(client, catalogue):
    assert client.get(reverse("procedures:detail", args=["9.999999"])).status_code == 404
    assert client.get(reverse("procedures:detail", args=["1.000001"])).status_code == 404


def test_document_template_downloads_from_the_procedure_page(client, catalogue):
    document = catalogue["permit"].documents.get(order=1)
    document.template.save("don-de-nghi.pdf", ContentFile(PDF_BYTES))
    page = client.get(reverse("procedures:detail", args=["1.009974"])).content.decode()
    url = reverse("procedures:document-template", args=["1.009974", document.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    other = catalogue["birth"]
    assert client.get(reverse("procedures:document-template", args=[other.code, document.pk])).status_code == 404


def test_a_mistyped_word_still_finds_the_procedure(client, catalogue):
    assert search(client, q="khai xinh") == ["1.001193"]


def test_the_best_match_comes_first(client, catalogue):
    from procedures.models import Procedure
    from tests.factories import ProcedureFactory

    ProcedureFactory(code="1.000009", name="Gia hạn giấy phép xây dựng có thời hạn cho nhà ở riêng lẻ",
                     level=Procedure.Level.PROVINCE)
    assert search(client, q="giay phep xay dung")[0] == "1.009974"
