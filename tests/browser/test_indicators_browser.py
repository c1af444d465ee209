"""A leader reads the Decision 766 points on the indicators dashboard and drills down from the province to a ward's
late dossier, and anyone reads the public page, in a real browser, on the hand-counted October of
tests/workflows/test_indicator_scores.py."""

from tests.browser.test_single_window_browser import sign_in
from tests.workflows.test_indicator_scores import province  # noqa: F401 - the hand-counted October

# The browser reads the live server at today's date, after 6 November 2026: by then P5's 5 working days to be
# published have run out too, so 1 of the 4 procedures announced in October was published on time: 6 × 1/4 = 1.50
# points instead of 2.00, and the province's total is 52.67 − 2.00 + 1.50 = 52.17 of 98.


def test_a_leader_reads_the_points_and_drills_down_to_a_wards_late_dossier(
        live_server, transactional_db, province, page, screenshot):  # noqa: F811
    sign_in(page, live_server, province.ward_leader)
    page.locator("#indicators-link").click()
    page.locator("#period-form input[name=period]").fill("2026-10")
    page.locator("#period-form button").click()
    page.wait_for_url("**period=2026-10**")
    assert page.locator("#score-total").inner_text() == "52,17"
    on_time = page.locator('#scorecard tr[data-indicator="on_time_rate"]')
    assert on_time.locator(".rate").inner_text() == "46,7%" and on_time.locator(".points").inner_text() == "9,33"
    assert page.locator('#scorecard tr[data-indicator="national_sync_rate"] .rate').inner_text() == "92,9%"
    assert page.locator("#scorecard-total").inner_text() == "52,17 / 98"
    assert page.locator("svg#trend rect.bar").count() == 12
    screenshot(page, "indicators-province")

    # The ward ranks first by its share of the points it could earn (53.25 of 84).
    page.locator(".ranking").first.locator(".rank").first.click()
    page.wait_for_url("**agency=000.01.01.H56**")
    assert page.locator("#score-total").inner_text() == "53,25"
    assert page.locator('td[data-indicator="received"]').inner_text() == "3"
    page.locator("#groups").get_by_role("link", name="Đăng ký khai sinh").click()
    page.wait_for_url("**procedure=2.000002**")
    assert page.locator("#late tbody tr").all_inner_texts()[0].startswith(province.dossiers["B2"].code)
    screenshot(page, "indicators-procedure")

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == "bao-cao-tthc-2026-10.xlsx"


def test_the_public_page_shows_the_points_of_the_province_and_its_agencies_without_personal_data(
        live_server, transactional_db, province, page, phone, screenshot):  # noqa: F811
    page.goto(f"{live_server.url}/chi-so/?period=2026-10")
    assert page.locator("#score-total").inner_text() == "52,17"
    assert page.locator('#scorecard tr[data-indicator="national_sync_rate"] .rate').inner_text() == "92,9%"
    agencies = page.locator("#agency-figures tbody tr").all_inner_texts()
    # The desk only refused one at receipt and saw one withdrawn before receipt: nothing to list. P5 is the
    # department's: 1 of its 3 announced on time, 6 × 1/3 = 2.00 instead of 3.00, so 50.08 − 1.00 = 49.08.
    assert len(agencies) == 2 and "53,25 / 88" in agencies[0] and "49,08 / 98" in agencies[1]
    assert province.dossiers["A2"].code not in page.content()
    screenshot(page, "indicators-public")

    phone.goto(f"{live_server.url}/chi-so/?period=2026-10")
    assert phone.locator("#score-total").inner_text() == "52,17"
    screenshot(phone, "indicators-public-phone")
