"""The service indicators against a small province counted by hand: October 2026 at a department and a ward, with
a paused dossier, an apology, a withdrawal, a refusal at receipt and a lapsed supplement request. The figures are
the same counted live, from the nightly tallies, or from both."""

import csv
import re
from datetime import date, datetime
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from procedures.models import Agency, Procedure
from procedures.services import publish_procedure_version
from tests.api.conftest import Integrator
from tests.factories import AgencyFactory, CommuneFactory, FeeFactory, ProcedureFactory, RequiredDocumentFactory
from tests.office import pdf
from workflows.dossiers import services
from workflows.payments.models import Payment
from workflows.reporting import indicators, tallies
from workflows.reporting.periods import Period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OCTOBER = Period.month(2026, 10)
NOW = datetime(2026, 11, 5, 9, 0, tzinfo=TZ)


def at(month, day, hour=9, minute=0):
    return time_machine.travel(datetime(2026, month, day, hour, minute, tzinfo=TZ), tick=False)


class Province:
    """The office's department with its construction permit (full online, a fee), and a ward's committee with a
    birth registration (partial online, a fee), both received at the service centre's desk."""

    def __init__(self, office, django_user_model):
        self.office = office
        FeeFactory(procedure=office.procedure, amount=150_000)
        publish_procedure_version(procedure=office.procedure)
        self.ward = CommuneFactory(name="Phường Hạc Thành")
        self.committee = AgencyFactory(code="000.01.01.H56", name="UBND phường Hạc Thành",
                                       kind=Agency.Kind.COMMUNE_COMMITTEE, unit=self.ward)
        self.birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", level=Procedure.Level.COMMUNE,
                                      competent_agency=None, competent_agency_kind="commune_committee",
                                      online_level=Procedure.OnlineLevel.PARTIAL)
        FeeFactory(procedure=self.birth, amount=50_000)
        RequiredDocumentFactory(procedure=self.birth, order=1, name="Giấy chứng sinh", is_required=False)
        publish_procedure_version(procedure=self.birth)
        self.ward_specialist = office.staff("congchuc-phuong", self.committee, "specialist")
        self.ward_leader = office.staff("chutich-phuong", self.committee, "agency_leader")
        self.integrator = django_user_model.objects.create_user("he-thong-lien-thong", "api@example.vn", "x")

    def online(self, procedure=None, *, upload=False):
        procedure = procedure or self.office.procedure
        draft = services.create_draft(procedure=procedure, acting_user=self.office.citizen,
                                      commune=self.ward if procedure == self.birth else None)
        if upload:
            services.attach_document(dossier=draft, acting_user=self.office.citizen, document_order=1, upload=pdf())
        return services.submit_dossier(dossier=draft, acting_user=self.office.citizen,
                                       receiving_agency=self.office.desk)

    def at_counter(self, procedure=None):
        procedure = procedure or self.office.procedure
        return self.receive(services.file_dossier(
            procedure=procedure, acting_user=self.office.receiver, form_data={},
            applicant={"name": "Lê Văn Nam", "identity_number": "038090001111"},
            commune=self.ward if procedure == self.birth else None))

    def integrated(self):
        draft = services.create_draft(procedure=self.office.procedure, acting_user=self.integrator, integrated=True,
                                      applicant={"name": "Trần Thị Hoa", "identity_number": "038190002222"})
        return services.submit_dossier(dossier=draft, acting_user=self.integrator, receiving_agency=self.office.desk)

    def receive(self, dossier):
        return services.receive_dossier(dossier=dossier, acting_user=self.office.receiver)

    def to_specialist(self, dossier):
        return services.hand_over(dossier=dossier, acting_user=self.office.receiver)

    def decide(self, dossier, *, refuse=False, result=False):
        office = self.office
        at_the_ward = dossier.procedure == self.birth
        actors = {"receiving_officer": office.receiver,
                  "specialist": self.ward_specialist if at_the_ward else office.specialist,
                  "department_head": office.head}
        dossier.refresh_from_db()
        while dossier.current_step["role"] != "agency_leader":
            dossier = services.hand_over(dossier=dossier, acting_user=actors[dossier.current_step["role"]])
        leader = self.ward_leader if at_the_ward else office.leader
        if refuse:
            return services.refuse_result(dossier=dossier, acting_user=leader, reason="Không đủ điều kiện")
        return services.approve_dossier(dossier=dossier, acting_user=leader,
                                        result_file=pdf("ket-qua.pdf") if result else None)

    def hand_back_and_rate(self, dossier, score):
        dossier = services.return_result(dossier=dossier, acting_user=self.office.result_desk)
        services.rate_service(dossier=dossier, acting_user=self.office.citizen, score=score)


