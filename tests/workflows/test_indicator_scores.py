"""Decision 766 points against a month counted by hand: October 2026 in a small province with a department (Sở Tư
pháp), a ward's committee and the service centre's desk. The dossiers and the feedback are written out below as
tables, each row as it stood on 5 November 2026; every expected rate and point is worked out by hand next to it,
never by the code under test. The figures are the same counted live, from the nightly tallies, or from both."""

import csv
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from procedures.models import Agency, LegalDocument, Procedure
from procedures.services import publish_procedure_version
from tests.factories import (
    AgencyFactory,
    CommuneFactory,
    FeeFactory,
    FieldFactory,
    ProcedureFactory,
    ProvinceFactory,
    RequiredDocumentFactory,
)
from tests.workflows.test_indicators import every_output
from workflows.dossiers.models import AuditEntry, Dossier, DossierDocument, Rating, StaffMembership
from workflows.feedback.models import Feedback
from workflows.integrations.models import NationalPortalChange
from workflows.payments.models import Payment
from workflows.reporting import indicators, scores, tallies
from workflows.reporting.periods import Period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OCTOBER = Period.month(2026, 10)
NOW = datetime(2026, 11, 5, 9, 0, tzinfo=TZ)
# Working minutes in a day of the default hours, 07:00–11:30 and 13:30–17:00.
DAY = 480

State, Channel, Outcome = Dossier.State, Dossier.Channel, Dossier.Outcome
ONLINE, DESK, API = Channel.ONLINE, Channel.COUNTER, Channel.INTEGRATED


def on(day, month=10, hour=9):
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


@dataclass(frozen=True)
class Filed:
    """A dossier as it stood on 5 November."""

    procedure: str
    channel: str
    state: str
    received: datetime | None = None
    due: datetime | None = None
    decided: datetime | None = None
    outcome: str = ""
    closed: datetime | None = None
    asked: tuple = ()  # when it was asked to supplement, before receipt or during processing
    apology: bool = False
    files: bool = False  # its input documents held as files
    e_result: bool = False  # its result issued as an electronic document
    result_online: bool = False  # the applicant asked for the result online
    paid: str = ""  # "online" through the payment platform, or "desk"
    rating: tuple = ()  # (score of 5, when)
    days_taken: int = 0  # working days from the start of the clock to the decision
    synced: bool = True  # the national portal acknowledged it (when received)


