"""The citizen's document store: filled by approval and by verification at receipt, reused at filing, opened by
officers only while they handle a dossier of its owner (logged), and counted by the digitisation indicators."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from procedures.models import DocumentType
from procedures.services import publish_procedure_version
from tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.office import PDF, pdf
from workflows.dossiers import services
from workflows.dossiers.models import DocumentOrigin, Dossier
from workflows.reporting import indicators
from workflows.reporting.periods import Period
from workflows.store import selectors
from workflows.store import services as store
from workflows.store.models import StoreAccess, StoreItem

from .test_lifecycle import at_decision

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def birth(office):
    return issuing_and_asking(office)


def issuing_and_asking(office):
    """The office's procedure issues birth certificates; a second one, correcting civil status, asks for one."""
    certificate = DocumentType.objects.create(code="giay_khai_sinh", name="Giấy khai sinh",
                                              issuer_kind=DocumentType.IssuerKind.COMMUNE)
    office.procedure.result_type = certificate
    office.procedure.save()
    publish_procedure_version(procedure=office.procedure)
    office.correction = ProcedureFactory(code="1.004859", name="Cải chính hộ tịch", competent_agency=office.department,
                                         time_limit=Decimal(3), steps=[Decimal("0.5"), Decimal("2"), Decimal("0.5")])
    RequiredDocumentFactory(procedure=office.correction, order=1, name="Tờ khai", is_required=True)
    RequiredDocumentFactory(procedure=office.correction, order=2, name="Giấy khai sinh", is_required=True,
                            document_type=certificate)
    publish_procedure_version(procedure=office.correction)
    office.certificate = certificate
    return office


def issued(office):
    """A birth certificate approved for the office's citizen, with its electronic result."""
    dossier = at_decision(office)
    return services.approve_dossier(dossier=dossier, acting_user=office.leader, result_file=pdf("giay-khai-sinh.pdf"),
                                    expected_version=dossier.version)


def correction_draft(office):
    return services.create_draft(procedure=office.correction, acting_user=office.citizen)


def test_an_approved_result_is_kept_in_the_applicants_store_typed_and_verified(birth):
    dossier = issued(birth)

    (item,) = StoreItem.objects.all()
    assert (item.owner, item.document_type, item.origin, item.origin_dossier) == (
        birth.citizen, birth.certificate, StoreItem.Origin.ISSUED, dossier)
    assert (item.number, item.issuer, item.issued_on) == (dossier.code, birth.department.name,
                                                          timezone.localdate(dossier.result_at))
    assert item.verified and item.verified_by == birth.leader and item.valid_until is None
    assert item.file.read() == PDF and item.sha256 and item.file.name != dossier.result_file.name


def test_a_paper_result_or_a_refusal_keeps_nothing(birth):
    dossier = at_decision(birth)
    services.approve_dossier(dossier=dossier, acting_user=birth.leader, expected_version=dossier.version)
    refused = at_decision(birth)
    services.refuse_result(dossier=refused, acting_user=birth.leader, reason="Không đủ điều kiện",
                           expected_version=refused.version)

    assert not StoreItem.objects.exists()


def test_the_filing_form_offers_the_stored_certificate_and_reuse_marks_the_document(birth):
    origin = issued(birth)
    draft = correction_draft(birth)

    offers = selectors.offers(birth.citizen, draft)
    assert list(offers) == [2] and [item.origin_dossier for item in offers[2]] == [origin]
    document = store.reuse_item(dossier=draft, item_id=offers[2][0].pk, document_order=2, acting_user=birth.citizen)

    assert (document.origin, document.verified, document.origin_reference) == (DocumentOrigin.STORE, True,
                                                                                origin.code)
    assert document.store_item_id == offers[2][0].pk and document.file.read() == PDF
    assert document.uploaded_by == birth.citizen and document.is_current
    entry = draft.audit_entries.get(action="document_attached")
    assert entry.data["store_item"] == offers[2][0].pk
    # The form's other document uploaded, the dossier is complete without uploading the certificate.
    services.attach_document(dossier=draft, acting_user=birth.citizen, document_order=1, upload=pdf())
    submitted = services.submit_dossier(dossier=draft, acting_user=birth.citizen, receiving_agency=birth.desk)
    assert submitted.state == Dossier.State.SUBMITTED


def test_nobody_reuses_an_item_that_is_not_theirs_or_for_another_document(birth):
    issued(birth)
    item = StoreItem.objects.get()
    someone_elses = services.create_draft(procedure=birth.correction, acting_user=birth.other_citizen)
    with pytest.raises(ValidationError):
        store.reuse_item(dossier=someone_elses, item_id=item.pk, document_order=2, acting_user=birth.other_citizen)
    draft = correction_draft(birth)
    with pytest.raises(ValidationError):
        store.reuse_item(dossier=draft, item_id=item.pk, document_order=1, acting_user=birth.citizen)
    assert selectors.offers(birth.other_citizen, someone_elses) == {}
    assert not draft.documents.exists() and not someone_elses.documents.exists()


