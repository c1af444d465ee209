"""The demo province as someone trying it meets it: each demo staff member signs in through the admin's login form,
finds the demo dossier in their queue and takes their step, from receipt at the provincial centre to the return of
the result; the ward's officer receives at the ward, and the administrator is offered the window's actions too."""

from io import StringIO

import pytest
from django.core.management import call_command

from seeds.demo import DEMO_TOTP_SECRET, DEPARTMENT, PROVINCIAL_CENTRE, STAFF_PASSWORD, WARD_DESK
from seeds.history import seed_history
from tests.browser.signin import fresh_code
from tests.office import PDF
from workflows.dossiers.models import Dossier


@pytest.fixture
def demo(settings, transactional_db):
    settings.DEBUG = True
    call_command("load_catalogue", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    seed_history(dossiers=10, seed=2026, tallies_refreshed=False)
    settings.DEBUG = False


def sign_in(page, live_server, username, password=STAFF_PASSWORD):
    """As the README tells a new user: the password, then a code from an app set up with the demo's key."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.locator("#id_code").fill(fresh_code(username, DEMO_TOTP_SECRET))
    page.locator("#id_code").press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url and "/2fa/" not in url)


def open_from_queue(page, live_server, queue, dossier):
    page.goto(f"{live_server.url}/admin/workflows/dossier/?queue={queue}")
    page.get_by_role("link", name=dossier.code, exact=True).click()
    page.locator("#dossier-state").wait_for()


def take(page, label):
    page.get_by_role("button", name=label, exact=True).click()
    message = page.locator(".messagelist li").first
    message.wait_for()
    return message.inner_text()


def waiting(**conditions):
    return Dossier.objects.filter(state=Dossier.State.SUBMITTED, **conditions).order_by("-submitted_at").first()


def test_each_demo_staff_member_works_a_demo_dossier_from_receipt_to_return(live_server, demo, page, browser,
                                                                           screenshot, tmp_path):
    dossier = waiting(receiving_agency__code=PROVINCIAL_CENTRE, procedure__competent_agency__code=DEPARTMENT)
    assert dossier is not None

    sign_in(page, live_server, "tiepnhan")
    screenshot(page, "demo-tiepnhan-home")
    open_from_queue(page, live_server, "to_receive", dossier)
    assert dossier.code in take(page, "Tiếp nhận")
    take(page, "Chuyển bước tiếp theo")

    for username in ("chuyenvien", "truongphong"):
        sign_in(page, live_server, username)
        open_from_queue(page, live_server, "my_work", dossier)
        take(page, "Chuyển bước tiếp theo")

    sign_in(page, live_server, "giamdoc")
    open_from_queue(page, live_server, "my_work", dossier)
    screenshot(page, "demo-giamdoc-dossier")
    result = tmp_path / "ket-qua.pdf"
    result.write_bytes(PDF)
    page.get_by_label("Văn bản kết quả (PDF)").set_input_files(str(result))
    take(page, "Phê duyệt: đã có kết quả")

    sign_in(page, live_server, "trakq")
    open_from_queue(page, live_server, "to_return", dossier)
    take(page, "Trả kết quả")
    screenshot(page, "demo-trakq-returned")

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED
    actors = [(entry.action, entry.actor.username) for entry in dossier.audit_entries.order_by("at", "id")
              if entry.actor and entry.action in ("receive", "hand_over", "approve", "return_result")]
    assert actors == [("receive", "tiepnhan"), ("hand_over", "tiepnhan"), ("hand_over", "chuyenvien"),
                      ("hand_over", "truongphong"), ("approve", "giamdoc"), ("return_result", "trakq")]

    # At the ward, its own officer receives what was filed there online.
    ward_dossier = waiting(receiving_agency__code=WARD_DESK)
    sign_in(page, live_server, "tiepnhanphuong")
    open_from_queue(page, live_server, "to_receive", ward_dossier)
    take(page, "Tiếp nhận")
    ward_dossier.refresh_from_db()
    assert ward_dossier.state == Dossier.State.RECEIVED

    # The administrator sees every dossier and may act at the demo desks.
    other = waiting(receiving_agency__code=PROVINCIAL_CENTRE)
    sign_in(page, live_server, "admin", "onestop-admin")
    open_from_queue(page, live_server, "to_receive", other)
    assert page.get_by_role("button", name="Tiếp nhận", exact=True).is_visible()

    # On a phone, the officer's queue and a dossier still read.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    phone = context.new_page()
    sign_in(phone, live_server, "tiepnhan")
    phone.goto(f"{live_server.url}/admin/workflows/dossier/?queue=to_receive")
    screenshot(phone, "demo-tiepnhan-queue-390")
    phone.get_by_role("link", name=other.code, exact=True).click()
    phone.locator("#dossier-state").wait_for()
    assert phone.get_by_role("button", name="Tiếp nhận", exact=True).is_visible()
    screenshot(phone, "demo-tiepnhan-dossier-390")
    context.close()
