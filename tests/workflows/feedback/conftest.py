import pytest

from tests.factories import AgencyFactory
from tests.workflows.test_lifecycle import filed
from workflows.dossiers import services as dossier_services


@pytest.fixture
def applicant(office):
    """The office's citizen, with the phone and identity number the public lookup checks."""
    citizen = office.citizen
    citizen.full_name, citizen.identity_number, citizen.phone = "Nguyễn Thị Lan", "038195001234", "0912345678"
    citizen.save()
    return citizen


@pytest.fixture
def dossier(office, applicant):
    """Received at the service centre's desk: the Department of Construction settles and answers for it."""
    return dossier_services.receive_dossier(dossier=filed(office), acting_user=office.receiver)


@pytest.fixture
def outsider(office):
    """A leader of an agency that has nothing to do with the office's dossiers."""
    return office.staff("giamdoc-tuphap", AgencyFactory(code="000.00.09.H56", name="Sở Tư pháp"), "agency_leader")