def test_an_expired_item_is_listed_with_its_expiry_but_not_offered(birth):
    birth.certificate.validity_months = 6
    birth.certificate.save()
    issued(birth)
    item = StoreItem.objects.get()
    assert item.valid_until == store.valid_until(birth.certificate, item.issued_on)
    assert item.valid_until > item.issued_on + timedelta(days=180)
    StoreItem.objects.filter(pk=item.pk).update(valid_until=timezone.localdate() - timedelta(days=1))

    assert selectors.offers(birth.citizen, correction_draft(birth)) == {}
    item.refresh_from_db()
    assert item.expired


@pytest.mark.parametrize(("issued_on", "months", "until"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
], ids=["end-of-month", "a-year"])
def test_validity_counts_calendar_months(birth, issued_on, months, until):
    assert store.valid_until(DocumentType(validity_months=months), issued_on) == until


def test_an_own_scan_is_unverified_until_an_officer_checks_it_at_receipt(birth):
    scan = store.add_own_scan(owner=birth.citizen, document_type=birth.certificate, number="123/2001",
                              issuer="UBND phường Hạc Thành", issued_on=date(2001, 5, 4),
                              upload=SimpleUploadedFile("khai-sinh.png", PNG))
    assert (scan.verified, scan.origin, scan.content_type) == (False, StoreItem.Origin.OWN_SCAN, "image/png")
    draft = correction_draft(birth)
    document = store.reuse_item(dossier=draft, item_id=scan.pk, document_order=2, acting_user=birth.citizen)
    assert not document.verified
    services.attach_document(dossier=draft, acting_user=birth.citizen, document_order=1, upload=pdf())
    submitted = services.submit_dossier(dossier=draft, acting_user=birth.citizen, receiving_agency=birth.desk)

    with pytest.raises(services.NotPermitted):
        store.verify_document(document=document, acting_user=birth.specialist)
    store.verify_document(document=document, acting_user=birth.receiver)

    scan.refresh_from_db()
    document.refresh_from_db()
    assert (scan.verified, scan.verified_by, document.verified) == (True, birth.receiver, True)
    assert StoreItem.objects.count() == 1  # the scan itself became verified: no second copy
    assert submitted.audit_entries.filter(action="document_verified", actor=birth.receiver).exists()


def test_a_bad_scan_is_refused_and_nothing_is_kept(birth):
    with pytest.raises(ValidationError) as refused:
        store.add_own_scan(owner=birth.citizen, document_type=birth.certificate,
                           upload=SimpleUploadedFile("khai-sinh.pdf", b"MZ\x90\x00 an executable"))
    assert refused.value.code == "bad_type" and not StoreItem.objects.exists()


def test_a_document_verified_at_receipt_is_kept_typed_in_the_applicants_store(birth):
    draft = correction_draft(birth)
    services.attach_document(dossier=draft, acting_user=birth.citizen, document_order=1, upload=pdf())
    uploaded = services.attach_document(dossier=draft, acting_user=birth.citizen, document_order=2,
                                        upload=pdf("giay-khai-sinh.pdf"))
    submitted = services.submit_dossier(dossier=draft, acting_user=birth.citizen, receiving_agency=birth.desk)

    form, untyped = store.verify_document(document=submitted.documents.get(document_order=1),
                                          acting_user=birth.receiver)
    _document, item = store.verify_document(document=uploaded, acting_user=birth.receiver, number="45/2001",
                                            issuer="UBND xã Hoằng Hóa", issued_on=date(2001, 3, 2))

    assert form.verified and untyped is None  # the application form is no paper the state issues
    assert (item.origin, item.document_type, item.number, item.origin_dossier) == (
        StoreItem.Origin.VERIFIED_AT_RECEIPT, birth.certificate, "45/2001", submitted)
    assert (item.owner, item.verified_by) == (birth.citizen, birth.receiver)
    # Received, the dossier's documents are no longer checked at the desk.
    received = services.receive_dossier(dossier=submitted, acting_user=birth.receiver)
    with pytest.raises(services.InvalidTransition):
        store.verify_document(document=received.documents.get(document_order=1), acting_user=birth.receiver)


def test_officers_open_a_store_item_only_while_handling_a_dossier_of_its_owner_and_each_read_is_logged(birth, client):
    issued(birth)
    item = StoreItem.objects.get()
    draft = correction_draft(birth)
    services.attach_document(dossier=draft, acting_user=birth.citizen, document_order=1, upload=pdf())
    store.reuse_item(dossier=draft, item_id=item.pk, document_order=2, acting_user=birth.citizen)
    dossier = services.submit_dossier(dossier=draft, acting_user=birth.citizen, receiving_agency=birth.desk)
    address = reverse("admin:workflows_dossier_store_item", args=[dossier.pk, item.pk])

    client.force_login(birth.receiver)
    page = client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    opened = client.get(address)
    assert 'data-origin="store" data-verified="yes"' in page.content.decode()
    assert opened.status_code == 200 and b"".join(opened.streaming_content) == PDF
    (read,) = StoreAccess.objects.all()
    assert (read.officer, read.item, read.dossier, read.purpose) == (birth.receiver, item, dossier, "receipt")

    # An officer of a desk that does not handle the dossier, the citizen's other dossier once closed: refused.
    client.force_login(birth.other_receiver)
    assert client.get(address).status_code == 404
    client.force_login(birth.receiver)
    services.refuse_dossier(dossier=dossier, acting_user=birth.receiver, reason="Sai thủ tục")
    assert client.get(address).status_code == 403
    # Someone else's dossier does not open this citizen's store.
    other = services.submit_dossier(dossier=services.create_draft(procedure=birth.procedure,
                                                                  acting_user=birth.other_citizen),
                                    acting_user=birth.other_citizen, receiving_agency=birth.desk)
    assert client.get(reverse("admin:workflows_dossier_store_item", args=[other.pk, item.pk])).status_code == 403
    assert StoreAccess.objects.count() == 1