# P1 is the department's criminal record certificate (a 200,000 đồng fee, fully online); P2 the ward's birth
# registration (free, stated as a fee of 0, partially online).
DOSSIERS = {
    # Settled on time, with its files and an electronic result sent online; paid online; rated 5.
    "A1": Filed("P1", ONLINE, State.RETURNED, received=on(1), due=on(8, hour=17), decided=on(6, hour=10),
                outcome=Outcome.APPROVED, files=True, e_result=True, result_online=True, paid="online",
                rating=(5, on(6, hour=11)), days_taken=3),
    # Settled after its deadline; paid at the desk; rated 2 (dissatisfied).
    "A2": Filed("P1", ONLINE, State.RETURNED, received=on(2), due=on(9, hour=17), decided=on(13, hour=10),
                outcome=Outcome.APPROVED, files=True, e_result=True, paid="desk", rating=(2, on(13, hour=11)),
                days_taken=8),
    # Decided by its deadline, but after an apology: late. Feedback F1 is about it.
    "A3": Filed("P1", DESK, State.RESULT_READY, received=on(5), due=on(12, hour=17), decided=on(12),
                outcome=Outcome.APPROVED, apology=True, days_taken=5),
    # Asked to supplement before receipt and again during processing: late, though decided by its deadline.
    "A4": Filed("P1", API, State.RETURNED, received=on(6), due=on(20, hour=17), decided=on(16, hour=10),
                outcome=Outcome.APPROVED, asked=(on(5), on(8)), files=True, e_result=True, result_online=True,
                paid="online", rating=(4, on(16, hour=11)), days_taken=5),
    # Withdrawn after receipt: handled, neither settled nor in progress.
    "A5": Filed("P1", ONLINE, State.WITHDRAWN, received=on(7), due=on(14, hour=17), closed=on(9), files=True),
    # Asked to supplement during processing; it never came: stopped after receipt.
    "A6": Filed("P1", ONLINE, State.STOPPED, received=on(8), due=on(15, hour=17), asked=(on(12),), closed=on(23)),
    # Withdrawn before receipt, and refused at receipt: never handled; both are the desk's.
    "A7": Filed("P1", ONLINE, State.WITHDRAWN, closed=on(3)),
    "A8": Filed("P1", ONLINE, State.REFUSED, closed=on(2)),
    # Still processing on 31 October: A9 within its time; A10 past its deadline; A11 asked twice before receipt,
    # so late from its receipt though its deadline is in November.
    "A9": Filed("P1", ONLINE, State.PROCESSING, received=on(26), due=on(2, month=11, hour=17), paid="online"),
    "A10": Filed("P1", DESK, State.PROCESSING, received=on(14), due=on(21, hour=17)),
    "A11": Filed("P1", ONLINE, State.PROCESSING, received=on(27), due=on(3, month=11, hour=17),
                 asked=(on(22), on(23))),
    # Received in September, settled on time on 1 October with an electronic result, but no input file scanned.
    "A12": Filed("P1", DESK, State.RETURNED, received=on(25, month=9), due=on(2, hour=17), decided=on(1),
                 outcome=Outcome.APPROVED, e_result=True, days_taken=4),
    # Refused as not eligible, on time: settled, not approved; paid online; rated 1.
    "A13": Filed("P1", ONLINE, State.RETURNED, received=on(15), due=on(22, hour=17), decided=on(21),
                 outcome=Outcome.REFUSED, files=True, paid="online", rating=(1, on(21, hour=11)), days_taken=5),
    # Approved on time, the result asked for online but not issued electronically: not an online dossier served.
    "A14": Filed("P1", ONLINE, State.RESULT_READY, received=on(16), due=on(23, hour=17), decided=on(20),
                 outcome=Outcome.APPROVED, files=True, result_online=True, paid="online", days_taken=3),
    # The ward: B1 online with an electronic result, rated 5; B2 at the desk, past its deadline on 31 October;
    # B3 at the desk, settled on time on paper.
    "B1": Filed("P2", ONLINE, State.RETURNED, received=on(19), due=on(20, hour=17), decided=on(20, hour=10),
                outcome=Outcome.APPROVED, files=True, e_result=True, result_online=True,
                rating=(5, on(20, hour=11)), days_taken=1),
    # B2 never reached the national portal.
    "B2": Filed("P2", DESK, State.PROCESSING, received=on(21), due=on(22, hour=17), synced=False),
    "B3": Filed("P2", DESK, State.RETURNED, received=on(22), due=on(23, hour=17), decided=on(23, hour=10),
                outcome=Outcome.APPROVED, days_taken=1),
}


@dataclass(frozen=True)
class Said:
    """Feedback (phản ánh, kiến nghị) as it stood on 5 November."""

    agency: str
    about: str  # a dossier of the table, or a procedure
    sent: datetime
    due: datetime
    answered: datetime | None = None
    verdict: tuple = ()  # (satisfied, when)


FEEDBACK = {
    "F1": Said("S", "A3", sent=on(13), due=on(20, hour=17), answered=on(16), verdict=(False, on(17))),
    "F2": Said("W", "P2", sent=on(22), due=on(29, hour=17), answered=on(28), verdict=(True, on(29))),
    "F3": Said("S", "P1", sent=on(14), due=on(21, hour=17), answered=on(24), verdict=(True, on(25))),
    "F4": Said("S", "P1", sent=on(20), due=on(27, hour=17)),
    "F5": Said("S", "P1", sent=on(30), due=on(6, month=11, hour=17)),
}


