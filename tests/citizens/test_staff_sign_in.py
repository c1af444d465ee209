"""Staff sign in through allauth's limits and second factor: wrong passwords lock the account and the address, the
window and the API stay shut until an authenticator is enrolled and passed, and the session lasts a working day."""

import datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from citizens.staff import reset_second_factor
from tests.factories import STAFF_TOTP_SECRET, totp_code
from workflows.dossiers.models import StaffMembership
from workflows.dossiers.services import NotPermitted

SIGN_IN = reverse("citizens:staff_login")
SECOND_FACTOR = reverse("mfa_authenticate")
ENROL = reverse("mfa_activate_totp")
LOCKED = "Đăng nhập sai quá nhiều lần"


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(SIGN_IN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def give_code(client, code):
    return client.post(SECOND_FACTOR, {"code": code})


def test_the_admins_login_page_sends_staff_to_the_protected_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/workflows/dossier/")
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'name="next" value="/admin/workflows/dossier/"' in page.content.decode()


def test_the_right_password_leads_to_the_second_factor_and_the_code_into_the_window(client, office):
    response = sign_in(client, "tiepnhan", "x")
    assert response.status_code == 302 and response["Location"] == SECOND_FACTOR
    # The password alone opens nothing.
    assert client.get("/admin/").status_code == 302

    assert give_code(client, "000000" if totp_code() != "000000" else "111111").status_code == 200
    response = give_code(client, totp_code())
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_the_account_even_from_other_addresses_and_for_the_right_password(client, office):
    for attempt in range(5):
        response = sign_in(client, "tiepnhan", f"wrong-{attempt}", ip=f"10.0.0.{attempt + 1}")
        assert response.status_code == 200 and LOCKED not in response.content.decode()

    refused = sign_in(client, "tiepnhan", "x", ip="10.9.9.9")
    assert refused.status_code == 200
    assert LOCKED in refused.content.decode()
    assert client.get("/admin/").status_code == 302
    # Another account is not locked by it.
    assert sign_in(client, "chuyenvien", "x", ip="10.9.9.9")["Location"] == SECOND_FACTOR


def test_twenty_wrong_passwords_from_one_address_refuse_it_even_the_right_password(client, office):
    usernames = ["tiepnhan2", "chuyenvien2", "truongphong", "giamdoc", "trakq"]
    for username in usernames:
        for attempt in range(4):  # under the per-account limit: it is the address that is counted
            assert LOCKED not in sign_in(client, username, f"wrong-{attempt}", ip="10.1.1.1").content.decode()

    assert LOCKED in sign_in(client, "tiepnhan", "x", ip="10.1.1.1").content.decode()
    # The same person from their own desk signs in.
    assert sign_in(client, "tiepnhan", "x", ip="10.2.2.2")["Location"] == SECOND_FACTOR


def test_the_lockout_passes_after_fifteen_minutes(client, office):
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, tzinfo=datetime.UTC), tick=False) as clock:
        for attempt in range(5):
            sign_in(client, "tiepnhan", f"wrong-{attempt}")
        assert LOCKED in sign_in(client, "tiepnhan", "x").content.decode()
        clock.shift(datetime.timedelta(minutes=16))
        assert sign_in(client, "tiepnhan", "x")["Location"] == SECOND_FACTOR


@pytest.fixture
def newcomer(django_user_model, office):
    """A staff member created by the administrator, who has not set up a second factor yet."""
    user = django_user_model.objects.create_user("moi", "moi@example.vn", "x", is_staff=True)
    StaffMembership.objects.create(user=user, agency=office.desk, role="receiving_officer")
    return user


@pytest.mark.parametrize("path", ["/admin/", "/admin/workflows/dossier/", "/admin/workflows/dossier/?queue=to_receive",
                                  "/admin/indicators/", "/admin/workflows/dossier/file/", "/ho-so/"])
def test_staff_without_a_second_factor_are_sent_to_enrol_from_every_page(path, newcomer):
    client = Client()
    assert client.login(username="moi", password="x")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == ENROL


