"""The national public service portal's sync: every dossier and each of its changes reach the portal (its
simulator, served by the live server) once and in order, through outages; dossiers filed on the portal are taken in
once, with their documents, and their statuses go back; the indicators count what the portal acknowledged."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from tests.brokers import wait_for, worker_on_own_queue
from tests.office import PDF, open_for_online_filing, with_fees
from workflows.dossiers import services as dossiers
from workflows.dossiers.models import DocumentOrigin, Dossier, DossierDocument, OutboxEvent
from workflows.dossiers.states import State
from workflows.integrations.models import NationalPortalChange, NationalPortalSync
from workflows.integrations.national_portal import inbound, services, wire
from workflows.integrations.national_portal import tasks as sync_tasks
from workflows.integrations.simulators.models import (
    OfferedDocument,
    OfferedDossier,
    PortalDossier,
    PortalMessage,
    PortalSwitch,
)
from workflows.notifications.tasks import relay_outbox
from workflows.payments.models import Payment
from workflows.reporting import indicators
from workflows.reporting.periods import Period

# The portal's statuses as DOMAIN.md lists them ("The national systems").
PORTAL_STATUS = {
    State.SUBMITTED: 1, State.RECEIVED: 2, State.REFUSED: 3, State.PROCESSING: 4, State.CONSULTING: 4,
    State.INCOMPLETE: 5, State.PAUSED: 5, State.FEES_DUE: 6, State.WITHDRAWAL_REQUESTED: 7, State.STOPPED: 8,
    State.WITHDRAWN: 8, State.RESULT_READY: 9, State.RETURNED: 10, State.DRAFT: None,
}


@pytest.mark.parametrize("state", list(State), ids=str)
def test_each_state_maps_to_the_portals_numeric_status(state):
    assert wire.status(state) == PORTAL_STATUS[state]


@pytest.fixture
def portal(live_server, settings, office):
    """The portal's simulator on the live server, answering normally, with the province's credentials."""
    settings.NATIONAL_PORTAL_URL = f"{live_server.url}/mo-phong/cong-dvc/"
    settings.NATIONAL_PORTAL_USERNAME, settings.NATIONAL_PORTAL_PASSWORD = "onestop", "mat-khau-dong-bo"
    set_mode(PortalSwitch.Mode.UP)
    return office


def set_mode(mode):
    PortalSwitch.objects.update_or_create(pk=1, defaults={"mode": mode})


def filed(office):
    draft = dossiers.create_draft(procedure=office.procedure, acting_user=office.receiver,
                                  applicant={"name": "Trần Văn Bình", "identity_number": "001090012345",
                                             "phone": "0987654321", "address": "5 Lê Lợi, Thanh Hóa"})
    return dossiers.submit_dossier(dossier=draft, acting_user=office.receiver)


def whole_life(office, dossier):
    dossier = dossiers.receive_dossier(dossier=dossier, acting_user=office.receiver)
    for officer in (office.receiver, office.specialist, office.head):
        dossier = dossiers.hand_over(dossier=dossier, acting_user=officer)
    dossier = dossiers.approve_dossier(dossier=dossier, acting_user=office.leader)
    return dossiers.return_result(dossier=dossier, acting_user=office.result_desk)


def relay_and_send():
    """What the workers do: the relay queues the changes, then each due dossier's changes are sent."""
    relay_outbox()
    for dossier_id in NationalPortalSync.objects.filter(
            status__in=["pending", "retrying"], next_try_at__lte=timezone.now()).values_list("dossier_id", flat=True):
        sync_tasks.sync_dossier(dossier_id)


def statuses_held(code):
    return list(PortalMessage.objects.filter(dossier__code=code).order_by("pk").values_list("status", flat=True))


def make_due(**filters):
    """Moves the next try (and the task's expected run) into the past, as if the backoff had passed."""
    NationalPortalSync.objects.filter(**filters).update(next_try_at=F("next_try_at") - timedelta(hours=2),
                                                        queued_at=F("queued_at") - timedelta(hours=2))


