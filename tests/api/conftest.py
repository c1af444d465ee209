import base64

import pytest
from oauth2_provider.models import Application
from rest_framework.test import APIClient

from tests.office import PDF, open_for_online_filing
from workflows.dossiers.models import StaffMembership
from workflows.integrations.models import ApiClient

ALL_SCOPES = ["catalogue:read", "dossiers:read", "dossiers:file", "dossiers:act", "webhooks", "payments:record"]


class Integrator:
    """An integrated system: an OAuth2 application with client credentials, its ApiClient grant, and a service
    account holding staff roles."""

    def __init__(self, django_user_model, name, *, scopes=ALL_SCOPES, roles=(), rate_limit="600/min"):
        self.account = django_user_model.objects.create_user(f"svc-{name}", f"{name}@systems.example.vn")
        for agency, role in roles:
            StaffMembership.objects.create(user=self.account, agency=agency, role=role)
        self.secret = f"secret-of-{name}-0123456789abcdef"
        self.application = Application.objects.create(
            name=name, user=self.account, client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=self.secret)
        self.client = ApiClient.objects.create(application=self.application, scopes=list(scopes),
                                               rate_limit=rate_limit)

    def token(self, scope=None):
        response = APIClient().post("/o/token/", {"grant_type": "client_credentials",
                                                  **({"scope": scope} if scope else {})},
                                    HTTP_AUTHORIZATION=self.basic_auth())
        return response

    def basic_auth(self):
        pair = f"{self.application.client_id}:{self.secret}".encode()
        return f"Basic {base64.b64encode(pair).decode()}"

    def api(self, scope=None):
        """An API client sending this integrator's bearer token."""
        response = self.token(scope)
        assert response.status_code == 200, response.content
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
        return api


@pytest.fixture
def integrator(db, django_user_model, office):
    """The national public service portal: files for citizens at the service centre's desk and reads them."""
    open_for_online_filing(office)
    return Integrator(django_user_model, "dvcqg", roles=[(office.desk, "receiving_officer")])


def filing(office, **overrides):
    """What an integrated system sends to file the office's construction permit for Nguyễn Thị Lan."""
    return {
        "procedure": office.procedure.code,
        "receiving_agency": office.desk.code,
        "applicant": {"name": "Nguyễn Thị Lan", "identity_number": "038195001234", "phone": "0912345678",
                      "email": "lan@example.vn", "address": "12 Lê Lợi, phường Hạc Thành"},
        "form": {"dia_chi_cong_trinh": "12 Lê Lợi", "dien_tich": "120.5", "so_dinh_danh_chu_dau_tu": "038195001234"},
        "documents": [{"order": order, "filename": "ban-ve.pdf", "content": base64.b64encode(PDF).decode()}
                      for order in (1, 2)],
        **overrides,
    }


@pytest.fixture
def bearer(live_server, django_user_model, office):
    """For the schema's fuzzers: a client with every scope at the service centre's desk (never slowed down), and a
    dossier it filed for the paths with a code."""
    open_for_online_filing(office)
    integrator = Integrator(django_user_model, "fuzzer", roles=[(office.desk, "receiving_officer")],
                            rate_limit="100000/min")
    integrator.api().post("/api/v1/dossiers/", filing(office), format="json")
    return {"Authorization": f"Bearer {integrator.token().json()['access_token']}"}
