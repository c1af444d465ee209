"""National sign-in through OpenID Connect: VNeID for citizens, the province's identity provider for staff, both
against the simulator OneStop serves under /mo-phong/. The server's own HTTP calls (discovery, JWKS, token,
userinfo) are answered by the test client, so the tokens are the simulator's, tampered with where a test says so."""

import datetime
import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from citizens.forms import ProfileForm
from citizens.national_id import SESSION_LEVEL, SocialAccountAdapter, level_from_acr, person_from_claims
from procedures.models import AssuranceLevel
from tests.api.conftest import filing
from tests.office import pdf
from tests.test_production_settings import check
from workflows.dossiers import services
from workflows.dossiers.models import Dossier, StaffMembership
from workflows.integrations.simulators import national_id as simulator

BIRTH_PERSON = simulator.VNEID_PEOPLE[1]  # Trần Thị Bình, level 2
LEVEL_1_PERSON = simulator.VNEID_PEOPLE[3]  # Lê Hoàng Cường, level 1


class _Response:
    def __init__(self, response):
        self.status_code, self.content = response.status_code, response.content
        self.text = response.content.decode()
        self.headers = {"content-type": response.get("Content-Type", "")}

    def json(self):
        return json.loads(self.text)

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.HTTPError(self.text)


class SimulatorSession:
    """A requests session whose calls reach OneStop's simulator through a test client; `tamper` rewrites the ID
    token of the token response (claims in, claims out), re-signed with `signing_key` or the simulator's key."""

    def __init__(self, tamper=None, signing_key=None):
        self.client, self.tamper, self.signing_key = Client(), tamper, signing_key

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def get(self, url, headers=None, **kwargs):
        return _Response(self.client.get(urlsplit(url).path, headers=headers or {}))

    def request(self, method, url, params=None, data=None, headers=None, auth=None, **kwargs):
        response = self.client.post(urlsplit(url).path, data or {}, headers=headers or {})
        if self.tamper is None or response.status_code != 200:
            return _Response(response)
        body = json.loads(response.content)
        claims = self.tamper(jwt.decode(body["id_token"], options={"verify_signature": False}))
        key = self.signing_key or simulator._signing_key()
        body["id_token"] = jwt.encode(claims, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid})
        response.content = json.dumps(body).encode()
        return _Response(response)


@pytest.fixture
def simulated(settings, monkeypatch):
    settings.ONESTOP_SITE_URL = "http://testserver"
    sessions = {"current": SimulatorSession()}
    monkeypatch.setattr("citizens.national_id.SocialAccountAdapter.get_requests_session",
                        lambda self: sessions["current"])
    return sessions


