"""A citizen signs in through the simulated national identity provider (VNeID) in a real browser and files a
dossier for a procedure that needs VNeID level 2; a level-1 account is asked for more and refused."""

import pytest
from django.contrib.auth import get_user_model

from procedures.models import AssuranceLevel
from tests.office import PDF, open_for_online_filing
from workflows.dossiers.models import Dossier
from workflows.integrations.simulators.national_id import VNEID_PEOPLE

LEVEL_2_PERSON = VNEID_PEOPLE[1]  # Trần Thị Bình, no OneStop account yet
LEVEL_1_PERSON = next(person for person in VNEID_PEOPLE if person.level == 1)


@pytest.fixture
def level_2_procedure(office, settings, live_server):
    settings.ONESTOP_SITE_URL = live_server.url
    open_for_online_filing(office)
    office.procedure.minimum_assurance_level = AssuranceLevel.LEVEL_2
    office.procedure.save(update_fields=["minimum_assurance_level"])
    return office


def sign_in_with_vneid_as(page, person, screenshot=None):
    page.locator("#vneid-login").click()
    page.locator("#simulated-idp[data-realm=vneid]").wait_for()
    if screenshot:
        screenshot(page, "national-signin-simulator")
    page.locator(f"#as-{person.sub}").click()


def file_the_construction_permit(page, office, person, tmp_path):
    """From the procedure's start page: the form, the drawing, the desk, then filed."""
    page.locator("#start-filing").click()
    page.wait_for_url("**/sua/")
    drawing = tmp_path / "ban-ve.pdf"
    drawing.write_bytes(PDF)
    page.fill("#id_dia_chi_cong_trinh", "Số 5 đường Bà Triệu, phường Hạc Thành")
    page.fill("#id_dien_tich", "120")
    page.fill("#id_so_dinh_danh_chu_dau_tu", person.claims["so_dinh_danh"])
    page.set_input_files("#id_document_2", str(drawing))
    page.select_option("#id_receiving_agency", str(office.desk.pk))
    page.locator("button[value=submit]").click()
    page.wait_for_url("**/kiem-tra/")
    page.locator("#file-dossier").click()
    page.wait_for_url("**/da-nop/")


def test_a_citizen_signs_in_with_vneid_and_files_a_dossier_needing_level_2(
        live_server, transactional_db, level_2_procedure, page, screenshot, tmp_path):
    office = level_2_procedure
    page.goto(f"{live_server.url}/thu-tuc/{office.procedure.code}/")
    assert page.locator("#minimum-assurance-level").get_attribute("data-level") == "2"
    page.locator("#file-online").click()
    assert page.locator("#start-assurance-level").get_attribute("data-level") == "2"
    page.locator("#start-filing").click()

    # Not signed in: the sign-in page, with the national identity's button.
    page.wait_for_url("**/tai-khoan/login/**")
    assert page.locator("#vneid-login").is_visible()
    screenshot(page, "national-signin-portal-login")
    sign_in_with_vneid_as(page, LEVEL_2_PERSON, screenshot)

    # Back at the start page, signed in as a new account made from the national identity.
    page.wait_for_url(f"**/thu-tuc/{office.procedure.code}/nop-ho-so/")
    citizen = get_user_model().objects.get(identity_number=LEVEL_2_PERSON.claims["so_dinh_danh"])
    assert citizen.full_name == "Trần Thị Bình" and citizen.identity_verified_at is not None
    assert citizen.phone == "0987654321" and citizen.phone_verified
    assert citizen.get_full_name() in page.locator(".account-nav").inner_text()
    file_the_construction_permit(page, office, LEVEL_2_PERSON, tmp_path)
    screenshot(page, "national-signin-filed")

    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.state == Dossier.State.SUBMITTED
    assert dossier.national_sign_in_level == 2
    assert dossier.applicant_identity_number == LEVEL_2_PERSON.claims["so_dinh_danh"]


def test_a_level_1_account_is_asked_for_level_2_and_refused(live_server, transactional_db, level_2_procedure,
                                                            page, screenshot):
    office = level_2_procedure
    page.goto(f"{live_server.url}/tai-khoan/login/")
    sign_in_with_vneid_as(page, LEVEL_1_PERSON)
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(f"{live_server.url}/thu-tuc/{office.procedure.code}/nop-ho-so/")
    page.locator("#start-filing").click()
    required = page.locator("#national-signin-required")
    required.wait_for()
    assert required.get_attribute("data-level") == "2"
    assert page.locator("#signed-in-level").get_attribute("data-level") == "1"
    screenshot(page, "national-signin-required")

    # The national provider asked for level 2 answers with level 1: refused, nothing filed.
    page.locator("#vneid-login").click()
    assert page.locator("#requested-level").get_attribute("data-acr") == "loa2"
    page.locator(f"#as-{LEVEL_1_PERSON.sub}").click()
    page.locator("#national-signin-refused").wait_for()
    screenshot(page, "national-signin-refused")
    assert not Dossier.objects.filter(procedure=office.procedure).exists()