def test_the_dossier_api_refuses_a_staff_session_without_a_second_factor(newcomer):
    client = Client()
    assert client.login(username="moi", password="x")
    response = client.get("/api/v1/dossiers/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert ENROL in response.json()["detail"]


def test_a_session_that_skipped_the_second_factor_is_signed_out(office):
    client = Client()
    assert client.login(username="tiepnhan", password="x")  # password only: tiepnhan has an authenticator
    response = client.get("/admin/workflows/dossier/")
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
    assert client.get(reverse("citizens:dossiers")).status_code == 302
    assert client.get("/api/v1/dossiers/").status_code in (401, 403)


# Committed for real: allauth announces the new authenticator once its transaction commits, inside the request.
def test_enrolling_an_authenticator_app_opens_the_window(transactional_db, client, newcomer):
    response = sign_in(client, "moi", "x")
    assert response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == ENROL

    # Enrolling asks for the password again: a stolen session alone cannot enrol the thief's phone.
    response = client.get(ENROL)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(response["Location"], {"password": "x"})["Location"] == ENROL
    enrolment = client.get(ENROL)
    assert enrolment.status_code == 200
    secret = enrolment.context["form"].secret
    response = client.post(ENROL, {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(response["Location"])
    assert "continue-to-window" in codes.content.decode()
    assert client.get("/admin/").status_code == 200
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.RECOVERY_CODES).exists()


def test_a_recovery_code_signs_in_once(client, office):
    codes = RecoveryCodes.activate(office.receiver).generate_codes()

    sign_in(client, "tiepnhan", "x")
    assert give_code(client, codes[0])["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    client.post(reverse("admin:logout"))
    sign_in(client, "tiepnhan", "x")
    assert give_code(client, codes[0]).status_code == 200  # used: the form again, with its error
    assert client.get("/admin/").status_code == 302
    assert give_code(client, codes[1])["Location"] == "/admin/"


@pytest.fixture
def province_admin(office):
    admin = office.staff("quantri", office.desk, "province_admin")
    admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    return admin


def test_the_province_administrator_resets_a_second_factor_and_it_is_in_the_history(client, office, province_admin):
    client.force_login(province_admin)
    response = client.post(reverse("admin:citizens_user_changelist"),
                           {"action": "reset_second_factors", "_selected_action": [office.receiver.pk]})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=office.receiver).exists()
    entry = LogEntry.objects.get(object_id=str(office.receiver.pk))
    assert (entry.user, entry.action_flag) == (province_admin, CHANGE)
    assert entry.change_message

    # The officer's next page is the enrolment.
    officer = Client()
    officer.login(username="tiepnhan", password="x")
    assert officer.get("/admin/")["Location"] == ENROL


def test_only_a_province_administrator_may_reset_a_second_factor(client, office):
    with pytest.raises(NotPermitted):
        reset_second_factor(staff=office.specialist, acting_user=office.head)
    assert Authenticator.objects.filter(user=office.specialist).exists()

    client.force_login(office.head)
    office.head.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    page = client.get(reverse("admin:citizens_user_changelist"))
    assert "reset_second_factors" not in page.content.decode()


def test_a_staff_session_lasts_a_working_day_and_a_citizens_two_weeks(client, settings, office):
    assert settings.STAFF_SESSION_AGE == 9 * 3600
    start = datetime.datetime(2026, 12, 3, 7, 30, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, "tiepnhan", "x")
        give_code(client, totp_code(STAFF_TOTP_SECRET))
        assert client.session.get_expiry_age() == 9 * 3600
        clock.shift(datetime.timedelta(hours=8, minutes=50))
        assert client.get("/admin/").status_code == 200
        session = client.session  # still at work: the session is saved again, its cookie renewed
        session["still_working"] = True
        session.save()
        clock.shift(datetime.timedelta(minutes=20))
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)

    citizen = Client()
    citizen.post(reverse("account_login"), {"login": "congdan@example.vn", "password": "x"})
    assert citizen.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600


def test_wrong_passwords_at_the_portal_count_against_the_staff_account_too(client, office):
    for attempt in range(5):
        client.post(reverse("account_login"), {"login": "tiepnhan@example.vn", "password": f"wrong-{attempt}"},
                    REMOTE_ADDR=f"10.3.0.{attempt + 1}")

    assert LOCKED in sign_in(client, "tiepnhan", "x", ip="10.9.9.9").content.decode()