def sign_in_with(client, person, *, realm="vneid", level=None, process="login", next_url="/ho-so/"):
    """The browser's part: to OneStop's sign-in, to the provider's page, pick the person, back to OneStop."""
    query = f"?level={level}" if level else ""
    response = client.post(f"/tai-khoan/oidc/{realm}/login/{query}", {"process": process, "next": next_url})
    assert response.status_code == 302, response.content
    authorize = urlsplit(response["Location"])
    params = {name: values[0] for name, values in parse_qs(authorize.query).items()}
    response = client.post(authorize.path, {**params, "sub": person.sub})
    assert response.status_code == 302
    callback = urlsplit(response["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def signed_in_user(client):
    return get_user_model().objects.filter(pk=client.session.get("_auth_user_id")).first()


# The national format


@pytest.mark.parametrize(("acr", "level"), [("loa2", 2), ("loa1", 1), ("loa3", 0), ("", 0), (None, 0), (2, 0)],
                         ids=["level-2", "level-1", "unknown-level", "empty", "absent", "not-a-string"])
def test_the_assurance_level_is_read_from_the_acr_claim(acr, level):
    assert level_from_acr(acr) == level


def test_the_national_claims_map_to_the_account_and_bad_values_are_left_out():
    person = person_from_claims({"so_dinh_danh": "001196012345", "ho_va_ten": " Trần Thị Bình ",
                                 "ngay_sinh": "25/07/1996", "so_dien_thoai": "+84 987 654 321"})
    assert person == {"identity_number": "001196012345", "full_name": "Trần Thị Bình",
                      "date_of_birth": datetime.date(1996, 7, 25), "phone": "0987654321"}
    bad = person_from_claims({"so_dinh_danh": "99919601234", "ngay_sinh": "31/02/1996", "so_dien_thoai": "12"})
    assert bad["identity_number"] == "" and bad["date_of_birth"] is None and bad["phone"] == ""


# Citizens


def test_a_first_vneid_sign_in_opens_a_verified_account_at_that_level(client, db, simulated):
    response = sign_in_with(client, BIRTH_PERSON)
    assert response.status_code == 302 and response["Location"] == "/ho-so/"
    citizen = signed_in_user(client)
    assert citizen.identity_number == "001196012345" and citizen.full_name == "Trần Thị Bình"
    assert citizen.date_of_birth == datetime.date(1996, 7, 25)
    assert citizen.phone == "0987654321" and citizen.phone_verified
    assert citizen.identity_verified_at is not None and citizen.national_assurance_level == 2
    assert client.session[SESSION_LEVEL] == 2
    assert SocialAccount.objects.get(user=citizen).uid == BIRTH_PERSON.sub

    # The next sign-in finds the same account.
    client.logout()
    sign_in_with(client, BIRTH_PERSON)
    assert signed_in_user(client) == citizen
    assert get_user_model().objects.filter(identity_number="001196012345").count() == 1


def test_two_first_sign_ins_of_one_person_at_once_open_one_account(client, db, simulated, monkeypatch,
                                                                    django_user_model):
    checked = SocialAccountAdapter.pre_social_login

    def the_other_sign_in_commits_meanwhile(self, request, sociallogin):
        checked(self, request, sociallogin)
        django_user_model.objects.create_user("cung-luc", identity_number=sociallogin.user.identity_number)

    monkeypatch.setattr(SocialAccountAdapter, "pre_social_login", the_other_sign_in_commits_meanwhile)
    response = sign_in_with(client, BIRTH_PERSON)
    assert response.status_code == 409
    assert signed_in_user(client) is None
    assert django_user_model.objects.filter(identity_number="001196012345").count() == 1


def test_an_account_with_the_same_identity_number_is_linked_only_after_its_password(client, db, simulated,
                                                                                    django_user_model):
    holder = django_user_model.objects.create_user("binh", "binh@example.vn", "mat-khau-cua-binh",
                                                   identity_number="001196012345", full_name="Trần Thị Bình")
    response = sign_in_with(client, BIRTH_PERSON)
    assert response.status_code == 200 and 'id="national-signin-link"' in response.content.decode()
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()

    response = client.post("/tai-khoan/login/", {"login": "binh@example.vn", "password": "mat-khau-cua-binh"})
    assert response.status_code == 302
    assert signed_in_user(client) == holder
    assert SocialAccount.objects.get(user=holder).uid == BIRTH_PERSON.sub
    assert client.session[SESSION_LEVEL] == 2
    holder.refresh_from_db()
    assert holder.identity_verified_at is not None

    # From now on VNeID alone signs in to it.
    client.logout()
    sign_in_with(client, BIRTH_PERSON)
    assert signed_in_user(client) == holder


def test_a_pending_link_is_not_given_to_another_account_that_signs_in(client, db, simulated, django_user_model):
    django_user_model.objects.create_user("binh", "binh@example.vn", "x1-mat-khau", identity_number="001196012345")
    django_user_model.objects.create_user("khac", "khac@example.vn", "x2-mat-khau")
    sign_in_with(client, BIRTH_PERSON)
    client.post("/tai-khoan/login/", {"login": "khac@example.vn", "password": "x2-mat-khau"})
    assert not SocialAccount.objects.exists()
    assert client.session.get(SESSION_LEVEL, 0) == 0


def test_the_identity_confirmed_by_vneid_cannot_be_changed_by_the_citizen(client, db, simulated):
    sign_in_with(client, BIRTH_PERSON)
    citizen = signed_in_user(client)
    response = client.post("/tai-khoan/thong-tin/", {"full_name": "Người Khác", "date_of_birth": "1990-01-01",
                                                     "address": "Số 1 Lê Lợi", "language": "vi"})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.full_name == "Trần Thị Bình" and citizen.date_of_birth == datetime.date(1996, 7, 25)
    assert citizen.address == "Số 1 Lê Lợi"
    assert "identity_number" not in ProfileForm(instance=citizen).fields


def _expired(claims):
    return {**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}


def _other_key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()

    class Key:
        kid, private_key_pem = simulator._signing_key().kid, pem  # the simulator's kid, not its key

    return Key


def test_a_token_re_signed_by_the_simulators_key_unchanged_still_signs_in(client, db, simulated):
    """The control for the tampering below: re-signing alone breaks nothing."""
    simulated["current"] = SimulatorSession(tamper=lambda claims: claims)
    sign_in_with(client, BIRTH_PERSON, level=2)
    assert signed_in_user(client).identity_number == BIRTH_PERSON.claims["so_dinh_danh"]


# allauth's authentication error (401) for a token that fails verification; OneStop's refusal page (403) for a
# well-signed token that answers another request or at a lower level than asked.
@pytest.mark.parametrize(("tamper", "status"), [
    pytest.param(lambda claims: {**claims, "aud": "another-service"}, 401, id="wrong-audience"),
    pytest.param(lambda claims: {**claims, "nonce": "a-nonce-from-another-request"}, 403, id="wrong-nonce"),
    pytest.param(lambda claims: {key: value for key, value in claims.items() if key != "nonce"}, 401,
                 id="no-nonce"),
    pytest.param(_expired, 401, id="expired"),
    pytest.param(lambda claims: {**claims, "iss": "https://evil.example/vneid"}, 401, id="wrong-issuer"),
    pytest.param(lambda claims: {**claims, "acr": "loa1"}, 403, id="downgraded-level"),
    pytest.param("bad-signature", 401, id="bad-signature"),
])
def test_a_bad_id_token_is_refused_and_signs_no_one_in(client, db, simulated, tamper, status):
    if tamper == "bad-signature":
        simulated["current"] = SimulatorSession(tamper=lambda claims: claims, signing_key=_other_key())
    else:
        simulated["current"] = SimulatorSession(tamper=tamper)
    response = sign_in_with(client, BIRTH_PERSON, level=2)
    assert response.status_code == status
    assert signed_in_user(client) is None
    assert not get_user_model().objects.filter(identity_number=BIRTH_PERSON.claims["so_dinh_danh"]).exists()
    assert not SocialAccount.objects.exists()


def test_an_unsigned_id_token_is_refused(client, db, simulated):
    class Unsigned(SimulatorSession):
        def request(self, *args, **kwargs):
            response = super().request(*args, **kwargs)
            body = response.json()
            claims = jwt.decode(body["id_token"], options={"verify_signature": False})
            body["id_token"] = jwt.encode(claims, None, algorithm="none", headers={"kid": "x"})
            response.text = json.dumps(body)
            return response

    simulated["current"] = Unsigned()
    assert sign_in_with(client, BIRTH_PERSON).status_code == 401
    assert signed_in_user(client) is None


def test_a_level_1_account_asked_for_level_2_is_refused(client, db, simulated):
    response = sign_in_with(client, LEVEL_1_PERSON, level=2)
    assert response.status_code == 403 and 'id="national-signin-refused"' in response.content.decode()
    assert signed_in_user(client) is None


# The level a procedure requires


@pytest.fixture
def level_2_procedure(portal):
    portal.procedure.minimum_assurance_level = AssuranceLevel.LEVEL_2
    portal.procedure.save(update_fields=["minimum_assurance_level"])
    return portal


def test_the_portal_asks_a_password_session_to_sign_in_with_vneid_before_filing(citizen_client, level_2_procedure):
    response = citizen_client.post(f"/thu-tuc/{level_2_procedure.procedure.code}/nop-ho-so/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="national-signin-required" data-level="2"' in page
    assert 'name="process" value="connect"' in page  # signed in: linking VNeID to this account
    assert not Dossier.objects.exists()


def test_the_filing_service_refuses_below_the_level_and_keeps_the_level_it_filed_at(level_2_procedure):
    office = level_2_procedure
    draft = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    services.update_form_data(dossier=draft, acting_user=office.citizen, receiving_agency=office.desk, form_data={
        "dia_chi_cong_trinh": "Số 12 Trần Phú", "dien_tich": "96", "so_dinh_danh_chu_dau_tu": "038195001234"})
    services.attach_document(dossier=draft, acting_user=office.citizen, document_order=2,
                             upload=pdf())
    with pytest.raises(services.NationalSignInRequired):
        services.submit_dossier(dossier=draft, acting_user=office.citizen, national_sign_in_level=1)
    draft.refresh_from_db()
    assert draft.state == Dossier.State.DRAFT
    filed = services.submit_dossier(dossier=draft, acting_user=office.citizen, national_sign_in_level=2)
    assert filed.state == Dossier.State.SUBMITTED and filed.national_sign_in_level == 2


def test_a_counter_filing_does_not_ask_for_the_applicants_national_sign_in(level_2_procedure):
    office = level_2_procedure
    dossier = services.file_dossier(procedure=office.procedure, acting_user=office.receiver,
                                    applicant={"name": "Trần Thị Bình", "identity_number": "001196012345"},
                                    form_data={"dia_chi_cong_trinh": "Số 1", "dien_tich": "50",
                                               "so_dinh_danh_chu_dau_tu": "001196012345"},
                                    uploads={2: pdf()})
    assert dossier.state == Dossier.State.SUBMITTED and dossier.national_sign_in_level == 0


def test_the_api_refuses_a_citizens_own_filing_below_the_level_and_files_at_it(level_2_procedure):
    office = level_2_procedure
    body = {key: value for key, value in filing(office).items() if key != "applicant"}
    api = APIClient()
    api.force_login(office.citizen)
    refused = api.post("/api/v1/dossiers/", body, format="json")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert not Dossier.objects.exists()

    session = api.session
    session[SESSION_LEVEL] = 2
    session.save()
    filed = api.post("/api/v1/dossiers/", body, format="json")
    assert filed.status_code == 201, filed.json()
    assert Dossier.objects.get(code=filed.json()["code"]).national_sign_in_level == 2


# Staff through the province's identity provider


@pytest.fixture
def province_staff(office):
    office.receiver.email = "tiepnhan@demo.onestop.vn"
    office.receiver.save(update_fields=["email"])
    office.specialist.email = "chuyenvien@demo.onestop.vn"
    office.specialist.save(update_fields=["email"])
    return office


def test_staff_signing_in_at_the_province_with_a_second_factor_keep_their_roles(client, province_staff, simulated):
    officer = province_staff.receiver
    sign_in_with(client, simulator.PROVINCE_PEOPLE[0], realm="province", next_url="/admin/")
    assert signed_in_user(client) == officer
    assert client.get("/admin/").status_code == 200
    assert StaffMembership.objects.filter(user=officer, role="receiving_officer").exists()
    assert SocialAccount.objects.get(user=officer, provider="province")


def test_the_provinces_second_factor_stands_in_for_an_authenticator_not_enrolled_here(client, province_staff,
                                                                                     simulated):
    Authenticator.objects.filter(user=province_staff.receiver).delete()
    sign_in_with(client, simulator.PROVINCE_PEOPLE[0], realm="province", next_url="/admin/")
    assert client.get("/admin/").status_code == 200


def test_staff_signing_in_at_the_province_without_a_second_factor_give_onestops(client, province_staff, simulated):
    response = sign_in_with(client, simulator.PROVINCE_PEOPLE[1], realm="province", next_url="/admin/")
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302


def test_a_province_account_unknown_to_onestop_gets_no_staff_rights(client, province_staff, simulated):
    users = get_user_model().objects.count()
    response = sign_in_with(client, simulator.PROVINCE_PEOPLE[2], realm="province", next_url="/admin/")
    assert response.status_code == 403
    assert signed_in_user(client) is None and get_user_model().objects.count() == users


def test_a_citizen_account_with_the_provinces_email_gets_no_staff_rights(client, province_staff, simulated):
    province_staff.citizen.email = "khach@thanhhoa.gov.vn"
    province_staff.citizen.save(update_fields=["email"])
    response = sign_in_with(client, simulator.PROVINCE_PEOPLE[2], realm="province", next_url="/admin/")
    assert response.status_code == 403 and signed_in_user(client) is None


def test_the_procedure_page_says_which_national_sign_in_filing_needs(client, level_2_procedure):
    page = client.get(f"/thu-tuc/{level_2_procedure.procedure.code}/").content.decode()
    assert 'id="minimum-assurance-level" data-level="2"' in page


def test_production_takes_a_national_sign_in_only_over_https_with_its_credentials():
    plain = check(VNEID_SERVER_URL="http://sso.example.vn", VNEID_CLIENT_ID="onestop", VNEID_CLIENT_SECRET="s")
    assert plain.returncode != 0 and "VNEID_" in plain.stderr
    configured = check(VNEID_SERVER_URL="https://sso.example.vn", VNEID_CLIENT_ID="onestop", VNEID_CLIENT_SECRET="s")
    assert configured.returncode == 0, configured.stderr


def test_the_sign_in_pages_offer_vneid_to_citizens_and_the_province_account_to_staff(client, db):
    portal = client.get("/tai-khoan/login/").content.decode()
    assert 'id="vneid-login"' in portal and 'id="province-login"' not in portal
    staff = client.get("/tai-khoan/nhan-vien/dang-nhap/").content.decode()
    assert 'id="province-login"' in staff and 'id="vneid-login"' not in staff


@pytest.mark.parametrize(("method", "path", "data", "status"), [
    ("get", "/mo-phong/dinh-danh/nowhere/.well-known/openid-configuration", {}, 404),
    ("get", "/mo-phong/dinh-danh/vneid/authorize/", {"client_id": "someone-else"}, 400),
    ("get", "/mo-phong/dinh-danh/vneid/authorize/",
     {"client_id": "onestop-vneid", "redirect_uri": "https://evil.example/steal"}, 400),
    ("post", "/mo-phong/dinh-danh/vneid/token/", {"grant_type": "authorization_code", "code": "guessed"}, 401),
    ("post", "/mo-phong/dinh-danh/vneid/token/",
     {"client_id": "onestop-vneid", "client_secret": "mo-phong-vneid-secret", "code": "guessed",
      "grant_type": "authorization_code"}, 400),
    ("get", "/mo-phong/dinh-danh/vneid/userinfo/", {}, 401),
    ("get", "/tai-khoan/oidc/nowhere/login/callback/", {"code": "x", "state": "y"}, 404),
], ids=["unknown-realm", "unknown-client", "foreign-redirect", "no-client-secret", "guessed-code", "no-token",
        "unknown-provider"])
def test_bad_requests_to_the_simulator_and_the_callback_are_refused_plainly(client, db, method, path, data, status):
    assert getattr(client, method)(path, data).status_code == status
