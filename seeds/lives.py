"""One dossier's life in the demo history: filed, then received (or refused, or asked to complete it), worked step
by step at the competent agency with now and then a supplement, a financial obligation, a consultation, a step sent
back, a withdrawal or a delay with its apology, decided, paid, returned and rated; each act through its service, at
its moment on the history's clock, and by someone entitled to it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from procedures.models import Agency, Procedure
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.dossiers.staff import StaffRole
from workflows.payments.models import Payment
from workflows.payments.services import record_payment

from . import texts
from .people import form_data

State = Dossier.State
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Where a showcase dossier stops: before receipt, received, then waiting at each step, then with its result.
SHOWCASE_STAGES = ("submitted", "received", "at the specialist", "at the head", "at the leader", "result ready")
# An apology is written this many working minutes before the appointment is missed.
APOLOGY_AHEAD = 240
# How applicants score the service (1 to 5), served on time or late.
SCORES, SCORES_WHEN_LATE = (1, 2, 7, 30, 60), (8, 12, 30, 30, 20)
# Land procedures may carry a land use levy or registration fee to pay before the result.
LEVIED = ("1.013831", "1.012784", "1.013978")


class Horizon(Exception):
    """The dossier's next act would come after the history's end (or its showcase stage is reached): its life
    stops where it stands, and it waits in today's queues."""


class Closed(Exception):
    """The dossier's life ended before a result: refused, withdrawn or stopped."""


@dataclass
class Plan:
    procedure: Procedure
    desk: Agency
    channel: str
    submitted_at: datetime
    commune: object = None
    stop_at: int | None = None  # a showcase dossier: the index of its stage in SHOWCASE_STAGES
    # What happens to a dossier of the tour (every kind of life, whatever the size of the history) or of the
    # showcase (nothing unusual); None: left to chance.
    incidents: frozenset | None = None


