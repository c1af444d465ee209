from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from oauth2_provider.models import Application

from procedures.models import Agency
from seeds.demo import ADMIN_ROLES, DEMO_STAFF, DEMO_TOTP_SECRET, STAFF_PASSWORD
from workflows.dossiers.models import StaffMembership
from workflows.integrations.models import ApiClient

DEMO_ACCOUNTS = [
    # username, password, role, staff, superuser
    ("admin", "onestop-admin", "province administrator (everything)", True, True),
    ("bientap", "onestop-catalogue", "catalogue editor (procedures in the admin)", True, False),
    ("congdan", "onestop-citizen", "citizen", False, False),
]
CATALOGUE_EDITORS = "Catalogue editors"
DEMO_CLIENT_ID, DEMO_CLIENT_SECRET = "onestop-demo-integrator", "onestop-demo-secret"


def enrol_demo_authenticator(user):
    """The demo's authenticator app (DEMO_TOTP_SECRET) as the staff member's second factor, whatever they had."""
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, DEMO_TOTP_SECRET)


class Command(BaseCommand):
    help = (
        "Create the demo accounts (an administrator, a catalogue editor, a citizen and, once the catalogue is "
        "loaded, staff at real desks: receiving officers, a specialist, a department head, a leader and a result "
        "desk) with known passwords and print their logins. For trying OneStop out only: refuses to run when DEBUG "
        "is off. Safe to run again."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts have known passwords; they are never created with DEBUG off.")
        editors, _ = Group.objects.get_or_create(name=CATALOGUE_EDITORS)
        editors.permissions.set(Permission.objects.filter(content_type__app_label="procedures"))
        User = get_user_model()
        self.stdout.write(self.style.SUCCESS("Demo accounts (log in at http://127.0.0.1:8000/admin/):"))
        for username, password, role, is_staff, is_superuser in DEMO_ACCOUNTS:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={"is_staff": is_staff, "is_superuser": is_superuser, "email": f"{username}@demo.onestop.vn"},
            )
            user.set_password(password)
            user.save()
            if is_staff and not is_superuser:
                user.groups.add(editors)
            if is_staff:
                enrol_demo_authenticator(user)
            self.stdout.write(f"  {username:<15} {password:<20} {role}")
        for staff in self.staff():
            self.stdout.write(f"  {staff.username:<15} {STAFF_PASSWORD:<20} {staff.who}")
        self.stdout.write(self.style.SUCCESS(
            f"Staff then give a code from an authenticator app set up with the key {DEMO_TOTP_SECRET} "
            "(time-based, 6 digits, every 30 seconds)."))
        citizen = self.citizen()
        self.stdout.write(self.style.SUCCESS(
            "The citizen signs in to the portal at http://127.0.0.1:8000/tai-khoan/login/ "
            f"with {citizen.email} or {citizen.phone} and onestop-citizen."))
        if self.integrator():
            self.stdout.write(self.style.SUCCESS(
                "An integrated system files and reads dossiers at the provincial service centre through the API "
                "(http://127.0.0.1:8000/api/docs/); its token:\n"
                f"  curl -u {DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET} -d grant_type=client_credentials "
                "http://127.0.0.1:8000/o/token/"))

    def staff(self):
        """The demo staff at their desks, and the administrator at all of them; none before the catalogue is
        loaded."""
        agencies = Agency.objects.in_bulk([code for _role, code in ADMIN_ROLES], field_name="code")
        if len(agencies) < len({code for _role, code in ADMIN_ROLES}):
            self.stdout.write(self.style.WARNING("No demo staff: load the catalogue first (manage.py load_catalogue)."))
            return []
        User = get_user_model()
        for staff in DEMO_STAFF:
            family, *given = staff.full_name.split()
            user, _ = User.objects.update_or_create(username=staff.username, defaults={
                "is_staff": True, "is_superuser": False, "email": f"{staff.username}@demo.onestop.vn",
                "full_name": staff.full_name, "last_name": family, "first_name": " ".join(given)})
            user.set_password(STAFF_PASSWORD)
            user.save()
            StaffMembership.objects.get_or_create(user=user, agency=agencies[staff.agency_code], role=staff.role)
            enrol_demo_authenticator(user)
        admin = User.objects.get(username="admin")
        for role, code in ADMIN_ROLES:
            StaffMembership.objects.get_or_create(user=admin, agency=agencies[code], role=role)
        return DEMO_STAFF

    def citizen(self):
        """The demo citizen, with a verified email and phone, so they can file at once."""
        citizen = get_user_model().objects.get(username="congdan")
        citizen.full_name, citizen.identity_number = "Nguyễn Văn An", "038095001234"
        citizen.phone, citizen.phone_verified = "0912345678", True
        citizen.address = "Số 10 Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa"
        citizen.save()
        EmailAddress.objects.update_or_create(user=citizen, email=citizen.email,
                                              defaults={"verified": True, "primary": True})
        return citizen

    def integrator(self):
        """A demo API client with every scope, acting as a receiving officer of the provincial service centre;
        None before the catalogue is loaded."""
        centre = Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, receives_dossiers=True).first()
        if centre is None:
            return None
        account, _ = get_user_model().objects.get_or_create(
            username="he-thong-demo", defaults={"email": "he-thong-demo@demo.onestop.vn"})
        account.set_unusable_password()
        account.save()
        StaffMembership.objects.get_or_create(user=account, agency=centre, role="receiving_officer")
        application, _ = Application.objects.update_or_create(client_id=DEMO_CLIENT_ID, defaults={
            "name": "Demo integrated system", "user": account, "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS, "client_secret": DEMO_CLIENT_SECRET})
        ApiClient.objects.update_or_create(application=application,
                                           defaults={"scopes": list(ApiClient.Scope.values)})
        return application
