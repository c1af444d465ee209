from decimal import Decimal

import pytest

from procedures.models import Agency
from procedures.services import publish_procedure_version
from tests.factories import AgencyFactory, ProcedureFactory, ProvinceFactory, RequiredDocumentFactory
from workflows.models import StaffMembership


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
        RequiredDocumentFactory(procedure=self.procedure, order=1, name="Đơn đề nghị cấp giấy phép xây dựng")
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

    def staff(self, username, agency, role):
        user = self._users.objects.create_user(username, f"{username}@example.vn", "x", is_staff=True)
        StaffMembership.objects.create(user=user, agency=agency, role=role)
        return user


@pytest.fixture
def office(django_user_model):
    return Office(django_user_model)
