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