class Province:
    """The catalogue, the dossiers and the feedback above."""

    def __init__(self, django_user_model):
        unit = ProvinceFactory()
        self.ward = CommuneFactory(name="Phường Hạc Thành")
        self.agencies = {
            "D": AgencyFactory(code="000.00.01.H56", name="Trung tâm Phục vụ hành chính công",
                               kind=Agency.Kind.SERVICE_CENTRE, unit=unit, receives_dossiers=True),
            "S": AgencyFactory(code="000.00.12.H56", name="Sở Tư pháp", unit=unit),
            "W": AgencyFactory(code="000.01.01.H56", name="UBND phường Hạc Thành", kind=Agency.Kind.COMMUNE_COMMITTEE,
                               unit=self.ward),
        }
        self.officer = django_user_model.objects.create_user("truongphong", "tp@example.vn", "x", is_staff=True)
        self.leader = django_user_model.objects.create_user("giamdoc", "gd@example.vn", "x", is_staff=True)
        StaffMembership.objects.create(user=self.leader, agency=self.agencies["S"], role="agency_leader")
        self.ward_leader = django_user_model.objects.create_user("chutich", "ct@example.vn", "x", is_staff=True)
        StaffMembership.objects.create(user=self.ward_leader, agency=self.agencies["W"], role="agency_leader")
        self.procedures = self._catalogue()
        self.dossiers = {name: self._file(name, row) for name, row in DOSSIERS.items()}
        self.feedback = {code: self._say(code, said) for code, said in FEEDBACK.items()}

    def _catalogue(self):
        """Five procedures, four of them the department's, announced and published as follows."""
        justice, civil_status = FieldFactory(name="Lý lịch tư pháp"), FieldFactory(name="Hộ tịch")
        law = LegalDocument.objects.create(number="28/2009/QH12", title="Luật Lý lịch tư pháp")

        def procedure(code, name, *, field=justice, online=Procedure.OnlineLevel.FULL, fee=None, legal=True,
                      announced=None, published=None, **kwargs):
            kwargs.setdefault("competent_agency", self.agencies["S"])
            made = ProcedureFactory(code=code, name=name, field=field, online_level=online, announced_on=announced,
                                    published_on=published, **kwargs)
            RequiredDocumentFactory(procedure=made, order=1)
            if fee is not None:
                FeeFactory(procedure=made, amount=fee)
            if legal:
                made.legal_basis.add(law)
            publish_procedure_version(procedure=made)
            return made

        return {
            # Announced on Monday 5 October, published two days later: on time and complete.
            "P1": procedure("2.000001", "Cấp Phiếu lý lịch tư pháp", fee=200_000, announced=date(2026, 10, 5),
                            published=date(2026, 10, 7)),
            # The ward's: announced the same day, published on 20 October, past the 5 working days; complete
            # (free, stated as a fee of 0 with its exemption).
            "P2": procedure("2.000002", "Đăng ký khai sinh", field=civil_status, online=Procedure.OnlineLevel.PARTIAL,
                            fee=0, level=Procedure.Level.COMMUNE, competent_agency=None,
                            competent_agency_kind=Agency.Kind.COMMUNE_COMMITTEE, announced=date(2026, 10, 5),
                            published=date(2026, 10, 20)),
            # Announced on 26 October and still not published on 5 November, its 5 working days run out: late.
            "P3": procedure("2.000003", "Cấp bản sao trích lục", fee=50_000, announced=date(2026, 10, 26)),
            # Announced last year and published, but without its legal basis: not complete.
            "P4": procedure("2.000004", "Cấp lại Phiếu lý lịch tư pháp", online=Procedure.OnlineLevel.PARTIAL,
                            fee=200_000, legal=False, announced=date(2025, 7, 1), published=date(2025, 7, 3)),
            # Announced on Friday 30 October: on 5 November its time to publish still runs.
            "P5": procedure("2.000005", "Đính chính Phiếu lý lịch tư pháp", fee=0, announced=date(2026, 10, 30)),
        }

    def _file(self, name, row):
        procedure = self.procedures[row.procedure]
        settles = self.agencies["W" if row.procedure == "P2" else "S"]
        dossier = Dossier.objects.create(
            code=f"000.00.01.H56-261001-{name}", procedure=procedure,
            procedure_version=procedure.current_version, applicant_name="Nguyễn Văn An", channel=row.channel,
            receiving_agency=self.agencies["D"], competent_agency=settles if row.received else None,
            commune=self.ward if row.procedure == "P2" else None, state=row.state,
            submitted_at=min(moment for moment in (row.received, row.closed, *row.asked) if moment),
            received_at=row.received, due_at=row.due, appointment_at=row.due, result_at=row.decided,
            outcome=row.outcome, closed_at=row.closed or (row.decided if row.state == State.RETURNED else None),
            apology_count=int(row.apology), result_file="ket-qua/ket-qua.pdf" if row.e_result else "",
            result_delivery=Dossier.ResultDelivery.ONLINE if row.result_online else Dossier.ResultDelivery.AT_DESK,
            fees_due=procedure.total_fees, working_minutes_taken=row.days_taken * DAY if row.decided else None,
        )
        for asked_at in row.asked:
            during_processing = row.received is not None and asked_at > row.received
            AuditEntry.objects.create(dossier=dossier, at=asked_at, actor=self.officer,
                                      action="request_supplement" if during_processing else "request_documents")
        if row.files:
            DossierDocument.objects.create(dossier=dossier, document_order=1, name="Tờ khai", file="dossiers/x.pdf",
                                           original_filename="to-khai.pdf", content_type="application/pdf",
                                           size=1000, sha256="0" * 64, uploaded_by=self.officer)
        if row.paid:
            Payment.objects.create(dossier=dossier, amount=procedure.total_fees, method=row.paid,
                                   reference=f"VNPAY-{name}" if row.paid == "online" else "", paid_at=row.received)
        if row.rating:
            Rating.objects.create(dossier=dossier, score=row.rating[0], rated_at=row.rating[1])
        if row.synced and row.received:
            NationalPortalChange.objects.create(dossier=dossier, action="receive", state=State.RECEIVED, version=2,
                                                occurred_at=row.received, acknowledged_at=row.received)
        return dossier

    def _say(self, code, said):
        dossier = self.dossiers.get(said.about)
        satisfied, rated_at = said.verdict or (None, None)
        return Feedback.objects.create(
            code=code, kind=Feedback.Kind.FEEDBACK, dossier=dossier,
            procedure=dossier.procedure if dossier else self.procedures[said.about], agency=self.agencies[said.agency],
            email="congdan@example.vn", content="Phản ánh", submitted_at=said.sent, due_at=said.due,
            answer="Trả lời" if said.answered else "", answered_at=said.answered,
            status=Feedback.Status.ANSWERED if said.answered else Feedback.Status.OPEN,
            satisfied=satisfied, rated_at=rated_at)


