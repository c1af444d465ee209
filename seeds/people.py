"""The people of the demo history: citizens with accounts, people who walk in without one, the staff at every desk
and agency the history passes through, the two national systems it hears from, and what they write in forms."""

import secrets
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from oauth2_provider.models import Application

from procedures.forms import application_form, form_data_for_storage
from workflows.dossiers.models import StaffMembership
from workflows.integrations.models import ApiClient

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
          "Trịnh", "Mai", "Lương", "Cao"]
MIDDLE = {"m": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Công"],
          "f": ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Phương"]}
GIVEN = {"m": ["An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam", "Phong", "Phúc", "Quân",
               "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Tùng", "Đạt"],
         "f": ["Anh", "Chi", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Phương",
               "Quỳnh", "Tâm", "Thảo", "Trang", "Vân", "Yến", "Hằng"]}
STREETS = ["Lê Lợi", "Trần Phú", "Quang Trung", "Bà Triệu", "Lê Hoàn", "Hàm Nghi", "Nguyễn Trãi", "Phan Chu Trinh",
           "Đội Cung", "Tống Duy Tân", "Hạc Thành", "Triệu Quốc Đạt"]
# Usernames of the staff the history creates where nobody holds a role yet: <role>.<agency code>.
ROLE_SLUGS = {"receiving_officer": "tiepnhan", "specialist": "chuyenvien", "department_head": "truongphong",
              "agency_leader": "lanhdao", "result_desk": "trakq"}
NATIONAL_PORTAL, PAYMENT_PLATFORM = "cong-dvc-quoc-gia", "nen-tang-thanh-toan"


class People:
    """Draws people from a seeded random generator; identity numbers and phones never repeat."""

    def __init__(self, rng, *, year):
        self.rng, self.year = rng, year
        self._identities, self._phones = set(), set()
        self._staff = {}

    def person(self, commune_name):
        rng = self.rng
        sex = rng.choice("mf")
        born = rng.randint(self.year - 75, self.year - 19)
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        return {"name": name, "identity_number": self._identity(sex, born), "phone": self._phone(),
                "address": f"Số {rng.randint(1, 250)} {rng.choice(STREETS)}, {commune_name}, tỉnh Thanh Hóa",
                "sex": sex, "born": date(born, rng.randint(1, 12), rng.randint(1, 28))}

    def _identity(self, sex, born):
        """A valid CCCD: birth registered in Thanh Hóa (038), the century and sex digit, the year, six digits."""
        century = (0 if born < 2000 else 2) + (sex == "f")
        while True:
            number = f"038{century}{born % 100:02d}{self.rng.randint(0, 999_999):06d}"
            if number not in self._identities:
                self._identities.add(number)
                return number

    def _phone(self):
        while True:
            number = f"0{self.rng.choice('389')}{self.rng.randint(0, 99_999_999):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def citizens(self, count, commune_names, *, reserved=()):
        """Citizens with accounts (no usable password: they exist to have filed), created in one statement; the
        accounts in `reserved` (the demo citizen) join them."""
        User = get_user_model()
        for account in reserved:
            self._identities.add(account.identity_number)
            self._phones.add(account.phone)
        people = [self.person(self.rng.choice(commune_names)) for _ in range(count)]
        unusable = make_password(None)
        User.objects.bulk_create([
            User(username=f"cd{person['phone']}", password=unusable, full_name=person["name"],
                 email=f"cd{person['phone']}@demo.onestop.vn", identity_number=person["identity_number"],
                 phone=person["phone"], phone_verified=True, address=person["address"],
                 date_of_birth=person["born"])
            for person in people], ignore_conflicts=True)  # a history written before left its citizens
        accounts = {account.identity_number: account for account in User.objects.filter(
            identity_number__in=[person["identity_number"] for person in people])}
        return [*reserved, *(accounts[person["identity_number"]] for person in people
                             if person["identity_number"] in accounts)]

    def staff(self, agency, role):
        """Whoever holds `role` at `agency` (a demo account first, never the administrator while anyone else
        does), or a new colleague who cannot sign in; the same user object each time, so its roles are read once."""
        key = (agency.pk, role)
        if key not in self._staff:
            membership = (StaffMembership.objects.filter(agency=agency, role=role).select_related("user")
                          .order_by("user__is_superuser", "user_id").first())
            self._staff[key] = membership.user if membership else self._colleague(agency, role)
        return self._staff[key]

    def _colleague(self, agency, role):
        person = self.person(agency.unit.name if agency.unit_id else "")
        family, *given = person["name"].split()
        username = f"{ROLE_SLUGS.get(role, role)}.{agency.code.lower()}"
        user, _created = get_user_model().objects.get_or_create(username=username, defaults={
            "full_name": person["name"], "last_name": family, "first_name": " ".join(given), "is_staff": True,
            "email": f"{username}@demo.onestop.vn", "password": make_password(None)})
        StaffMembership.objects.get_or_create(user=user, agency=agency, role=role)
        return user


def system_account(username, name, scopes=None):
    """A national system's service account: the portal files integrated dossiers; the payment platform, an API
    client granted `scopes`, records online payments. Its secret is random: the demo never calls as it."""
    account, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.onestop.vn", "full_name": name,
                                     "password": make_password(None)})
    if scopes:
        application, _created = Application.objects.get_or_create(client_id=username, defaults={
            "name": name, "user": account, "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
            "client_secret": secrets.token_urlsafe(32)})
        ApiClient.objects.get_or_create(application=application, defaults={"scopes": scopes})
    return account