@pytest.fixture
def province(office, django_user_model, settings):
    settings.ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS = 2
    province = Province(office, django_user_model)
    office_ = province.office
    dossiers = {}

    # D9: at the counter in September, settled on time on 2 October.
    with at(9, 28):
        dossiers["D9"] = province.at_counter()
    with at(10, 2, 10):
        province.decide(dossiers["D9"])
    # D1: online with its file, paid online, settled on time with an electronic result, returned and rated 5.
    with at(10, 1):
        dossiers["D1"] = province.receive(province.online(upload=True))
        Payment.objects.create(dossier=dossiers["D1"], amount=150_000, method="online", reference="VNPAY-1",
                               paid_at=dossiers["D1"].received_at)
    with at(10, 6, 10):
        province.decide(dossiers["D1"], result=True)
    with at(10, 6, 11):
        province.hand_back_and_rate(dossiers["D1"], 5)
    # D2: online, paid at the desk, refused as not eligible after its deadline (8 October), rated 2.
    with at(10, 1):
        dossiers["D2"] = province.receive(province.online())
        Payment.objects.create(dossier=dossiers["D2"], amount=150_000, method="desk", paid_at=NOW)
    with at(10, 12, 10):
        province.decide(dossiers["D2"], refuse=True)
    with at(10, 12, 11):
        province.hand_back_and_rate(dossiers["D2"], 2)
    # D7: online, refused at receipt.
    with at(10, 2):
        dossiers["D7"] = services.refuse_dossier(dossier=province.online(), acting_user=office_.receiver,
                                                 reason="Không thuộc thẩm quyền")
    # D3: online with its file; a week waiting for the applicant keeps it on time.
    with at(10, 5):
        dossiers["D3"] = province.to_specialist(province.receive(province.online(upload=True)))
    with at(10, 6):
        services.request_supplement(dossier=dossiers["D3"], acting_user=office_.specialist, missing="Bản vẽ")
    with at(10, 13):
        services.attach_document(dossier=dossiers["D3"], acting_user=office_.citizen, name="Bản vẽ", upload=pdf())
        services.supply_supplement(dossier=dossiers["D3"], acting_user=office_.citizen)
    with at(10, 14, 10):
        province.decide(dossiers["D3"])
    # D4: at the counter; an apology on its last day makes it late though decided before the deadline.
    with at(10, 7):
        dossiers["D4"] = province.at_counter()
    with at(10, 14):
        services.apologise(dossier=dossiers["D4"], acting_user=office_.leader, reason="Cần xác minh thêm",
                           new_appointment=datetime(2026, 10, 16, 17, 0, tzinfo=TZ))
    with at(10, 14, 10):
        province.decide(dossiers["D4"])
    # D8: online, withdrawn the next day: the applicant asks in the morning, the leader accepts at noon.
    with at(10, 8):
        dossiers["D8"] = province.receive(province.online())
    with at(10, 9):
        dossiers["D8"] = services.withdraw_dossier(dossier=dossiers["D8"], acting_user=office_.citizen,
                                                   reason="Nộp nhầm")
    with at(10, 9, 11):
        services.accept_withdrawal(dossier=dossiers["D8"], acting_user=office_.leader)
    # D10: online, waiting for the applicant since 16 October: its old deadline passing does not make it late.
    with at(10, 15):
        dossiers["D10"] = province.to_specialist(province.receive(province.online()))
    with at(10, 16):
        services.request_supplement(dossier=dossiers["D10"], acting_user=office_.specialist, missing="Bản sao")
    # D11: online, the supplement asked for on 20 October never came: stopped on 23 October.
    with at(10, 19):
        dossiers["D11"] = province.to_specialist(province.receive(province.online()))
    with at(10, 20):
        services.request_supplement(dossier=dossiers["D11"], acting_user=office_.specialist, missing="Bản sao")
    services.lapse_supplement_request(dossier_id=dossiers["D11"].pk, now=datetime(2026, 10, 23, 9, tzinfo=TZ))
    # D5: online, due 27 October, still in progress: late.
    with at(10, 20):
        dossiers["D5"] = province.receive(province.online())
    # D12: the ward's birth registration online with its file, paid online, settled with an electronic result,
    # returned and rated 4.
    with at(10, 21):
        dossiers["D12"] = province.receive(province.online(province.birth, upload=True))
        Payment.objects.create(dossier=dossiers["D12"], amount=50_000, method="online", reference="VNPAY-12",
                               paid_at=dossiers["D12"].received_at)
    with at(10, 23, 10):
        province.decide(dossiers["D12"], result=True)
    with at(10, 23, 11):
        dossiers["D12"].refresh_from_db()
        services.return_result(dossier=dossiers["D12"], acting_user=office_.result_desk)
    with at(10, 26):
        services.rate_service(dossier=dossiers["D12"], acting_user=office_.citizen, score=4)
    # D13: the ward's birth registration at the counter, due 29 October, still in progress: late.
    with at(10, 22):
        dossiers["D13"] = province.at_counter(province.birth)
    # D6: from an integrated system on 28 October, due 4 November: on time at the end of October.
    with at(10, 28):
        dossiers["D6"] = province.receive(province.integrated())
    province.dossiers = dossiers
    return province


