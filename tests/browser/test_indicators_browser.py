"""A leader drills down the indicators dashboard from the province to a ward's late dossier, and anyone reads the
public page, in a real browser."""

from tests.browser.test_single_window_browser import sign_in
from tests.workflows.test_indicators import province  # noqa: F401 - the hand-counted October


def test_a_leader_drills_down_from_the_province_to_a_wards_late_dossier(
        live_server, transactional_db, province, page, screenshot):  # noqa: F811
    # The ward's chairman: the whole province's figures, and the late dossiers of the ward.
    sign_in(page, live_server, province.ward_leader)
    page.locator("#indicators-link").click()
    page.locator("#period-form input[name=period]").fill("2026-10")
    page.locator("#period-form button").click()
    page.wait_for_url("**period=2026-10**")
    assert page.locator('.card[data-indicator="on_time_rate"] .value').inner_text() == "60,0%"
    assert page.locator("svg#trend rect.bar").count() == 12
    screenshot(page, "indicators-province")

    page.locator(".ranking").first.get_by_role("link", name="UBND phường Hạc Thành").click()
    page.wait_for_url("**agency=000.01.01.H56**")
    assert page.locator('td[data-indicator="received"]').inner_text() == "2"
    page.locator("#groups").get_by_role("link", name="Đăng ký khai sinh").click()
    page.wait_for_url("**procedure=1.001193**")
    assert page.locator("#late tbody tr").all_inner_texts()[0].startswith(province.dossiers["D13"].code)
    screenshot(page, "indicators-procedure")

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == "bao-cao-tthc-2026-10.xlsx"


def test_the_public_page_shows_the_province_and_its_agencies_without_personal_data(
        live_server, transactional_db, province, page, screenshot):  # noqa: F811
    page.goto(f"{live_server.url}/chi-so/?period=2026-Q4")
    # The quarter so far: since October, D6 has passed its deadline (4 November) too: (4 + 1) ÷ (6 + 4).
    assert page.locator('#province-figures li[data-indicator="on_time_rate"] strong').inner_text() == "50,0%"
    agencies = page.locator("#agency-figures tbody tr").all_inner_texts()
    # The desk only refused one at receipt: it handled nothing to rate.
    assert len(agencies) == 2 and "Sở Xây dựng" in "".join(agencies)
    assert province.dossiers["D5"].code not in page.content()
    screenshot(page, "indicators-public")