def form_data(definition, applicant, rng, today):
    """Answers to a procedure's application form, as the portal stores them: the applicant's own details where
    the form asks for them, plausible values elsewhere; checked by the form itself."""
    answers = {}
    for spec in definition:
        if not spec.get("required", True) and rng.random() < 0.6:
            continue
        answers[spec["name"]] = _answer(spec, applicant, rng, today)
    form = application_form(definition, data=answers)
    if not form.is_valid():
        raise ValueError(f"generated form data is invalid: {form.errors.as_json()}")
    return form_data_for_storage(form)


def _answer(spec, applicant, rng, today):
    name, kind = spec["name"], spec["kind"]
    if kind == "identity_number":
        return applicant["identity_number"]
    if kind == "phone":
        return applicant["phone"]
    if kind == "email":
        return f"cd{applicant['phone']}@demo.onestop.vn"
    if kind == "date":
        if "chet" in name:
            return (today - timedelta(days=rng.randint(1, 20))).isoformat()
        if name.startswith("ngay_sinh") and "nu" not in name and "nam" not in name and "chu_ho" not in name:
            return (today - timedelta(days=rng.randint(1, 50))).isoformat()
        return applicant["born"].isoformat()
    if kind in ("integer", "decimal"):
        low = int(float(spec.get("min_value") or 1)) or 1
        high = int(float(spec.get("max_value") or low + 100))
        return str(rng.randint(low, min(high, low + 20)) if "von" not in name else rng.randint(50, 900) * 1_000_000)
    if kind == "choice":
        return rng.choice(spec["choices"])
    if kind == "multiple_choice":
        return [rng.choice(spec["choices"])]
    if kind == "checkbox":
        return "on"
    if "ho_ten" in name or name in ("chu_dau_tu",):
        return applicant["name"]
    if name.startswith(("dia_chi", "noi_", "que_quan", "dia_diem")):
        return applicant["address"]
    if name.startswith("dan_toc"):
        return "Kinh"
    if name.startswith("quoc_tich"):
        return "Việt Nam"
    text = {"ten_ho_kinh_doanh": f"Hộ kinh doanh {applicant['name']}", "thua_dat_so": str(rng.randint(10, 900)),
            "to_ban_do_so": str(rng.randint(1, 60)), "giay_bao_tu": f"Giấy báo tử số {rng.randint(1, 300)}/GBT",
            "nganh_nghe": "Bán lẻ hàng tạp hóa, đồ uống", "qua_trinh_cu_tru": "Từ khi sinh đến nay: cư trú tại "
            + applicant["address"]}
    return text.get(name, "Theo giấy tờ kèm theo")