HAND_COUNTED = {
    # D1 D2 D3 D4 D5 D6 D8 D10 D11 D12 D13 received; D7 refused at receipt; D9 received in September.
    "received": 11, "received_online": 8, "received_counter": 2, "received_integrated": 1,
    # On time: D1 D3 (its pause excluded) D9 D12; late: D2 (after its deadline), D4 (apologised).
    "settled_on_time": 4, "settled_late": 2,
    # At the end of October: D5 and D13 past their deadline; D6 in time, D10 waiting for the applicant.
    "in_progress_on_time": 2, "in_progress_late": 2,
    "refused": 1, "withdrawn": 1, "stopped": 1,
    # Working minutes taken, counted from the working day after receipt (480 minutes a day): D1 1140 (Fri, Mon,
    # Tue to 10:00), D2 3060, D3 660 (120 + 540 around the pause), D4 2100, D9 1620, D12 660;
    # 9,240 ÷ 6 dossiers ÷ 480 minutes a day. Rounded up to days: 2 2 3 4 5 7, the middle one is 3.
    "average_days": 9_240 / 6 / 480, "median_days": 3,
    # Handled: 6 settled + 4 in progress + D8 withdrawn and D11 stopped after receipt = 12;
    # on time: 4 settled + 2 in progress in time.
    "handled": 12, "closed_undecided": 2,
    "on_time_rate": 6 / 12,
    # Online or integrated: 9 of 11 (D4 and D13 at the counter); none asked for its result online. None reached
    # the national portal: the online-dossier rate, multiplied by the sync rate, earns nothing.
    "online_filing_rate": 9 / 11, "national_sync_rate": 0 / 11, "online_dossier_rate": 9 / 11 * 0,
    # The permit is full online: 9 received, 8 filed online or integrated (D4 at the counter); the birth
    # registration is partial online and does not count.
    "full_online_rate": 8 / 9,
    # Every procedure carries a fee; paid online: D1 and D12.
    "online_payment_rate": 2 / 11,
    # Approved: D1 D3 D4 D9 D12; electronic result: D1 D12, both with their files (D3 has files, no electronic
    # result).
    "electronic_result_rate": 2 / 5, "digitised_rate": 2 / 5,
    # (6 settled − 1 dissatisfied (D2) − 2 late) ÷ 6
    "satisfaction_rate": 3 / 6,
    # D1 5, D2 2, D12 4
    "average_rating": 11 / 3,
}


