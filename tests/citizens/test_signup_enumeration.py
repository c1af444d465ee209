"""Sign-up tells no one whether an email, a phone or an identity number is registered: the answer is the one a new
citizen gets, no account is made, and the address given is told instead."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from onestop import sms

User = get_user_model()
SIGNUP = {"full_name": "Trần Văn Minh", "identity_number": "038095001234", "password1": "Thanh-Hoa-2026!",
          "password2": "Thanh-Hoa-2026!"}
RESET = reverse("account_reset_password")


@pytest.fixture(autouse=True)
def _messages(settings):
    settings.SMS_BACKEND = "onestop.sms.LocmemBackend"
    sms.outbox.clear()


@pytest.fixture
def registered(django_user_model):
    """Lan has an account: her email, her phone and her identity number are taken."""
    lan = django_user_model.objects.create_user("lan", "lan@example.vn", "x", identity_number="038195001234",
                                                phone="0987654321", phone_verified=True)
    EmailAddress.objects.create(user=lan, email="lan@example.vn", verified=True, primary=True)
    return lan


def sign_up(client, **fields):
    response = client.post(reverse("account_signup"), {**SIGNUP, **fields})
    return response.status_code, response.get("Location"), "_auth_user_id" in client.session


def test_a_registered_email_gets_the_new_citizens_answer_and_a_notice(client, registered):
    fresh = sign_up(client, email="minh@example.vn")
    client.cookies.clear()
    mail.outbox.clear()

    taken = sign_up(client, email="lan@example.vn", identity_number="038095004321")

    assert taken == fresh == (302, reverse("account_email_verification_sent"), False)
    assert User.objects.filter(email="lan@example.vn").count() == 1
    notice, = mail.outbox
    assert notice.to == ["lan@example.vn"] and RESET in notice.body and "confirm-email" not in notice.body


def test_a_registered_identity_number_gets_the_new_citizens_answer_and_a_notice(client, registered):
    fresh = sign_up(client, email="minh@example.vn")
    client.cookies.clear()
    mail.outbox.clear()

    taken = sign_up(client, email="someone@example.vn", identity_number=registered.identity_number)

    assert taken == fresh
    assert not User.objects.filter(email="someone@example.vn").exists()
    notice, = mail.outbox
    assert notice.to == ["someone@example.vn"] and RESET in notice.body and "confirm-email" not in notice.body
    with translation.override("vi"):
        assert render_to_string("account/email/identity_number_taken_subject.txt").strip() in notice.subject


def test_the_new_citizen_is_signed_in_by_the_link_in_their_email(client, db):
    sign_up(client, email="minh@example.vn")
    link = next(word for word in mail.outbox[0].body.split() if "/confirm-email/" in word).split("testserver")[-1]
    client.get(link)
    response = client.post(link)
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert EmailAddress.objects.get(email="minh@example.vn").verified


def test_a_registered_identity_number_with_a_phone_gets_the_code_page_and_a_notice_by_sms(
        client, registered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fresh = sign_up(client, phone="0912345678")
    client.cookies.clear()
    code_sms = sms.outbox[-1]["text"]
    sms.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        taken = sign_up(client, phone="0911111111", identity_number=registered.identity_number)

    assert taken == fresh
    assert fresh[1] == reverse("account_verify_phone")
    assert not User.objects.filter(phone="0911111111").exists()
    notice, = sms.outbox
    assert notice["phone"] == "0911111111"
    assert notice["text"] != code_sms and not re.search(r"\b\d{6}\b", notice["text"])
