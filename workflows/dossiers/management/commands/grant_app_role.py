import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.dossiers.database_roles import RoleError, append_only_tables, create_login_role, grant_app_role


class Command(BaseCommand):
    help = ("Gives the application's PostgreSQL role exactly what OneStop needs: read and write rows, add to the "
            "audit trails but never change, delete or truncate them, own nothing. Run it as the tables' owner "
            "(DATABASE_URL of the owner, the role that runs migrate); idempotent. With DATABASE_APP_ROLE set, "
            "migrate runs it after every migration.")

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", default=None,
                            help="The application's role (default: DATABASE_APP_ROLE).")
        parser.add_argument("--create", action="store_true",
                            help="Create the role as a login role first if it does not exist, with the password in "
                                 "the DATABASE_APP_PASSWORD environment variable.")

    def handle(self, *args, role, create, **options):
        role = role or settings.DATABASE_APP_ROLE
        if not role:
            raise CommandError("Name the application's role, or set DATABASE_APP_ROLE.")
        try:
            if create:
                password = os.environ.get("DATABASE_APP_PASSWORD", "")
                if not password:
                    raise CommandError("--create needs the role's password in DATABASE_APP_PASSWORD.")
                if create_login_role(role, password):
                    self.stdout.write(f"Created the login role {role}.")
            grant_app_role(role)
        except RoleError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{role} may read and write rows and add to the audit trails ({', '.join(append_only_tables())}), "
            "and owns nothing."))