def figures(**kwargs):
    with time_machine.travel(NOW, tick=False):
        return indicators.report(OCTOBER, **kwargs)


def assert_hand_counted(row):
    for key, expected in HAND_COUNTED.items():
        assert row.figures[key] == pytest.approx(expected), key


@pytest.mark.django_db
def test_each_indicator_for_the_province_matches_the_hand_count_live_tallied_and_half_tallied(province):
    assert_hand_counted(figures()[0])

    with time_machine.travel(NOW, tick=False):
        tallies.refresh(date(2026, 9, 1), date(2026, 11, 4))
    assert tallies.complete_through() == date(2026, 11, 4)
    assert_hand_counted(figures()[0])
    # September and October are whole months: the report reads their monthly sums.
    assert tallies.MonthlyTally.objects.filter(month=date(2026, 10, 1)).count() == 3

    # Tallies up to mid-October, the rest counted live.
    with time_machine.travel(NOW, tick=False):
        for model in (*indicators.COUNTED, *indicators.DURATIONS, tallies.TallyRefresh):
            model.objects.all().delete()
        tallies.refresh(date(2026, 9, 1), date(2026, 10, 15))
    assert tallies.complete_through() == date(2026, 10, 15)
    assert_hand_counted(figures()[0])


@pytest.mark.django_db
@pytest.mark.parametrize("tallied", [False, True], ids=["live", "tallied"])
def test_groups_split_the_province_by_agency_commune_field_procedure_and_month(province, tallied):
    office = province.office
    if tallied:
        with time_machine.travel(NOW, tick=False):
            tallies.refresh(date(2026, 9, 1), date(2026, 11, 4))
    by_agency = {row.key: row.figures for row in figures(by="agency")}
    # The refusal at receipt belongs to the desk that refused it; everything else to the agency that settles it.
    assert by_agency[office.desk.pk].refused == 1 and by_agency[office.desk.pk].received == 0
    assert by_agency[office.department.pk].received == 9
    ward = by_agency[province.committee.pk]
    assert (ward.received, ward.settled_on_time, ward.in_progress_late, ward.on_time_rate) == (2, 1, 1, 0.5)

    by_commune = figures(by="commune")
    assert [(row.key, row.label, row.figures.received) for row in by_commune] == [
        (province.ward.pk, str(province.ward), 2)]
    assert {row.key: row.figures.received for row in figures(by="field")} == {
        office.procedure.field_id: 9, province.birth.field_id: 2}
    assert figures(by="procedure", agency=province.committee)[0].figures.on_time_rate == 0.5

    with time_machine.travel(NOW, tick=False):
        months = indicators.report(Period(date(2026, 9, 1), date(2026, 10, 31)), by="month")
    september, october = (row.figures for row in months)
    assert (september.received, september.in_progress, september.settled) == (1, 1, 0)
    assert (october.received, october.in_progress, october.in_progress_late, october.settled) == (11, 4, 2, 6)


@pytest.mark.django_db
def test_the_late_dossiers_behind_the_figures(province):
    late = {dossier.code for dossier in indicators.late_dossiers(OCTOBER)}
    # Settled late: D2, D4; still open past the deadline at the end of October: D5, D13.
    assert late == {province.dossiers[name].code for name in ("D2", "D4", "D5", "D13")}
    at_the_ward = indicators.late_dossiers(OCTOBER, agency=province.committee)
    assert [dossier.code for dossier in at_the_ward] == [province.dossiers["D13"].code]


def _shown(html, key):
    """The text the page shows for an indicator, from the element marked with it."""
    match = re.search(rf'data-indicator="{key}"[^>]*>(?:\s*<[^>]+>)*\s*([^<]*)<', html)
    return match.group(1).strip()


