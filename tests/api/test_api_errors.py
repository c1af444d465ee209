"""The API's refusals say what went wrong, where, and in one language."""

import base64

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import filing
from workflows.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def test_a_bad_token_is_told_it_is_not_valid_not_that_credentials_are_missing(db):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer expired-or-made-up")

    response = api.get("/api/v1/dossiers/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    problem = response.json()
    assert problem["code"] == "invalid_token"
    assert problem["title"] == "Chưa xác thực"
    assert problem["detail"].startswith("Mã truy cập (access token) không hợp lệ")
    assert "POST /o/token/" in problem["detail"]


def test_a_call_without_a_token_is_told_how_to_send_one(db):
    problem = APIClient().get("/api/v1/dossiers/").json()

    assert problem["code"] == "not_authenticated"
    assert problem["detail"] == ('Chưa gửi thông tin xác thực: gửi mã truy cập trong header '
                                 '"Authorization: Bearer <token>".')


def test_a_file_that_is_not_a_pdf_or_image_is_reported_against_its_document(integrator, office):
    documents = filing(office)["documents"]
    documents[1]["content"] = base64.b64encode(b"MZ\x90\x00 not a PDF").decode()

    response = integrator.api().post("/api/v1/dossiers/", filing(office, documents=documents), format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {"documents": {"1": {"content": [
        "Chỉ chấp nhận tệp PDF, JPEG, PNG; nội dung tệp này không thuộc các loại đó."]}}}
    assert not Dossier.objects.exists()


def test_a_document_the_procedure_does_not_ask_for_is_reported_against_it(integrator, office):
    documents = filing(office)["documents"]
    documents[0]["order"] = 9

    response = integrator.api().post("/api/v1/dossiers/", filing(office, documents=documents), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"documents": {"0": {"order": ["Thủ tục này không yêu cầu giấy tờ đó."]}}}


def test_an_error_speaks_one_language_from_title_to_each_field(integrator, office):
    body = filing(office, procedure="9.999999", documents=[{"order": "thứ nhất", "filename": "a.pdf",
                                                             "content": "JVBERi0="}])

    problem = integrator.api().post("/api/v1/dossiers/", body, format="json").json()

    assert problem["title"] == "Yêu cầu không hợp lệ"
    assert problem["detail"] == "Yêu cầu có trường dữ liệu không hợp lệ."
    assert problem["errors"]["procedure"] == ["Không có bản ghi nào có code=9.999999."]
    assert problem["errors"]["documents"]["0"]["order"] == ["Cần một số nguyên hợp lệ."]


def test_a_body_that_is_not_json_is_told_where_in_its_language(integrator):
    response = integrator.api().post("/api/v1/dossiers/", "{procedure: 1}", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Nội dung yêu cầu không phải JSON hợp lệ (dòng 1, cột 2)."


def test_a_nul_character_is_refused_in_the_same_language_as_every_other_error(db):
    problem = APIClient().get("/api/v1/procedures/?q=khai%00sinh").json()

    assert problem["status"] == 400
    assert problem["detail"] == "Yêu cầu chứa ký tự NUL, không trường nào chấp nhận ký tự này."