def test_the_portal_holds_the_dossier_with_every_state_it_went_through_in_order(portal):
    dossier = filed(portal)
    relay_and_send()
    dossier = whole_life(portal, dossier)
    relay_and_send()

    assert statuses_held(dossier.code) == [1, 2, 4, 4, 4, 9, 10]
    held = PortalDossier.objects.get(code=dossier.code)
    assert held.status == 10 and held.procedure_code == "1.009974"
    # Added once, then updated; each record carries the history up to its change, with times and actors.
    assert list(held.messages.values_list("updating", flat=True)) == [False] + [True] * 6
    assert list(held.messages.values_list("history_length", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    history = held.record["QuaTrinhXuLy"]
    assert [step["TrangThai"] for step in history] == [1, 2, 4, 4, 4, 9, 10]
    assert history[4]["NguoiXuLy"] == "truongphong" and history[4]["ChucDanh"] == "department_head"
    assert history[4]["PhongBanXuLy"] == "Sở Xây dựng" and len(history[4]["ThoiDiemXuLy"]) == 14
    assert held.record["LoaiDoiTuong"] == wire.CITIZEN
    assert held.record["DinhDanhCHS"] == [{"LoaiDinhDanh": 1, "SoDinhDanh": "001090012345"}]
    assert held.record["KenhThucHien"] == 1  # at a desk
    sync = NationalPortalSync.objects.get(dossier=dossier)
    assert (sync.status, sync.attempts, sync.last_error) == ("synced", 0, "")
    assert not NationalPortalChange.objects.filter(dossier=dossier, acknowledged_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_record_carries_fees_paid_online_the_vneid_sign_in_and_document_flags(office):
    open_for_online_filing(with_fees(office, amount=150_000))
    draft = dossiers.create_draft(procedure=office.procedure, acting_user=office.citizen,
                                  form_data={"dia_chi_cong_trinh": "12 Lê Lợi", "dien_tich": "80",
                                             "so_dinh_danh_chu_dau_tu": "038195001234"})
    document = dossiers.attach_document(dossier=draft, acting_user=office.citizen, document_order=2,
                                        upload=SimpleUploadedFile("ban-ve.pdf", PDF, content_type="application/pdf"))
    dossier = dossiers.submit_dossier(dossier=draft, acting_user=office.citizen, receiving_agency=office.desk)
    Dossier.objects.filter(pk=dossier.pk).update(national_sign_in_level=2)  # signed in with VNeID, level 2
    relay_outbox()
    change = NationalPortalChange.objects.get(dossier=dossier)

    unpaid = services.record(change, updating=False)["data"][0]
    assert (unpaid["ThanhToanTrucTuyen"], unpaid["TongPhiLePhi"], unpaid["DaNopPhiLePhi"]) == (False, 150_000, 0)
    [fee] = unpaid["DanhSachLePhi"]
    assert (fee["TenPhiLePhi"], fee["Gia"]) == ("Lệ phí cấp giấy phép xây dựng", 150_000)
    assert unpaid["DangNhapVNeID"] is True and unpaid["MucDoXacThucVNeID"] == 2
    assert unpaid["KenhThucHien"] == 3 and unpaid["TrangThaiHoSo"] == 1
    assert unpaid["TaiLieuNop"] == [{"MaTaiLieu": str(document.pk), "TenTepDinhKem": "Bản vẽ thiết kế xây dựng",
                                     "MaThanhPhanHoSo": 2, "DuocSoHoa": True, "DuocTaiSuDung": False,
                                     "DuocLayTuKhoDMQG": False}]

    # Paid through the payment platform (its callback is the payments' own business, tested there).
    Payment.objects.create(dossier=dossier, amount=150_000, method=Payment.Method.ONLINE, reference="PAY-1",
                           paid_at=timezone.now())
    assert services.record(change, updating=True)["data"][0]["ThanhToanTrucTuyen"] is True
    Dossier.objects.filter(pk=dossier.pk).update(national_sign_in_level=0)
    assert services.record(change, updating=True)["data"][0]["DangNhapVNeID"] is False
    # A document taken from the applicant's store is flagged as reused.
    DossierDocument.objects.filter(pk=document.pk).update(origin=DocumentOrigin.STORE)
    [reused] = services.record(change, updating=True)["data"][0]["TaiLieuNop"]
    assert (reused["DuocSoHoa"], reused["DuocTaiSuDung"]) == (True, True)


def test_already_exists_means_the_record_is_sent_again_as_an_update(portal):
    dossier = filed(portal)
    # The portal holds it already: an earlier add whose answer was lost on the way.
    PortalDossier.objects.create(code=dossier.code, procedure_code="1.009974", applicant="?", status=1)
    relay_and_send()

    assert list(PortalMessage.objects.filter(dossier__code=dossier.code).values_list("status", "updating")) == [
        (1, True)]
    assert NationalPortalSync.objects.get(dossier=dossier).status == "synced"


def test_a_failure_is_recorded_and_retried_with_exponential_backoff(portal, settings):
    settings.NATIONAL_PORTAL_RETRY_BASE_SECONDS = 30
    set_mode(PortalSwitch.Mode.DOWN)
    dossier = filed(portal)
    before = timezone.now()
    relay_and_send()

    sync = NationalPortalSync.objects.get(dossier=dossier)
    assert (sync.status, sync.attempts) == ("retrying", 1) and "HTTP 503" in sync.last_error
    assert timedelta(seconds=29) < sync.next_try_at - before < timedelta(seconds=40)
    assert sync_tasks.sync_dossier(dossier.pk) == "not due"  # a task run early sends nothing

    set_mode(PortalSwitch.Mode.BUSY)
    make_due(dossier=dossier)
    before = timezone.now()
    sync_tasks.sync_dossier(dossier.pk)
    sync.refresh_from_db()
    assert (sync.status, sync.attempts) == ("retrying", 2) and "error_code 99" in sync.last_error
    assert timedelta(seconds=59) < sync.next_try_at - before < timedelta(seconds=70)
    assert statuses_held(dossier.code) == []

    set_mode(PortalSwitch.Mode.UP)
    make_due(dossier=dossier)
    assert sync_tasks.sweep_national_sync() == 1
    sync_tasks.sync_dossier(dossier.pk)  # the task the sweep handed out
    sync.refresh_from_db()
    assert (sync.status, sync.attempts, sync.last_error) == ("synced", 0, "")
    assert statuses_held(dossier.code) == [1]


def test_a_refused_record_holds_back_later_changes_until_an_administrator_retries(portal, admin_client_logged_in):
    set_mode(PortalSwitch.Mode.REFUSING)
    dossier = filed(portal)
    relay_and_send()
    sync = NationalPortalSync.objects.get(dossier=dossier)
    assert sync.status == "refused" and "error_code 1" in sync.last_error

    dossiers.receive_dossier(dossier=dossier, acting_user=portal.receiver)
    set_mode(PortalSwitch.Mode.UP)
    make_due(dossier=dossier)
    relay_and_send()
    assert statuses_held(dossier.code) == []  # the receipt waits behind the refused filing

    listing = admin_client_logged_in.get("/admin/integrations/nationalportalsync/?failing=yes")
    assert listing.status_code == 200 and dossier.code in listing.content.decode()
    response = admin_client_logged_in.post("/admin/integrations/nationalportalsync/",
                                           {"action": "retry_now", "_selected_action": [sync.pk]})
    assert response.status_code == 302
    relay_and_send()
    assert statuses_held(dossier.code) == [1, 2]
    detail = admin_client_logged_in.get(f"/admin/integrations/nationalportalsync/{sync.pk}/change/").content.decode()
    assert "submit → submitted" in detail and "receive → received" in detail and "—" not in detail.split("<ol>")[1]


def test_a_change_waits_while_an_earlier_one_of_its_dossier_is_still_in_the_outbox(portal):
    dossier = filed(portal)
    relay_outbox()
    # A later change commits, and a send starts before the relay took the later event in: it waits.
    OutboxEvent.objects.filter(dossier=dossier).update(relayed_at=None)
    outcome = services.send_changes(dossier.pk)
    assert outcome.retry_in == services.WAIT_FOR_RELAY and statuses_held(dossier.code) == []

    dossiers.receive_dossier(dossier=dossier, acting_user=portal.receiver)
    make_due(dossier=dossier)
    relay_and_send()
    assert statuses_held(dossier.code) == [1, 2]
    # Relaying the same events again queues nothing twice.
    OutboxEvent.objects.filter(dossier=dossier).update(relayed_at=None)
    relay_and_send()
    assert NationalPortalChange.objects.filter(dossier=dossier).count() == 2 and statuses_held(dossier.code) == [1, 2]


def test_a_change_queued_while_a_worker_finishes_sending_is_not_left_behind(portal):
    dossier = filed(portal)
    relay_outbox()
    sync = services._claim(dossier.pk)
    # The worker sent what it found; before it records the dossier as synced, the relay queues the receipt.
    NationalPortalChange.objects.filter(dossier=dossier).update(acknowledged_at=timezone.now())
    dossiers.receive_dossier(dossier=dossier, acting_user=portal.receiver)
    relay_outbox()
    outcome = services._finish(sync, NationalPortalSync.Status.SYNCED, 1)
    assert (outcome.status, outcome.retry_in) == ("pending", 0)
    sync_tasks.sync_dossier(dossier.pk)
    assert statuses_held(dossier.code) == [2]  # the filing was acknowledged by hand above
    assert NationalPortalSync.objects.get(dossier=dossier).status == "synced"


def test_after_an_outage_every_change_arrives_once_in_order_through_a_real_worker(portal, settings):
    """The portal is down while officers act on three dossiers; once it is back and the sweep has run, each
    dossier's changes arrive once each, in the order they happened."""
    settings.NATIONAL_PORTAL_SWEEP_AFTER_SECONDS = 0
    set_mode(PortalSwitch.Mode.DOWN)
    with worker_on_own_queue():
        first, second, third = filed(portal), filed(portal), filed(portal)
        first = dossiers.receive_dossier(dossier=first, acting_user=portal.receiver)
        second = dossiers.refuse_dossier(dossier=second, acting_user=portal.receiver, reason="Không thuộc thẩm quyền")
        first = dossiers.hand_over(dossier=first, acting_user=portal.receiver)
        third = dossiers.receive_dossier(dossier=third, acting_user=portal.receiver)
        first = dossiers.hand_over(dossier=first, acting_user=portal.specialist)
        third = dossiers.request_supplement(dossier=dossiers.hand_over(dossier=third, acting_user=portal.receiver),
                                            acting_user=portal.specialist, missing="Bản vẽ mặt bằng")
        assert wait_for(lambda: NationalPortalSync.objects.filter(status="retrying").count() == 3
                        and not OutboxEvent.objects.filter(relayed_at__isnull=True).exists(), seconds=30)
        assert PortalMessage.objects.count() == 0

        set_mode(PortalSwitch.Mode.UP)
        make_due()
        assert sync_tasks.sweep_national_sync() == 3
        assert wait_for(lambda: NationalPortalSync.objects.filter(status="synced").count() == 3, seconds=30)

    assert statuses_held(first.code) == [1, 2, 4, 4]
    assert statuses_held(second.code) == [1, 3]
    assert statuses_held(third.code) == [1, 2, 4, 5]
    assert PortalMessage.objects.count() == NationalPortalChange.objects.count() == 10


def test_the_reconciliation_lists_what_the_portal_has_not_acknowledged_and_resends_it(portal, capsys):
    synced, refused = filed(portal), filed(portal)
    relay_and_send()
    # Filed before the sync existed: nothing was ever queued for it.
    never = filed(portal)
    OutboxEvent.objects.filter(dossier=never).update(relayed_at=timezone.now())
    NationalPortalChange.objects.filter(dossier=refused).update(acknowledged_at=None)
    NationalPortalSync.objects.filter(dossier=refused).update(status="refused", last_acknowledged=None,
                                                              last_error="error_code 1: Dữ liệu không hợp lệ")

    call_command("reconcile_national_portal")
    output = capsys.readouterr().out
    assert synced.code not in output
    assert f"{never.code}\tonestop=1\tportal=-\tnever queued" in output
    assert f"{refused.code}\tonestop=1\tportal=-\trefused\terror_code 1" in output

    call_command("reconcile_national_portal", "--resend")
    relay_and_send()
    call_command("reconcile_national_portal")
    assert "0 dossiers differ" in capsys.readouterr().out.splitlines()[-1]
    assert statuses_held(never.code) == [1]


def offer(portal_id="G22.261203.000042", documents=(1, 2)):
    offered = OfferedDossier.objects.create(
        portal_id=portal_id, procedure_code="1.009974", sign_in_level=2,
        applicant={"name": "Lê Thị Hoa", "identity_number": "038195009876", "phone": "0911222333",
                   "email": "hoa@example.vn"},
        form_data={"dia_chi_cong_trinh": "7 Trần Phú", "dien_tich": "95", "so_dinh_danh_chu_dau_tu": "038195009876"})
    for order in documents:
        OfferedDocument.objects.create(dossier=offered, order=order, name=f"Tài liệu {order}",
                                       filename=f"tai-lieu-{order}.pdf", content=PDF)
    return offered


def test_a_dossier_filed_on_the_portal_is_taken_in_once_with_its_documents_and_its_status_goes_back(portal):
    open_for_online_filing(portal)
    offer()
    pulled = inbound.pull()
    assert len(pulled.taken) == 1 and not pulled.refused
    assert len(inbound.pull().taken) == 0  # offered again before its status came back: not taken twice

    dossier = Dossier.objects.get(national_portal_id="G22.261203.000042")
    assert (dossier.state, dossier.channel, dossier.receiving_agency) == ("submitted", "integrated", portal.desk)
    assert (dossier.applicant_name, dossier.applicant_identity_number, dossier.national_sign_in_level) == (
        "Lê Thị Hoa", "038195009876", 2)
    assert sorted(dossier.documents.values_list("document_order", "size")) == [(1, len(PDF)), (2, len(PDF))]
    assert dossier.filed_by.username == "cong-dvc-quoc-gia" and not dossier.filed_by.has_usable_password()

    relay_and_send()
    dossiers.receive_dossier(dossier=dossier, acting_user=portal.receiver)
    relay_and_send()
    held = PortalDossier.objects.get(code=dossier.code)
    assert held.portal_id == "G22.261203.000042" and statuses_held(dossier.code) == [1, 2]
    assert OfferedDossier.objects.get().taken_at is not None
    assert inbound.pull().taken == [] and Dossier.objects.filter(national_portal_id__isnull=False).count() == 1


def test_an_offered_dossier_that_cannot_be_filed_is_refused_with_its_reason_and_nothing_is_kept(portal):
    open_for_online_filing(portal)
    offer(documents=(1,))  # the drawing (document 2) is required
    OfferedDossier.objects.create(portal_id="G22.X", procedure_code="9.999999", applicant={"name": "A"})
    pulled = inbound.pull()
    assert pulled.taken == []
    assert "Bản vẽ thiết kế xây dựng" in pulled.refused["G22.261203.000042"]
    assert "9.999999" in pulled.refused["G22.X"]
    assert not Dossier.objects.exists()


def test_the_indicators_count_the_dossiers_the_portal_acknowledged(portal):
    acknowledged, not_yet = (dossiers.receive_dossier(dossier=filed(portal), acting_user=portal.receiver)
                             for _ in range(2))
    relay_outbox()
    sync_tasks.sync_dossier(acknowledged.pk)
    today = timezone.localdate()

    [row] = indicators.report(Period.month(today.year, today.month))
    figures = row.figures
    assert figures["national_sync_rate"] == 0.5
    # Both were filed at a desk: no online dossier, whatever the sync.
    assert figures["online_dossier_rate"] == 0