@pytest.fixture
def province(django_user_model):
    return Province(django_user_model)


# Each scored indicator's rate and points as counted by hand, for the province in October; None for an indicator
# not measured yet, or with nothing to count.
PROVINCE = {
    # Announced in October: P1 on time, P2 late, P3 not published when its 5 working days ran out; P5's still run.
    # 6 points × 1/3.
    "published_on_time_rate": (1 / 3, 2.00),
    # In force on 31 October: P1..P5; published and complete: P1, P2 (P3 and P5 unpublished, P4 lacks its legal
    # basis). 6 × 2/5.
    "published_complete_rate": (2 / 5, 2.40),
    # Received 14, acknowledged by the national portal all but B2. 6 × 13/14.
    "national_sync_rate": (13 / 14, 5.57),
    # Handled: settled A1 A2 A3 A4 A12 A13 A14 B1 B3 (9), in progress A9 A10 A11 B2 (4), withdrawn or stopped after
    # receipt A5 A6 (2) = 15. On time: settled A1 A12 A13 A14 B1 B3 (A2 past its deadline, A3 apologised, A4 asked
    # twice) + in progress A9 (A10 and B2 past their deadlines, A11 asked twice) = 7. 20 × 7/15 = 9.333.
    "on_time_rate": (7 / 15, 9.33),
    # Fully online: P1 P3 P5 of the five in force. 6 × 3/5.
    "full_online_procedure_rate": (3 / 5, 3.60),
    # Received in October: 14 (A1–A6, A9–A11, A13, A14, B1–B3). Filed online or through the API: A1 A2 A4 A5 A6 A9
    # A11 A13 A14 B1 = 10, less A14 (its result asked for online, not issued electronically) = 9; times
    # the sync rate 13/14: 9/14 × 13/14 is past the 50 % that earns all 6 points.
    "online_dossier_rate": (9 / 14 * 13 / 14, 6.00),
    # Approved in October: A1 A2 A3 A4 A12 A14 B1 B3 = 8; electronic results: A1 A2 A4 A12 B1 = 5. 6 × 5/8.
    "electronic_result_rate": (5 / 8, 3.75),
    # Input files AND an electronic result: A1 A2 A4 B1 (A12 has no input file) = 4 of 8. All 10 points from 80 %:
    # 10 × 0.5 / 0.8.
    "digitised_rate": (4 / 8, 6.25),
    # No dossier took a document from its applicant's store (workflows.store): none of the documents held at
    # receipt, none of the dossiers received. Measured, they earn nothing of their 2 + 2 points.
    "data_replaced_rate": (0.0, 0.00),
    "data_reused_rate": (0.0, 0.00),
    "population_data_rate": (None, None),
    # Answered on time or fallen due in October: F1 and F2 on time, F3 answered after its due date, F4 still open
    # past it (F5 not due yet). 6 × 2/4.
    "feedback_on_time_rate": (2 / 4, 3.00),
    # Verdicts given in October: F1 dissatisfied, F2 and F3 satisfied. 6 × 2/3.
    "feedback_satisfaction_rate": (2 / 3, 4.00),
    # Settled 9: late 3 (A2 A3 A4); with feedback or rated 2 or less: A2 (2), A13 (1), A3 (F1) = 3, A2 and A3
    # counted in both, as the formula adds the rates. 1 − 6/9 = 1/3; all 6 points from 90 %: 6 × (1/3) / 0.9.
    "satisfaction_rate": (1 / 3, 2.22),
    # Received for P1, the only one with a fee above 0: 11; paid online: A1 A4 A9 A13 A14 (A2 at the desk). 10 × 5/11.
    "online_payment_rate": (5 / 11, 4.55),
}
# Groups: publicity 2.00 + 2.40 + 5.57 = 9.97 of 18; timeliness 9.33 of 20; online
# 3.60 + 6.00 = 9.60 of 12; digitisation 3.75 + 6.25 = 10.00 of 20 (the population data's 2 not measured);
# satisfaction 3.00 + 4.00 + 2.22 = 9.22 of 18; payment 4.55 of 10.
PROVINCE_GROUPS = {"publicity": (9.97, 18), "timeliness": (9.33, 20), "online": (9.60, 12),
                   "digitisation": (10.00, 20), "satisfaction": (9.22, 18), "payment": (4.55, 10)}
