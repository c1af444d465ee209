"""Staff work the single window in the admin, each with their own login, on a real server."""

import re
from io import BytesIO

from pypdf import PdfReader

from procedures.models import Agency
from tests.browser.signin import sign_in_to_the_window
from tests.factories import AgencyFactory, CommuneFactory, enrol_totp
from tests.office import PDF, pdf
from tests.workflows.test_lifecycle import filed
from workflows.dossiers import services
from workflows.dossiers.models import Dossier


def sign_in(page, live_server, user):
    enrol_totp(user)
    sign_in_to_the_window(page, live_server, user.username)
    page.wait_for_url(f"{live_server.url}/admin/")


def open_from_queue(page, live_server, queue, dossier):
    page.goto(f"{live_server.url}/admin/workflows/dossier/?queue={queue}")
    page.get_by_role("link", name=dossier.code).click()
    page.locator("#dossier-state").wait_for()


def take(page, transition, **fields):
    form = page.locator(f"#transition-{transition}")
    for selector, value in fields.items():
        if selector == "select":
            form.locator("select").select_option(value)
        elif selector == "file":
            form.locator("input[type=file]").set_input_files(value)
        else:
            form.locator(selector).fill(value)
    form.locator("button").click()
    page.locator(".messagelist li").first.wait_for()
    return page.locator(".messagelist li").first.inner_text()


def slip_text(page, live_server, dossier, name):
    response = page.request.get(f"{live_server.url}/admin/workflows/dossier/{dossier.pk}/slip/{name}/")
    assert response.status == 200
    # Names are printed with non-breaking spaces so they never split across lines: read them as plain words.
    return " ".join("".join(page_.extract_text() for page_ in PdfReader(BytesIO(response.body())).pages).split())


def test_a_walk_in_at_a_commune_desk_goes_through_every_step_of_a_department_and_back(
        live_server, transactional_db, office, page, screenshot, tmp_path):
    ward = CommuneFactory(name="Phường Hạc Thành")
    committee = AgencyFactory(code="000.01.01.H56", name="UBND phường Hạc Thành",
                              kind=Agency.Kind.COMMUNE_COMMITTEE, unit=ward)
    commune_desk = AgencyFactory(code="000.01.02.H56", name="Điểm phục vụ hành chính công phường Hạc Thành",
                                 kind=Agency.Kind.COMMUNE_SERVICE_POINT, unit=ward, parent=committee,
                                 receives_dossiers=True)
    desk_officer = office.staff("motcua-phuong", commune_desk, "receiving_officer")
    office.staff("trakq-phuong", commune_desk, "result_desk")

    # A walk-in at the ward's desk, for the Department of Construction's permit: filed and received at once.
    sign_in(page, live_server, desk_officer)
    page.goto(f"{live_server.url}/admin/workflows/dossier/")
    page.locator("#file-walk-in").click()
    page.select_option("#procedure", office.procedure.code)
    page.locator(".choose-procedure button").click()
    page.fill("#id_applicant_name", "Phạm Văn Đức")
    page.fill("#id_applicant_identity_number", "038090004321")
    page.fill("#id_applicant_phone", "0903111222")
    page.check("#id_paper_documents_0")
    screenshot(page, "window-walk-in-form")
    page.locator("#walk-in input[type=submit]").click()
    page.locator("#dossier-state").wait_for()
    dossier = Dossier.objects.get()
    assert dossier.filing_desk == commune_desk and dossier.competent_agency == office.department
    receipt = slip_text(page, live_server, dossier, "receipt")
    assert dossier.code in receipt and "Phạm Văn Đức" in receipt and "Điểm phục vụ hành chính công" in receipt

    # Routed to a named specialist, who sends it back once; then on through every step.
    take(page, "hand_over", select=str(office.specialist.pk))
    sign_in(page, live_server, office.specialist)
    open_from_queue(page, live_server, "my_work", dossier)
    take(page, "send_back", textarea="Thiếu bản vẽ mặt bằng có chữ ký")
    sign_in(page, live_server, desk_officer)
    open_from_queue(page, live_server, "", dossier)
    take(page, "hand_over", select=str(office.second_specialist.pk))
    sign_in(page, live_server, office.second_specialist)
    open_from_queue(page, live_server, "my_work", dossier)
    take(page, "hand_over")
    sign_in(page, live_server, office.head)
    open_from_queue(page, live_server, "my_agency", dossier)
    take(page, "hand_over")
    sign_in(page, live_server, office.leader)
    open_from_queue(page, live_server, "my_agency", dossier)
    result = tmp_path / "giay-phep.pdf"
    result.write_bytes(PDF)
    take(page, "approve", file=str(result))
    screenshot(page, "window-dossier-result-ready")

    # The ward's result desk returns it; the slips tell the whole story.
    sign_in(page, live_server, Dossier.objects.get().result_desk.staff.get(role="result_desk").user)
    open_from_queue(page, live_server, "to_return", dossier)
    take(page, "return_result")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED
    assert [entry.action for entry in dossier.audit_entries.order_by("at", "id")] == [
        "created", "submit", "receive", "hand_over", "send_back", "hand_over", "hand_over", "hand_over", "approve",
        "return_result"]
    control = slip_text(page, live_server, dossier, "process_control")
    assert dossier.code in control and "chuyenvien2" in control and "truongphong" in control
    assert "Phạm Văn Đức" in slip_text(page, live_server, dossier, "result_return")
    screenshot(page, "window-dossier-returned")


def test_an_online_dossier_is_asked_for_a_supplement_and_resumes_when_the_citizen_answers(
        live_server, transactional_db, office, page, screenshot):
    dossier = filed(office)
    sign_in(page, live_server, office.receiver)
    page.goto(f"{live_server.url}/admin/workflows/dossier/")
    assert page.locator("#queue-to_receive .count").inner_text() == "1"
    screenshot(page, "window-queues")
    open_from_queue(page, live_server, "to_receive", dossier)
    take(page, "receive")
    take(page, "hand_over", select=str(office.specialist.pk))

    sign_in(page, live_server, office.specialist)
    open_from_queue(page, live_server, "my_work", dossier)
    message = take(page, "request_supplement", textarea="Bản sao giấy chứng nhận quyền sử dụng đất")
    assert dossier.code in message
    page.goto(f"{live_server.url}/admin/workflows/dossier/?queue=waiting")
    assert page.get_by_role("link", name=dossier.code).is_visible()
    assert "Bản sao giấy chứng nhận" in slip_text(page, live_server, dossier, "supplement_request")

    dossier.refresh_from_db()
    services.attach_document(dossier=dossier, acting_user=office.citizen, name="Bản sao giấy chứng nhận",
                             upload=pdf())
    services.supply_supplement(dossier=dossier, acting_user=office.citizen)
    open_from_queue(page, live_server, "my_work", dossier)
    assert re.search(r"Đang xử lý|Processing", page.locator("#dossier-state").inner_text())
    screenshot(page, "window-dossier-resumed")