def test_the_portal_shows_a_citizen_their_own_store_only(birth, client):
    issued(birth)
    item = StoreItem.objects.get()
    client.force_login(birth.citizen)
    listing = client.get(reverse("citizens:store"))
    assert listing.status_code == 200 and f'id="store-item-{item.pk}"' in listing.content.decode()
    download = client.get(reverse("citizens:store-file", args=[item.pk]))
    assert b"".join(download.streaming_content) == PDF

    client.force_login(birth.other_citizen)
    assert f'id="store-item-{item.pk}"' not in client.get(reverse("citizens:store")).content.decode()
    assert client.get(reverse("citizens:store-file", args=[item.pk])).status_code == 404


def test_the_portal_refuses_a_scan_with_a_validity_ending_before_its_issue(birth, client):
    client.force_login(birth.citizen)
    response = client.post(reverse("citizens:store"), {
        "document_type": birth.certificate.pk, "issued_on": "2020-05-04", "valid_until": "2020-01-01",
        "file": SimpleUploadedFile("khai-sinh.pdf", PDF)})
    assert response.status_code == 400 and not StoreItem.objects.exists()


def test_the_digitisation_indicators_count_reuse_and_electronic_results(birth):
    issued(birth)
    item = StoreItem.objects.get()
    reusing = correction_draft(birth)
    services.attach_document(dossier=reusing, acting_user=birth.citizen, document_order=1, upload=pdf())
    store.reuse_item(dossier=reusing, item_id=item.pk, document_order=2, acting_user=birth.citizen)
    uploading = correction_draft(birth)
    for order in (1, 2):
        services.attach_document(dossier=uploading, acting_user=birth.citizen, document_order=order, upload=pdf())
    for draft in (reusing, uploading):
        dossier = services.submit_dossier(dossier=draft, acting_user=birth.citizen, receiving_agency=birth.desk)
        services.receive_dossier(dossier=dossier, acting_user=birth.receiver)

    today = timezone.localdate()
    (row,) = indicators.report(Period(today, today), procedure=birth.correction)
    assert (row.figures.components, row.figures.components_replaced, row.figures.dossiers_reusing) == (4, 1, 1)
    assert row.figures["data_replaced_rate"] == 1 / 4
    assert row.figures["data_reused_rate"] == 1 / 2
    (issuing,) = indicators.report(Period(today, today), procedure=birth.procedure)
    assert issuing.figures["electronic_result_rate"] == 1


def test_the_store_page_reads_a_fixed_number_of_queries_however_many_items(birth, client,
                                                                           django_assert_max_num_queries):
    for number in range(5):
        store.add_own_scan(owner=birth.citizen, document_type=birth.certificate, number=f"{number}/2001",
                           upload=SimpleUploadedFile("khai-sinh.pdf", PDF))
    issued(birth)
    client.force_login(birth.citizen)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("citizens:store"))
    assert page.content.decode().count('id="store-item-') == 6


def test_the_receiving_officer_verifies_a_document_from_the_dossiers_page(birth, client):
    draft = correction_draft(birth)
    services.attach_document(dossier=draft, acting_user=birth.citizen, document_order=1, upload=pdf())
    uploaded = services.attach_document(dossier=draft, acting_user=birth.citizen, document_order=2,
                                        upload=pdf("giay-khai-sinh.pdf"))
    dossier = services.submit_dossier(dossier=draft, acting_user=birth.citizen, receiving_agency=birth.desk)
    address = reverse("admin:workflows_dossier_verify_document", args=[dossier.pk, uploaded.pk])

    client.force_login(birth.specialist)
    client.post(address, {"number": "45/2001"})
    assert not StoreItem.objects.exists()
    client.force_login(birth.receiver)
    assert f'id="verify-{uploaded.pk}"' in client.get(
        reverse("admin:workflows_dossier_change", args=[dossier.pk])).content.decode()
    refused = client.post(address, {"issued_on": "not a date"})
    answer = client.post(address, {"number": "45/2001", "issuer": "UBND xã Hoằng Hóa", "issued_on": "2001-03-02"})

    assert refused.status_code == answer.status_code == 302
    item = StoreItem.objects.get()
    assert (item.number, item.issuer, item.issued_on, item.owner) == ("45/2001", "UBND xã Hoằng Hóa",
                                                                      date(2001, 3, 2), birth.citizen)
    uploaded.refresh_from_db()
    assert uploaded.verified