# 9.97 + 9.33 + 9.60 + 10.00 + 9.22 + 4.55, out of 18 + 20 + 12 + 20 + 18 + 10.
PROVINCE_TOTAL = (52.67, 98)

DEPARTMENT = {
    # P1 on time, P3 late. 6 × 1/2.
    "published_on_time_rate": (1 / 2, 3.00),
    # In force: P1 P3 P4 P5; published and complete: P1. 6 × 1/4.
    "published_complete_rate": (1 / 4, 1.50),
    # Received 11, every one acknowledged by the national portal.
    "national_sync_rate": (1.0, 6.00),
    # Handled: settled A1 A2 A3 A4 A12 A13 A14 (7) + in progress A9 A10 A11 (3) + A5 A6 (2) = 12; on time: A1 A12
    # A13 A14 + A9 = 5. 20 × 5/12 = 8.333.
    "on_time_rate": (5 / 12, 8.33),
    # P1 P3 P5 of 4. 6 × 3/4.
    "full_online_procedure_rate": (3 / 4, 4.50),
    # Received 11, online served 8 (A1 A2 A4 A5 A6 A9 A11 A13; not A14): past 50 %.
    "online_dossier_rate": (8 / 11, 6.00),
    # Approved A1 A2 A3 A4 A12 A14 = 6; electronic: A1 A2 A4 A12. 6 × 4/6.
    "electronic_result_rate": (4 / 6, 4.00),
    # Files and electronic result: A1 A2 A4. 10 × 0.5 / 0.8.
    "digitised_rate": (3 / 6, 6.25),
    # F1 on time; F3 late; F4 open past its due date. 6 × 1/3.
    "feedback_on_time_rate": (1 / 3, 2.00),
    # F1 dissatisfied, F3 satisfied. 6 × 1/2.
    "feedback_satisfaction_rate": (1 / 2, 3.00),
    # Settled 7, late 3, dissatisfied or with feedback 3: 1 − 6/7 = 1/7; 6 × (1/7) / 0.9 = 0.952.
    "satisfaction_rate": (1 / 7, 0.95),
    # As the province's: every P1 dossier is the department's.
    "online_payment_rate": (5 / 11, 4.55),
}
# 3.00 + 1.50 + 6.00 + 8.33 + 4.50 + 6.00 + 4.00 + 6.25 + 2.00 + 3.00 + 0.95 + 4.55, out of 98 as the province.
DEPARTMENT_TOTAL = (50.08, 98)

