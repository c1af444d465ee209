"""What the account pages and emails call things: the SMS code is a verification code, people are named by their
name, the site by its name, and one working day is singular in English."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import translation

from onestop import sms
from procedures.models import Procedure

SIGNUP = {"full_name": "Lê Thị Hoa", "identity_number": "038195004321", "password1": "Thanh-Hoa-2026!",
          "password2": "Thanh-Hoa-2026!"}


@pytest.fixture(autouse=True)
def _texts(settings):
    settings.SMS_BACKEND = "onestop.sms.LocmemBackend"
    sms.outbox.clear()


def test_the_sms_code_field_is_called_a_verification_code_not_a_dossier_code(client, db):
    response = client.post(reverse("account_signup"), {**SIGNUP, "phone": "0912 345 678"}, follow=True)

    page = response.content.decode()
    assert "Mã xác minh" in page
    assert "Mã hồ sơ" not in page


def test_signing_in_names_the_person_not_their_internal_username(client, django_user_model):
    django_user_model.objects.create_user("hoa.le", "", "Thanh-Hoa-2026!", full_name="Lê Thị Hoa",
                                          phone="0912345678", phone_verified=True)

    response = client.post(reverse("account_login"), {"login": "0912345678", "password": "Thanh-Hoa-2026!"})

    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == ["Đăng nhập thành công với tài khoản Lê Thị Hoa."]
    assert not any("hoa.le" in message for message in said)


def test_account_emails_greet_from_the_sites_name_not_the_host(client, db, settings):
    settings.ONESTOP_SITE_NAME = "Cổng dịch vụ công Thanh Hóa"
    settings.ONESTOP_SITE_URL = "https://dichvucong.thanhhoa.gov.vn"

    client.post(reverse("account_signup"), {**SIGNUP, "email": "hoa@example.vn"}, HTTP_HOST="127.0.0.1:8000")

    body = mail.outbox[0].body
    assert "Cổng dịch vụ công Thanh Hóa xin kính chào Quý vị!" in body
    assert not re.search(r"127\.0\.0\.1:8000 xin kính chào", body)


@pytest.mark.parametrize(("limit", "unit", "english", "vietnamese"), [
    pytest.param(Decimal(1), Procedure.TimeUnit.DAYS, "1 working day", "1 ngày làm việc", id="one-day"),
    pytest.param(Decimal("1.5"), Procedure.TimeUnit.DAYS, "1.5 working days", "1,5 ngày làm việc", id="days"),
    pytest.param(Decimal(1), Procedure.TimeUnit.HOURS, "1 working hour", "1 giờ làm việc", id="one-hour"),
])
def test_a_time_limit_of_one_is_singular_in_english(limit, unit, english, vietnamese):
    procedure = Procedure(time_limit=limit, time_limit_unit=unit)
    with translation.override("en"):
        assert procedure.time_limit_display == english
    with translation.override("vi"):
        assert procedure.time_limit_display == vietnamese
