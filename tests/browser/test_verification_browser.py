"""Anyone holding a OneStop document uploads it on the public verification page: a genuine slip is named with its
dossier and officer, a changed copy is flagged."""

import pytest
from django.test import RequestFactory

from tests.pki import Pki, tampered
from tests.workflows.test_lifecycle import received
from workflows.paperwork import issuing
from workflows.paperwork.models import IssuedDocument


@pytest.fixture
def genuine(transactional_db, office, settings, tmp_path):
    """A receipt slip as OneStop issued it, sealed with the test agency's certificate, and a changed copy."""
    Pki(tmp_path).configure(settings)
    dossier = received(office)
    request = RequestFactory().get("/")
    slip = issuing.issue_slip(request, dossier, "receipt", lookup_url="http://testserver/tra-cuu/")
    (tmp_path / "giay-tiep-nhan.pdf").write_bytes(slip)
    (tmp_path / "giay-tiep-nhan-sua.pdf").write_bytes(tampered(slip))
    return tmp_path / "giay-tiep-nhan.pdf", tmp_path / "giay-tiep-nhan-sua.pdf", IssuedDocument.objects.get()


def check(page, live_server, path):
    page.goto(f"{live_server.url}/xac-thuc/")
    page.set_input_files("#id_document", str(path))
    page.click("#verify-submit")
    page.wait_for_selector("#verdict")
    return page.locator("#verdict")


def test_a_genuine_slip_and_a_changed_copy_are_told_apart_on_the_page(live_server, genuine, page, screenshot):
    original, changed, issued = genuine

    verdict = check(page, live_server, original)

    assert (verdict.get_attribute("data-issued"), verdict.get_attribute("data-unchanged")) == ("yes", "yes")
    assert page.locator("#verdict-genuine").is_visible()
    assert page.locator("#issued").get_attribute("data-dossier") == issued.dossier.code
    assert page.locator("#issued .issuer").inner_text() == issued.issuer_name
    assert page.locator("#signatures li[data-trusted='yes']").count() == 1
    screenshot(page, "verification-genuine")

    verdict = check(page, live_server, changed)

    assert (verdict.get_attribute("data-issued"), verdict.get_attribute("data-unchanged")) == ("yes", "no")
    assert page.locator("#verdict-changed").is_visible()
    assert page.locator("#signatures li[data-trusted='no']").count() == 1
    screenshot(page, "verification-changed")


def test_the_qr_code_address_shows_what_was_issued(live_server, genuine, page, screenshot):
    _original, _changed, issued = genuine

    page.goto(f"{live_server.url}/xac-thuc/{issued.token}/")

    assert page.locator("#on-record").get_attribute("data-dossier") == issued.dossier.code
    screenshot(page, "verification-qr-target")