WARD = {
    # P2 published late. 6 × 0.
    "published_on_time_rate": (0.0, 0.00),
    # P2 in force, published and complete.
    "published_complete_rate": (1.0, 6.00),
    # Received 3, acknowledged B1 B3 (not B2). 6 × 2/3.
    "national_sync_rate": (2 / 3, 4.00),
    # Handled: B1 B3 settled on time, B2 in progress past its deadline. 20 × 2/3 = 13.333.
    "on_time_rate": (2 / 3, 13.33),
    # P2 is partially online.
    "full_online_procedure_rate": (0.0, 0.00),
    # Received 3, online B1: 1/3, times the sync rate 2/3: 2/9 of the 50 % that earns all 6 points: 6 × (2/9) / 0.5.
    "online_dossier_rate": (2 / 9, 2.67),
    # Approved B1 B3; electronic B1. 6 × 1/2.
    "electronic_result_rate": (1 / 2, 3.00),
    # B1 has both. 10 × 0.5 / 0.8.
    "digitised_rate": (1 / 2, 6.25),
    # F2 answered on time; its sender satisfied.
    "feedback_on_time_rate": (1.0, 6.00),
    "feedback_satisfaction_rate": (1.0, 6.00),
    # Settled 2, none late, none rated low nor with feedback (F2 is about the procedure): 100 %, past the 90 %.
    "satisfaction_rate": (1.0, 6.00),
    # No dossier of a procedure with a fee: nothing to count, its 10 points leave the total.
    "online_payment_rate": (None, None),
}
# 0 + 6.00 + 4.00 + 13.33 + 0 + 2.67 + 3.00 + 6.25 + 6.00 + 6.00 + 6.00, out of 98 − 10 (payment).
WARD_TOTAL = (53.25, 88)


def report(**kwargs):
    with time_machine.travel(NOW, tick=False):
        return indicators.report(OCTOBER, **kwargs)


def assert_scored(figures, expected, total):
    card = scores.scorecard(figures)
    lines = {line.rule.indicator: line for group in card.groups for line in group.lines}
    for key, (rate, points) in expected.items():
        assert lines[key].rate == pytest.approx(rate), key
        assert lines[key].points == pytest.approx(points), key
    assert (card.total, card.out_of, card.maximum) == (pytest.approx(total[0]), total[1], 100)
    return card


def refresh(first, last):
    with time_machine.travel(NOW, tick=False):
        tallies.refresh(first, last)


@pytest.mark.django_db
@pytest.mark.parametrize("tallied_through", [None, date(2026, 10, 15), date(2026, 11, 4)],
                         ids=["live", "half-tallied", "tallied"])
def test_each_indicator_and_its_points_for_the_province_match_the_hand_count(province, tallied_through):
    if tallied_through:
        refresh(date(2026, 9, 1), tallied_through)
    card = assert_scored(report()[0].figures, PROVINCE, PROVINCE_TOTAL)
    assert {group.group.key: (group.points, group.out_of) for group in card.groups} == {
        key: (pytest.approx(points), out_of) for key, (points, out_of) in PROVINCE_GROUPS.items()}
    figures = report()[0].figures
    # 3 + 8 + 5 + 5 + 4 + 5 + 3 + 1 + 1 = 35 working days over 9 settled; rounded up, the middle one is 4.
    assert (figures.average_days, figures.median_days) == (pytest.approx(35 / 9), 4)
    assert (figures.handled, figures.closed_undecided, figures.in_progress_late) == (15, 2, 3)