class Life:
    def __init__(self, province, plan):
        self.province, self.plan, self.rng = province, plan, province.rng
        self.calendar = province.calendar
        self.day = self.calendar.day_minutes
        self.dossier = self.account = None
        self.last = None
        self.late = self.apologise_when_late = self.asked_before_receipt = False

    def live(self):
        try:
            self.file()
            self.receipt()
            self.process()
            self.finish()
        except (Horizon, Closed):
            pass

    # The history's clock

    def chance(self, incident, probability):
        """Whether `incident` happens to this dossier: planned for the tour and the showcase, else by chance."""
        if self.plan.incidents is not None:
            return incident in self.plan.incidents
        return self.rng.random() < probability

    def at(self, moment):
        """Sets the clock for the next act (a minute after the last, at least); an apology falling due before it
        comes first."""
        self.apology_before(moment)
        if self.last is not None:
            moment = max(moment, self.last + timedelta(minutes=1))
        if moment > self.province.end:
            raise Horizon
        self.last = self.province.clock.moment = moment
        return moment

    def after(self, working_minutes):
        if self.plan.stop_at is not None:
            working_minutes = min(working_minutes, 8)  # the showcase happens in the last working hours
        return self.at(self.calendar.add(self.last, max(round(working_minutes), 1)))

    def reached(self, stage):
        if self.plan.stop_at is not None and stage >= self.plan.stop_at:
            raise Horizon

    # Who acts

    def staff(self, agency_id, role):
        return self.province.people.staff(self.province.agency_by_id[agency_id], role)

    def step_actor(self):
        dossier = self.dossier
        step = dossier.current_step
        return self.staff(dossier.step_agency_id(step), step["role"])

    def leader(self):
        return self.staff(self.dossier.competent_agency_id, StaffRole.AGENCY_LEADER)

    def desk_officer(self):
        return self.staff(self.dossier.receiving_agency_id, StaffRole.RECEIVING_OFFICER)

    # Filing and receipt

    def file(self):
        plan, rng = self.plan, self.rng
        snapshot = self.province.snapshots[plan.procedure.pk]
        self.at(plan.submitted_at)
        place = plan.commune.name if plan.commune else plan.desk.unit.name
        if plan.channel == "online" or (plan.channel == "integrated" and rng.random() < 0.7):
            self.account = rng.choice(self.province.citizens)
            applicant = _details(self.account)
        else:
            applicant = self.province.people.person(place)
        answers = form_data(snapshot.get("form", []), applicant, rng, plan.submitted_at.date())
        contact = {"identity_number": applicant["identity_number"], "phone": applicant["phone"],
                   "address": applicant["address"]}
        required = [order for order, document in enumerate(snapshot["documents"], start=1) if document["required"]]
        uploads = {order: _pdf(f"giay-to-{order}.pdf") for order in required}
        if plan.channel == "online":
            # Some ask for the result online, as an electronic document.
            delivery = Dossier.ResultDelivery.ONLINE if rng.random() < 0.35 else None
            self.dossier = services.file_dossier(
                procedure=plan.procedure, acting_user=self.account, applicant=None, form_data=answers,
                commune=plan.commune, receiving_agency=plan.desk, uploads=uploads, result_delivery=delivery)
        elif plan.channel == "integrated":
            self.dossier = services.file_dossier(
                procedure=plan.procedure, acting_user=self.province.portal, applicant={"name": applicant["name"],
                                                                                     **contact},
                form_data=answers, commune=plan.commune, receiving_agency=plan.desk, uploads=uploads,
                integrated=True)
            self.account = self.dossier.applicant
        else:
            officer = self.province.people.staff(plan.desk, StaffRole.RECEIVING_OFFICER)
            # Most desks scan the papers handed in (the digitisation indicator counts them).
            scanned = uploads if rng.random() < 0.7 else None
            self.dossier = services.file_dossier(
                procedure=plan.procedure, acting_user=officer, applicant={"name": applicant["name"], **contact},
                form_data=answers, commune=plan.commune, paper_documents=required, uploads=scanned)
        self.reached(0)

    def receipt(self):
        rng = self.rng
        # A walk-in is checked while the applicant waits; what came online, within the working day or the next.
        self.after(rng.randint(3, 15) if self.plan.channel == "counter" else rng.randint(15, 600))
        if self.account and self.chance("withdrawn before receipt", 0.012):
            self.dossier = services.withdraw_dossier(dossier=self.dossier, acting_user=self.account,
                                                     reason=rng.choice(texts.WITHDRAWALS))
            raise Closed
        if self.chance("not received", 0.035):
            self.dossier = services.refuse_dossier(dossier=self.dossier, acting_user=self.desk_officer(),
                                                   reason=rng.choice(texts.REFUSALS))
            self.rate(late=True)
            raise Closed
        if self.chance("asked to complete", 0.06):
            self.ask_before_receipt()
        self.dossier = services.receive_dossier(dossier=self.dossier, acting_user=self.desk_officer())
        self.pay_fees()
        self.reached(1)

    def ask_before_receipt(self):
        rng = self.rng
        self.asked_before_receipt = True
        self.dossier = services.request_documents(dossier=self.dossier, acting_user=self.desk_officer(),
                                                  missing=rng.choice(texts.MISSING))
        if self.chance("never completed", 0.1):
            self.lapse()
        if self.account and self.chance("withdrawn while incomplete", 0.1):
            self.after(rng.randint(1, 8) * self.day)
            services.withdraw_dossier(dossier=self.dossier, acting_user=self.account,
                                      reason=rng.choice(texts.WITHDRAWALS))
            raise Closed
        self.after(rng.randint(1, 12) * self.day)
        self.answer_request()
        self.after(rng.randint(5, 240))

    def lapse(self):
        """The applicant never answered: the timers stop the dossier once the waiting time is over."""
        moment = self.at(self.dossier.supplement_due_at + timedelta(minutes=5))
        services.lapse_supplement_request(dossier_id=self.dossier.pk, now=moment)
        raise Closed

    def pay_fees(self, *, amount=None):
        """The fees at receipt (or a financial obligation later), at the desk or online."""
        dossier = self.dossier
        amount = amount or dossier.fees_outstanding
        if not amount:
            return
        if self.plan.channel != "counter" and self.rng.random() < 0.8:
            self.after(self.rng.randint(2, 90))
            payment, _created = record_payment(
                dossier=dossier, acting_user=self.province.platform, amount=amount, method=Payment.Method.ONLINE,
                reference=self.province.payment_reference())
        else:
            self.after(self.rng.randint(2, 10))
            payment, _created = record_payment(
                dossier=dossier, acting_user=self.desk_officer(), amount=amount, method=Payment.Method.DESK,
                reference=f"BL-{self.province.payment_reference()}")
        self.dossier = payment.dossier  # as the payment left it: paid, and running again after an obligation

    # Processing

    def process(self):
        rng, dossier = self.rng, self.dossier
        allowed = max(self.calendar.working_minutes_between(dossier.received_at, dossier.due_at), 60)
        self.late = self.chance("late", 0.09)
        self.apologise_when_late = self.late and self.chance("apology", 0.75)
        used = rng.uniform(1.05, 1.7) if self.late else rng.uniform(0.2, 0.92)
        steps = [step for step in dossier.steps if step["role"] != StaffRole.RESULT_DESK]
        shares = [float(step["share"]) or 0.1 for step in steps]
        for index, step in enumerate(steps):
            minutes = used * allowed * shares[index] / sum(shares)
            minutes -= self.incidents(step, minutes)
            self.after(minutes)
            if index < len(steps) - 1:
                self.dossier = services.hand_over(dossier=self.dossier, acting_user=self.step_actor())
                self.reached(index + 2)
        self.decide()
        self.reached(len(SHOWCASE_STAGES) - 1)

    def incidents(self, step, minutes):
        """What may happen during a step before it is done; returns the working minutes it took."""
        rng, role = self.rng, step["role"]
        spent = minutes * rng.uniform(0.2, 0.5)
        if self.account and self.chance("withdrawal requested", 0.015):
            self.after(spent)
            self.request_withdrawal()
        elif (role == StaffRole.SPECIALIST and not self.asked_before_receipt
              and self.chance("supplement", 0.07)):
            self.after(spent)
            self.supplement()
        elif (role == StaffRole.SPECIALIST and self.plan.procedure.code in LEVIED
              and self.chance("financial obligation", 0.25)):
            self.after(spent)
            self.obligation()
        elif (role == StaffRole.SPECIALIST and self.plan.procedure.level == Procedure.Level.PROVINCE
              and self.chance("consultation", 0.04)):
            self.after(spent)
            self.consult()
        elif role == StaffRole.DEPARTMENT_HEAD and self.chance("sent back", 0.04):
            self.after(spent)
            self.dossier = services.send_back(dossier=self.dossier, acting_user=self.step_actor(),
                                              reason=rng.choice(texts.SEND_BACKS))
            self.after(rng.randint(30, 480))
            self.dossier = services.hand_over(dossier=self.dossier, acting_user=self.step_actor())
        else:
            return 0
        return spent

    def supplement(self):
        rng = self.rng
        self.dossier = services.request_supplement(dossier=self.dossier, acting_user=self.step_actor(),
                                                   missing=rng.choice(texts.MISSING))
        if self.chance("supplement never came", 0.1):
            self.lapse()
        self.after(rng.randint(1, 12) * self.day)
        self.answer_request()

    def answer_request(self):
        """The applicant uploads what was asked for; at the desk, the officer notes the papers handed in."""
        if self.account:
            upload = _pdf("bo-sung.pdf")
            self.dossier, _supplied = services.answer_supplement(
                dossier=self.dossier, acting_user=self.account, documents=[(None, self.dossier.reason, upload)])
        else:
            self.dossier, _supplied = services.answer_supplement(
                dossier=self.dossier, acting_user=self.desk_officer(), note=texts.PAPERS_HANDED_IN)

    def obligation(self):
        rng = self.rng
        self.dossier = services.notify_financial_obligation(
            dossier=self.dossier, acting_user=self.step_actor(), amount=rng.choice(texts.LEVY_AMOUNTS),
            reason=rng.choice(texts.OBLIGATIONS))
        self.after(rng.randint(1, 8) * self.day)
        self.pay_fees()

    def consult(self):
        rng, dossier = self.rng, self.dossier
        others = [agency for agency in self.province.departments if agency.pk != dossier.competent_agency_id]
        consulted = rng.choice(others)
        self.dossier = services.consult_agencies(dossier=dossier, acting_user=self.step_actor(),
                                                 agencies=[consulted], question=rng.choice(texts.QUESTIONS),
                                                 days=3)
        self.after(rng.randint(1, 3) * self.day)
        self.dossier = services.answer_consultation(
            dossier=self.dossier, acting_user=self.staff(consulted.pk, StaffRole.SPECIALIST),
            answer=rng.choice(texts.ANSWERS))

    def request_withdrawal(self):
        rng = self.rng
        self.dossier = services.withdraw_dossier(dossier=self.dossier, acting_user=self.account,
                                                 reason=rng.choice(texts.WITHDRAWALS))
        self.after(rng.randint(60, 600))
        if not self.chance("withdrawal declined", 0.15):
            self.dossier = services.accept_withdrawal(dossier=self.dossier, acting_user=self.leader())
            raise Closed
        self.dossier = services.decline_withdrawal(dossier=self.dossier, acting_user=self.leader(),
                                                   reason=rng.choice(texts.DECLINED_WITHDRAWALS))

    def apology_before(self, moment):
        """A late dossier's leader apologises, with a new appointment, shortly before the old one is missed."""
        dossier = self.dossier
        if not (self.apologise_when_late and dossier is not None and dossier.state in Dossier.RUNNING_STATES
                and dossier.paused_at is None and not dossier.apology_count):
            return
        warning = self.calendar.add(dossier.due_at, -APOLOGY_AHEAD)
        if moment <= warning:
            return
        self.apologise_when_late = False
        self.at(max(warning, self.last + timedelta(minutes=1)))
        # A new appointment a few working days later, at closing time, after the work still to do.
        end = self.calendar.position(max(dossier.due_at, self.last)) + self.rng.randint(2, 6) * self.day
        new_appointment = self.calendar.moment(-(-end // self.day) * self.day)
        self.dossier = services.apologise(dossier=dossier, acting_user=self.leader(),
                                          new_appointment=new_appointment, reason=self.rng.choice(texts.APOLOGIES))

    # The result

    def decide(self):
        if self.chance("not eligible", 0.03):
            self.dossier = services.refuse_result(dossier=self.dossier, acting_user=self.step_actor(),
                                                  reason=self.rng.choice(texts.REFUSED_RESULTS))
        else:
            # Most results are issued as a signed electronic document too; always when asked for online.
            online = self.dossier.result_delivery == Dossier.ResultDelivery.ONLINE
            result = _pdf("ket-qua.pdf") if online or self.rng.random() < 0.8 else None
            self.dossier = services.approve_dossier(dossier=self.dossier, acting_user=self.step_actor(),
                                                    result_file=result)

    def finish(self):
        rng = self.rng
        if self.chance("never collected", 0.02):
            return  # never collected: it waits at the result desk
        self.after(rng.randint(20, 3 * self.day))
        self.dossier = services.return_result(
            dossier=self.dossier, acting_user=self.staff(self.dossier.result_desk_id, StaffRole.RESULT_DESK))
        self.rate(late=self.dossier.is_late)

    def rate(self, *, late):
        rng = self.rng
        if not self.account or not self.chance("rated", 0.55):
            return
        self.after(rng.randint(10, 2 * self.day))
        score = rng.choices(range(1, 6), SCORES_WHEN_LATE if late else SCORES)[0]
        services.rate_service(dossier=self.dossier, acting_user=self.account, score=score,
                              comment=rng.choice(texts.COMMENTS[score]))


def _pdf(name):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _details(account):
    return {"name": account.get_full_name(), "identity_number": account.identity_number, "phone": account.phone,
            "address": account.address, "born": account.date_of_birth or datetime(1985, 5, 1).date()}
