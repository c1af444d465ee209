"""Who works where in the demo province: the staff accounts people sign in with to try the single window, at real
desks of the loaded catalogue (seeds/data/thanh_hoa.yaml). seed_demo creates them; the history works beside them."""

from dataclasses import dataclass

# The provincial Public Administration Service Centre, a ward's service centre, and the department whose land
# procedures the centre receives most.
PROVINCIAL_CENTRE = "000.00.20.H56"
WARD_DESK = "000.01.41.H56"
DEPARTMENT = "000.00.05.H56"
STAFF_PASSWORD = "onestop-staff"
# Staff sign in with a second factor: every demo staff account (admin and bientap too) has this authenticator-app
# key, which anyone trying the demo adds to their own app (README). Demo only: seed_demo refuses to run without DEBUG.
DEMO_TOTP_SECRET = "ONESTOPDEMOSTAFF"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    full_name: str
    role: str
    agency_code: str
    who: str


DEMO_STAFF = (
    DemoStaff("tiepnhan", "Lê Thị Hương", "receiving_officer", PROVINCIAL_CENTRE,
              "receiving officer, provincial service centre"),
    DemoStaff("tiepnhanphuong", "Nguyễn Văn Hùng", "receiving_officer", WARD_DESK,
              "receiving officer, Hạc Thành ward's service centre"),
    DemoStaff("chuyenvien", "Trần Minh Tuấn", "specialist", DEPARTMENT,
              "specialist, Department of Agriculture and Environment"),
    DemoStaff("truongphong", "Phạm Thị Mai", "department_head", DEPARTMENT,
              "department head, Department of Agriculture and Environment"),
    DemoStaff("giamdoc", "Hoàng Văn Nam", "agency_leader", DEPARTMENT,
              "leader (signs), Department of Agriculture and Environment"),
    DemoStaff("trakq", "Đỗ Thị Lan", "result_desk", PROVINCIAL_CENTRE,
              "result desk, provincial service centre"),
)

# The administrator also works every demo desk, so the window offers them its actions; as province administrator
# they see every dossier and the indicators.
ADMIN_ROLES = (
    ("province_admin", PROVINCIAL_CENTRE),
    *((staff.role, staff.agency_code) for staff in DEMO_STAFF),
)