@pytest.mark.django_db
@pytest.mark.parametrize("tallied", [False, True], ids=["live", "tallied"])
def test_each_agency_scores_its_own_dossiers_procedures_and_feedback(province, tallied):
    if tallied:
        refresh(date(2026, 9, 1), date(2026, 11, 4))
    by_agency = {row.key: row.figures for row in report(by="agency")}
    agencies = province.agencies
    assert_scored(by_agency[agencies["S"].pk], DEPARTMENT, DEPARTMENT_TOTAL)
    assert_scored(by_agency[agencies["W"].pk], WARD, WARD_TOTAL)
    # The desk refused A8 and saw A7 withdrawn before receipt: nothing handled, no procedure of its own; with no
    # feedback to answer it keeps the 12 points of the two feedback indicators, out of those 12.
    assert_scored(by_agency[agencies["D"].pk], {"on_time_rate": (None, None)}, (12.00, 12))
    # The same agency reached as the scope, rather than as a row.
    assert_scored(report(agency=agencies["W"])[0].figures, WARD, WARD_TOTAL)


@pytest.mark.django_db
def test_the_commune_field_and_procedure_are_scored_like_the_agency_that_answers_for_them(province):
    ward = report(by="commune")
    assert [(row.key, row.label) for row in ward] == [(province.ward.pk, "Phường Hạc Thành")]
    assert_scored(ward[0].figures, WARD, WARD_TOTAL)
    by_field = {row.label: row.figures for row in report(by="field")}
    assert_scored(by_field["Hộ tịch"], WARD, WARD_TOTAL)
    # P1 alone: announced and published on time (6 of 6), complete (6), fully online (6); its dossiers are the
    # department's less nothing, its feedback F1 F3 F4 as the department's.
    by_procedure = {row.key: row.figures for row in report(by="procedure")}
    assert_scored(by_procedure[province.procedures["P1"].pk], {
        "published_on_time_rate": (1.0, 6.00), "published_complete_rate": (1.0, 6.00),
        "full_online_procedure_rate": (1.0, 6.00), "on_time_rate": (5 / 12, 8.33),
        "feedback_on_time_rate": (1 / 3, 2.00), "national_sync_rate": (1.0, 6.00),
    # 6 + 6 + 6 (synced) + 8.33 + 6 + 6 (online dossiers) + 4.00 + 6.25 + 2.00 + 3.00 + 0.95 + 4.55
    }, (59.08, 98))


@pytest.mark.django_db
@pytest.mark.parametrize("tallied_through", [None, date(2026, 9, 30)], ids=["live", "september-tallied"])
def test_a_dossier_asked_twice_is_late_from_its_second_request(province, tallied_through):
    # A15: asked to supplement before its receipt in September, and again during processing on 19 October; due only
    # on 30 November, still open. With September tallied, October's count finds it by its second request alone.
    province._file("A15", Filed("P1", DESK, State.PROCESSING, received=on(28, month=9),
                                due=on(30, month=11, hour=17), asked=(on(25, month=9), on(19))))
    if tallied_through:
        refresh(date(2026, 9, 1), tallied_through)
    figures = report()[0].figures
    # Late at the end of October: A10, A11, B2 and now A15; handled 15 + 1; on time still 7.
    assert (figures.in_progress_late, figures.handled, figures.on_time_rate) == (4, 16, pytest.approx(7 / 16))
    with time_machine.travel(NOW, tick=False):
        days = {row.key: row.figures.in_progress_late
                for row in indicators.report(Period(date(2026, 10, 18), date(2026, 10, 19)), by="day")}
    # Nothing else became late or left late on 19 October.
    assert days[date(2026, 10, 19)] == days[date(2026, 10, 18)] + 1


@pytest.mark.django_db
def test_the_late_dossiers_are_those_past_the_deadline_apologised_for_or_asked_twice(province):
    with time_machine.travel(NOW, tick=False):
        late = {dossier.code.rsplit("-", 1)[1] for dossier in indicators.late_dossiers(OCTOBER)}
    # Settled late: A2 (deadline), A3 (apology), A4 (asked twice); open and late on 31 October: A10, B2 (deadline),
    # A11 (asked twice).
    assert late == {"A2", "A3", "A4", "A10", "A11", "B2"}