def every_output(client, leader, django_user_model, period="2026-10"):
    """October as a leader, the public and an integrator see it: the dashboard, the XLSX and CSV exports, the
    public page, and the API for the province and by agency."""
    client.force_login(leader)
    with time_machine.travel(NOW, tick=False):
        api = Integrator(django_user_model, "bao-cao", scopes=["catalogue:read"]).api()
        return (client.get("/admin/indicators/", {"period": period}),
                client.get("/admin/indicators/report.xlsx", {"period": period}),
                client.get("/admin/indicators/report.csv", {"period": period}),
                Client().get("/chi-so/", {"period": period}),
                api.get("/api/v1/indicators/", {"period": period}),
                api.get("/api/v1/indicators/", {"period": period, "by": "agency"}))


@pytest.mark.django_db
def test_the_dashboard_the_exports_the_public_page_and_the_api_agree_with_the_hand_count(
        province, client, django_user_model):
    from openpyxl import load_workbook

    office = province.office
    dashboard, xlsx, csv_report, public, answer, by_agency = every_output(client, office.leader, django_user_model)

    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    for key in ("received", "settled_on_time", "settled_late", "in_progress_on_time", "in_progress_late",
                "refused", "withdrawn", "stopped"):
        assert _shown(html, key) == str(HAND_COUNTED[key]), key
    # The leader reads Vietnamese.
    assert "50,0%" in html.split('data-indicator="on_time_rate"', 1)[1].split("</tr>", 1)[0]

    # The province's report: carried over (D9) + new online + new at a desk; settled; in progress; and the rate.
    total = [12, 1, 9, 2, 6, 4, 2, 4, 2, 2, 1, 1, 1, 50.0]
    sheet = load_workbook(BytesIO(xlsx.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=7)]
    assert rows[-1][2:16] == total
    # Received for settlement, with D9 carried over at the department.
    assert {row[1]: row[2] for row in rows[:-1]} == {str(office.department): 10, str(province.committee): 2,
                                                      str(office.desk): 0}
    csv_rows = list(csv.reader(StringIO(csv_report.content.decode("utf-8-sig"))))
    assert [float(value) if "." in value else int(value) for value in csv_rows[-1][2:16]] == total

    assert public.status_code == 200
    assert _shown(public.content.decode(), "received") == "11"
    assert "50,0%" in public.content.decode()
    assert province.dossiers["D2"].applicant_name not in public.content.decode()

    assert answer.status_code == 200
    figures_ = answer.json()["rows"][0]["figures"]
    for key, expected in HAND_COUNTED.items():
        assert figures_[key] == pytest.approx(expected), key
    assert {row["key"]: row["figures"]["received"] for row in by_agency.json()["rows"]} == {
        office.department.code: 9, province.committee.code: 2, office.desk.code: 0}


@pytest.mark.django_db
def test_indicator_queries_refuse_bad_input_and_people_without_a_leading_role(province, client, django_user_model):
    from tests.api.conftest import Integrator

    api = Integrator(django_user_model, "bao-cao", scopes=["catalogue:read"]).api()
    for query in ({"period": "2026-13"}, {"first": "2026-10-31", "last": "2026-10-01"}, {"by": "colour"},
                  {"agency": "000.99.99.H99"}):
        answer = api.get("/api/v1/indicators/", query)
        assert answer.status_code == 400 and answer["Content-Type"] == "application/problem+json", query
    no_scope = Integrator(django_user_model, "chi-nop", scopes=["dossiers:file"]).api()
    assert no_scope.get("/api/v1/indicators/").status_code == 403

    client.force_login(province.office.specialist)
    assert client.get("/admin/indicators/").status_code == 403
    assert 'id="indicators-link"' not in client.get("/admin/").content.decode()
    client.force_login(province.office.leader)
    assert 'id="indicators-link"' in client.get("/admin/").content.decode()
    assert client.get("/admin/indicators/", {"period": "someday"}).status_code == 400
    assert Client().get("/chi-so/", {"period": "someday"}).status_code == 400
