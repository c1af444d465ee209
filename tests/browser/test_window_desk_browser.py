"""The staff window on a desk's 1,280 px screen: the home, the queue with every column in view, the dossier page's
forms and the confirmation a refusal asks for; the procedure editor within the page's width."""

from tests.browser.test_single_window_browser import sign_in
from tests.workflows.test_lifecycle import filed, received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

LONG = ("Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II (công trình không theo tuyến, "
        "theo tuyến trong đô thị, tín ngưỡng, tôn giáo, tượng đài, tranh hoành tráng)")
WIDTH = "document.documentElement.scrollWidth"


def long_named(office):
    office.procedure.name = LONG
    office.procedure.save()
    return office


def test_the_queue_shows_every_column_on_1280_px_with_the_clock_first(
        live_server, transactional_db, office, page, screenshot):
    long_named(office)
    for _ in range(4):
        services.hand_over(dossier=received(office), acting_user=office.receiver, assignee=office.specialist)
    sign_in(page, live_server, office.specialist)
    screenshot(page, "desk-home")
    assert page.locator("#home-queue-my_work .count").inner_text() == "4"
    assert page.locator("#due-first tbody tr").count() == 4

    page.goto(f"{live_server.url}/admin/workflows/dossier/?queue=my_work")
    screenshot(page, "desk-queue")
    assert page.evaluate(WIDTH) <= 1280
    results = page.locator("#changelist .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth")
    filters_left = page.locator("#changelist-filter").bounding_box()["x"]
    headers = page.locator("#result_list thead th")
    assert "column-time_left" in headers.first.get_attribute("class")
    for index in range(headers.count()):
        box = headers.nth(index).bounding_box()
        assert box["x"] + box["width"] <= filters_left, headers.nth(index).inner_text()
    assert page.locator("#result_list tbody tr").first.locator(".sla-on_time").is_visible()


def test_a_refusal_is_not_sent_until_the_officer_confirms_it(live_server, transactional_db, office, page,
                                                             screenshot):
    dossier = filed(long_named(office))
    sign_in(page, live_server, office.receiver)
    page.goto(f"{live_server.url}/admin/workflows/dossier/{dossier.pk}/change/")
    page.locator("#dossier-state").wait_for()
    receive = page.locator("#transition-receive")
    assert receive.locator("textarea").is_hidden()  # receiving needs no reason: the optional note is folded
    refuse = page.locator("#transition-refuse")
    refuse.locator("textarea").fill("Thủ tục không thuộc thẩm quyền của Sở Xây dựng")
    page.click("label[for=id_refuse_reason]")
    assert page.evaluate("document.activeElement.id") == "id_refuse_reason"  # the label leads to its own box
    refuse.locator("button").click()
    # The browser holds the form back until the box is ticked; without scripts the server does the same.
    assert refuse.locator("input[type=checkbox]:invalid").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.SUBMITTED
    screenshot(page, "desk-dossier-refusal")
    assert page.evaluate(WIDTH) <= 1280

    refuse.locator("input[type=checkbox]").check()
    refuse.locator("button").click()
    page.locator(".messagelist li").first.wait_for()
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.REFUSED


def test_the_dossier_page_and_the_home_on_a_narrow_screen(live_server, transactional_db, office, browser,
                                                          screenshot):
    dossier = services.hand_over(dossier=received(long_named(office)), acting_user=office.receiver,
                                 assignee=office.specialist)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, office.specialist)
        screenshot(page, "desk-home-390")
        assert page.evaluate(WIDTH) <= 390
        page.goto(f"{live_server.url}/admin/workflows/dossier/?queue=my_work")
        # The queue's table scrolls inside its box; the page itself does not run sideways.
        page.get_by_role("link", name=dossier.code).wait_for()
        screenshot(page, "desk-queue-390")
        assert page.evaluate(WIDTH) <= 390
        page.get_by_role("link", name=dossier.code).click()
        page.locator("#transition-hand_over").wait_for()
        screenshot(page, "desk-dossier-390")
        assert page.evaluate(WIDTH) <= 390
        assert page.locator("#transition-hand_over button").is_visible()
    finally:
        context.close()


def test_the_procedure_editor_fits_the_page(live_server, transactional_db, office, page, screenshot,
                                            django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.vn", "x")
    sign_in(page, live_server, django_user_model.objects.get(username="root"))
    screenshot(page, "desk-home-province-admin")
    page.goto(f"{live_server.url}/admin/procedures/procedure/{long_named(office).procedure.pk}/change/")
    screenshot(page, "desk-procedure-edit")
    assert page.evaluate(WIDTH) <= 1280