def _cells(html, selector_key):
    return html.split(f'data-indicator="{selector_key}"', 1)[1].split("</tr>", 1)[0]


@pytest.mark.django_db
def test_the_dashboard_the_exports_the_public_page_and_the_api_show_the_points_and_the_total(
        province, client, django_user_model):
    dashboard, xlsx, csv_report, public, answer, by_agency = every_output(client, province.leader,
                                                                           django_user_model)

    # The leader reads Vietnamese: the total, each indicator's rate, points and maximum.
    html = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert 'id="score-total">52,67<' in html
    assert "trên 98 điểm đo được (tổng 100)" in html
    assert "46,7%" in _cells(html, "on_time_rate") and "9,33" in _cells(html, "on_time_rate")
    assert "92,9%" in _cells(html, "national_sync_rate") and "5,57" in _cells(html, "national_sync_rate")
    assert "Đủ điểm từ 50,0%" in _cells(html, "online_dossier_rate")
    # The agencies' table, the best share of the measurable points first (the ward's 53.25 of 88 before the
    # department's 50.08 of 98), the desk that handled nothing last.
    table = html.split('id="groups"', 1)[1].split("</table>", 1)[0]
    assert [table.index(name) for name in ("UBND phường", "Sở Tư pháp", "Trung tâm")] == sorted(
        table.index(name) for name in ("UBND phường", "Sở Tư pháp", "Trung tâm"))
    assert "50,08<small>/98</small>" in table and "53,25<small>/88</small>" in table

    # The XLSX and CSV: the Government Office's columns, then each group's points, the total and what it is out of.
    sheet = load_workbook(BytesIO(xlsx.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=7)]
    province_line = rows[-1][2:]
    assert province_line[14:] == [pytest.approx(value) for value in (9.97, 9.33, 9.60, 10.00, 9.22, 4.55, 52.67)] + [98]
    assert {row[1]: (row[-2], row[-1]) for row in rows[:-1]} == {
        "Sở Tư pháp": (pytest.approx(50.08), 98), "UBND phường Hạc Thành": (pytest.approx(53.25), 88),
        "Trung tâm Phục vụ hành chính công": (pytest.approx(12.00), 12)}
    points_sheet = load_workbook(BytesIO(xlsx.content))["Điểm"]
    header = [cell.value for cell in points_sheet[1]]
    province_points = dict(zip(header, [cell.value for cell in points_sheet[points_sheet.max_row]], strict=True))
    assert province_points["Đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia (6)"] == pytest.approx(5.57)
    assert province_points["Tỷ lệ đúng hạn (20)"] == pytest.approx(9.33)
    csv_rows = list(csv.reader(StringIO(csv_report.content.decode("utf-8-sig"))))
    assert csv_rows[1][-2:] == ["Điểm Bộ chỉ số 766: Tổng số", "Điểm Bộ chỉ số 766: Đo được, trên 100"]
    assert csv_rows[-1][-2:] == ["52.67", "98"]

    page = public.content.decode()
    assert public.status_code == 200
    assert 'id="score-total">52,67<' in page
    assert "50,08 / 98" in page and "53,25 / 88" in page
    assert province.dossiers["A2"].applicant_name not in page and "congdan@example.vn" not in page

    assert answer.status_code == 200
    scored = answer.json()["rows"][0]["scores"]
    assert (scored["total"], scored["out_of"], scored["maximum"]) == (pytest.approx(52.67), 98, 100)
    publicity = scored["groups"][0]
    assert (publicity["key"], publicity["points"], publicity["out_of"], publicity["maximum"]) == (
        "publicity", pytest.approx(9.97), 18, 18)
    assert publicity["indicators"][2] == {"indicator": "national_sync_rate", "rate": pytest.approx(13 / 14),
                                          "points": pytest.approx(5.57), "maximum": 6, "full_at": 1.0,
                                          "state": "scored"}
    assert {row["key"]: (row["scores"]["total"], row["scores"]["out_of"]) for row in by_agency.json()["rows"]} == {
        "000.00.12.H56": (pytest.approx(50.08), 98), "000.01.01.H56": (pytest.approx(53.25), 88),
        "000.00.01.H56": (pytest.approx(12.00), 12)}
