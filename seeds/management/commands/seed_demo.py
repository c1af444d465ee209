from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError

DEMO_ACCOUNTS = [
    # username, password, role, staff, superuser
    ("admin", "onestop-admin", "province administrator (everything)", True, True),
    ("bientap", "onestop-catalogue", "catalogue editor (procedures in the admin)", True, False),
    ("congdan", "onestop-citizen", "citizen", False, False),
]
CATALOGUE_EDITORS = "Catalogue editors"


class Command(BaseCommand):
    help = (
        "Create the demo accounts (an administrator, a catalogue editor and a citizen) with known passwords and "
        "print their logins. For trying OneStop out only: refuses to run when DEBUG is off. Safe to run again."
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
            self.stdout.write(f"  {username:<10} {password:<20} {role}")
        citizen = self.citizen()
        self.stdout.write(self.style.SUCCESS(
            "The citizen signs in to the portal at http://127.0.0.1:8000/tai-khoan/login/ "
            f"with {citizen.email} or {citizen.phone} and onestop-citizen."))

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
