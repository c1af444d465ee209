import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from onestop import sms
from tests.brokers import wait_for, worker_on_own_queue

User = get_user_model()
SIGNUP = {"full_name": "Trần Văn Minh", "identity_number": "038095001234", "password1": "Thanh-Hoa-2026!",
          "password2": "Thanh-Hoa-2026!"}


@pytest.fixture(autouse=True)
def _messages(settings):
    settings.SMS_BACKEND = "onestop.sms.LocmemBackend"
    sms.outbox.clear()


def test_signing_up_with_email_verifies_the_address(client, db):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "minh@example.vn"})

    assert response.status_code == 302
    user = User.objects.get(identity_number="038095001234")
    assert (user.full_name, user.email) == ("Trần Văn Minh", "minh@example.vn")
    link = re.search(r"https?://\S+/tai-khoan/confirm-email/\S+", mail.outbox[0].body).group(0)
    client.get(link.split("testserver")[-1])
    client.post(link.split("testserver")[-1])
    assert EmailAddress.objects.get(user=user).verified


@pytest.fixture
def sms_worker(transactional_db):
    with worker_on_own_queue():
        yield


def test_signing_up_with_a_phone_sends_a_code_by_sms_from_a_worker(client, sms_worker):
    response = client.post(reverse("account_signup"), {**SIGNUP, "phone": "0912 345 678"}, follow=True)

    user = User.objects.get(identity_number="038095001234")
    assert user.phone == "0912345678" and not user.phone_verified
    assert wait_for(lambda: sms.outbox)
    code = re.search(r"\b(\d{6})\b", sms.outbox[0]["text"]).group(1)
    assert sms.outbox[0]["phone"] == "0912345678"
    client.post(response.redirect_chain[-1][0], {"code": code})
    user.refresh_from_db()
    assert user.phone_verified


@pytest.mark.parametrize("identity_number, message", [
    ("03809500123", "12"),
    ("999095001234", "999"),
    ("038295001234", "2095"),
    ("03809500123a", ""),
])
def test_a_wrong_identity_number_is_refused_with_the_reason(client, db, identity_number, message):
    response = client.post(reverse("account_signup"), {**SIGNUP, "identity_number": identity_number,
                                                       "email": "minh@example.vn"})

    assert response.status_code == 200
    errors = response.context["form"].errors["identity_number"]
    assert errors and message in " ".join(errors)
    assert not User.objects.exists()


def test_signing_up_needs_an_email_or_a_phone(client, db):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not User.objects.exists()


def test_one_identity_number_one_account(client, django_user_model):
    django_user_model.objects.create_user("first", "first@example.vn", "x", identity_number="038095001234")
    client.post(reverse("account_signup"), {**SIGNUP, "email": "minh@example.vn"})
    # Refused without saying so (tests/citizens/test_signup_enumeration.py).
    assert list(User.objects.filter(identity_number="038095001234").values_list("username", flat=True)) == ["first"]


def test_signing_in_with_a_phone_number_as_people_write_it(client, django_user_model):
    django_user_model.objects.create_user("minh", "", "Thanh-Hoa-2026!", phone="0912345678", phone_verified=True)

    response = client.post(reverse("account_login"), {"login": "+84 912 345 678", "password": "Thanh-Hoa-2026!"})

    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_repeated_failed_logins_are_rate_limited(client, django_user_model):
    django_user_model.objects.create_user("minh", "minh@example.vn", "Thanh-Hoa-2026!")
    EmailAddress.objects.create(user=User.objects.get(), email="minh@example.vn", verified=True, primary=True)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "minh@example.vn", "password": "wrong"})

    response = client.post(reverse("account_login"), {"login": "minh@example.vn", "password": "Thanh-Hoa-2026!"})

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_the_profile_keeps_the_birth_year_the_identity_number_gives(client, portal):
    client.force_login(portal.citizen)

    wrong = client.post(reverse("citizens:profile"), {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1996-03-02",
                                                      "address": "Hạc Thành"})
    assert "date_of_birth" in wrong.context["form"].errors

    client.post(reverse("citizens:profile"), {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1995-03-02",
                                              "address": "Số 5 Lê Lợi, phường Hạc Thành", "language": "en"})
    portal.citizen.refresh_from_db()
    assert portal.citizen.address == "Số 5 Lê Lợi, phường Hạc Thành"
    assert portal.citizen.language == "en"


def test_a_forgotten_password_is_reset_by_email(client, django_user_model):
    user = django_user_model.objects.create_user("minh", "minh@example.vn", "old-Passw0rd!")
    EmailAddress.objects.create(user=user, email="minh@example.vn", verified=True, primary=True)

    client.post(reverse("account_reset_password"), {"email": "minh@example.vn"})
    link = re.search(r"https?://testserver(/tai-khoan/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"password1": "Thanh-Hoa-2026!", "password2": "Thanh-Hoa-2026!"})

    user.refresh_from_db()
    assert user.check_password("Thanh-Hoa-2026!")


def test_changing_the_phone_verifies_the_new_number_by_sms(client, portal, django_capture_on_commit_callbacks):
    client.force_login(portal.citizen)

    # The suite's broker is a closed port: the code is then sent from the request, since the citizen waits for it.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_change_phone"), {"phone": "0987 654 321"}, follow=True)

    code = re.search(r"\b(\d{6})\b", sms.outbox[-1]["text"]).group(1)
    assert sms.outbox[-1]["phone"] == "0987654321"
    client.post(response.redirect_chain[-1][0], {"code": code})
    portal.citizen.refresh_from_db()
    assert (portal.citizen.phone, portal.citizen.phone_verified) == ("0987654321", True)
