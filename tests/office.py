"""A small province to file and settle dossiers in, shared by the workflow, portal and browser tests."""

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile

from procedures.models import Agency, FormField
from procedures.services import publish_procedure_version
from tests.factories import (
    AgencyFactory,
    FeeFactory,
    FormFieldFactory,
    ProcedureFactory,
    ProvinceFactory,
    RequiredDocumentFactory,
    enrol_totp,
)
from workflows.dossiers.models import StaffMembership

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="don.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class Office:
    """A small province: a service centre desk, a department, its staff, and two citizens."""

    def __init__(self, django_user_model):
        self.province = ProvinceFactory()
        self.desk = AgencyFactory(code="000.00.01.H56", name="Trung tâm Phục vụ hành chính công",
                                  kind=Agency.Kind.SERVICE_CENTRE, receives_dossiers=True)
        self.other_desk = AgencyFactory(code="000.00.02.H56", name="Chi nhánh Bỉm Sơn",
                                        kind=Agency.Kind.SERVICE_CENTRE_BRANCH, parent=self.desk,
                                        receives_dossiers=True)
        self.department = AgencyFactory(code="000.00.15.H56", name="Sở Xây dựng")
        self.procedure = ProcedureFactory(
            code="1.009974", name="Cấp giấy phép xây dựng", competent_agency=self.department,
            time_limit=Decimal(5), steps=[Decimal("0.5"), Decimal("3.5"), Decimal("0.5"), Decimal("0.5"), Decimal(0)],
            steps__roles=["receiving_officer", "specialist", "department_head", "agency_leader", "result_desk"],
        )
        # Optional, so the lifecycle tests may submit online without uploading; the portal tests cover the rule.
        RequiredDocumentFactory(procedure=self.procedure, order=1, name="Đơn đề nghị cấp giấy phép xây dựng",
                                is_required=False)
        publish_procedure_version(procedure=self.procedure)
        self._users = django_user_model
        self.receiver = self.staff("tiepnhan", self.desk, "receiving_officer")
        self.other_receiver = self.staff("tiepnhan2", self.other_desk, "receiving_officer")
        self.specialist = self.staff("chuyenvien", self.department, "specialist")
        self.second_specialist = self.staff("chuyenvien2", self.department, "specialist")
        self.head = self.staff("truongphong", self.department, "department_head")
        self.leader = self.staff("giamdoc", self.department, "agency_leader")
        self.result_desk = self.staff("trakq", self.desk, "result_desk")
        self.citizen = django_user_model.objects.create_user("congdan", "congdan@example.vn", "x",
                                                             first_name="Lan", last_name="Nguyễn")
        self.other_citizen = django_user_model.objects.create_user("congdan2", "b@example.vn", "x")
        # Filing online needs a verified email or phone (workflows.dossiers.services.filing.create_draft).
        for citizen in (self.citizen, self.other_citizen):
            EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)

    def staff(self, username, agency, role):
        user = self._users.objects.create_user(username, f"{username}@example.vn", "x", is_staff=True)
        StaffMembership.objects.create(user=user, agency=agency, role=role)
        enrol_totp(user)
        return user


def open_for_online_filing(office):
    """The office's construction permit with an application form and a required drawing, and a citizen with an
    identity number, a phone and a verified email."""
    FormFieldFactory(procedure=office.procedure, order=1, name="dia_chi_cong_trinh", label="Địa chỉ công trình")
    FormFieldFactory(procedure=office.procedure, order=2, name="dien_tich", label="Diện tích xây dựng (m²)",
                     kind=FormField.Kind.DECIMAL, min_value=Decimal(1), max_value=Decimal(100000))
    FormFieldFactory(procedure=office.procedure, order=3, name="so_dinh_danh_chu_dau_tu",
                     label="Số định danh của chủ đầu tư", kind=FormField.Kind.IDENTITY_NUMBER)
    RequiredDocumentFactory(procedure=office.procedure, order=2, name="Bản vẽ thiết kế xây dựng", is_required=True)
    publish_procedure_version(procedure=office.procedure)
    citizen = office.citizen
    citizen.full_name, citizen.identity_number, citizen.phone = "Nguyễn Thị Lan", "038195001234", "0912345678"
    citizen.save()
    EmailAddress.objects.update_or_create(user=citizen, email=citizen.email,
                                          defaults={"verified": True, "primary": True})
    return office


def with_fees(office, amount=100_000):
    """The office's construction permit with a charge to pay, published: dossiers filed from now on owe it."""
    FeeFactory(procedure=office.procedure, name="Lệ phí cấp giấy phép xây dựng", amount=amount)
    publish_procedure_version(procedure=office.procedure)
    return office
