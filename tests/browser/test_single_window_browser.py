"""Staff work the single window in the admin: a desk receives an online dossier, the department settles it."""

from tests.workflows.test_lifecycle import filed
from workflows.models import Dossier


def sign_in(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "x")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")


def open_from_queue(page, live_server, queue, dossier):
    page.goto(f"{live_server.url}/admin/workflows/dossier/?queue={queue}")
    page.get_by_role("link", name=dossier.code).click()
    page.locator("#dossier-state").wait_for()


def test_a_desk_receives_and_the_department_settles_through_the_window(live_server, transactional_db, office,
                                                                       page, screenshot):
    dossier = filed(office)

    sign_in(page, live_server, office.receiver)
    page.goto(f"{live_server.url}/admin/workflows/dossier/")
    assert page.locator("#queue-to_receive .count").inner_text() == "1"
    screenshot(page, "window-queues")
    open_from_queue(page, live_server, "to_receive", dossier)
    screenshot(page, "window-dossier-to-receive")
    page.locator("#transition-receive button").click()
    page.locator("#transition-hand_over select").select_option(str(office.specialist.pk))
    page.locator("#transition-hand_over button").click()
    page.locator(".messagelist .success").wait_for()

    sign_in(page, live_server, office.specialist)
    open_from_queue(page, live_server, "my_work", dossier)
    page.locator("#transition-send_back textarea").fill("")
    page.locator("#transition-hand_over button").click()
    sign_in(page, live_server, office.head)
    open_from_queue(page, live_server, "my_agency", dossier)
    page.locator("#transition-hand_over button").click()
    sign_in(page, live_server, office.leader)
    open_from_queue(page, live_server, "my_agency", dossier)
    page.locator("#transition-approve button").click()
    page.locator(".messagelist .success").wait_for()
    screenshot(page, "window-dossier-result-ready")

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RESULT_READY
    assert page.locator("#audit-trail tbody tr").count() == 7


def test_a_walk_in_is_filed_at_a_branch_desk_for_a_department_procedure(live_server, transactional_db, office,
                                                                        page, screenshot):
    sign_in(page, live_server, office.other_receiver)
    page.goto(f"{live_server.url}/admin/workflows/dossier/")
    page.locator("#file-walk-in").click()
    page.select_option("#procedure", office.procedure.code)
    page.locator(".choose-procedure button").click()
    page.fill("#id_applicant_name", "Phạm Văn Đức")
    page.fill("#id_applicant_identity_number", "03809000432")
    page.locator("#walk-in input[type=submit]").click()
    assert "12" in page.locator(".errors .errorlist").first.inner_text()
    page.fill("#id_applicant_identity_number", "038090004321")
    page.check("#id_paper_documents_0")
    screenshot(page, "window-walk-in-form")
    page.locator("#walk-in input[type=submit]").click()
    page.locator("#dossier-state").wait_for()

    dossier = Dossier.objects.get()
    assert dossier.state == Dossier.State.RECEIVED and dossier.filing_desk == office.other_desk
    assert page.locator("#dossier-code").inner_text() == dossier.code
    screenshot(page, "window-walk-in-received")
