"""The demo's signing keys: a certification authority, the agency's seal, a timestamp authority, and a signing
certificate for each demo leader. Development only."""

from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from workflows.dossiers.models import StaffMembership
from workflows.dossiers.staff import LEADER_ROLES
from workflows.signing.authority import Authority, Issued

# What the leaders' key files are locked with: a PDF reader asks for it when importing one.
LEADER_PASSPHRASE = "onestop-demo"
# Thanh Hóa (038), a man born in 1978: the rest of a demo leader's identity number is the account's id.
DEMO_IDENTITY_PREFIX = "038078"


class Command(BaseCommand):
    help = ("Writes the demo's signing keys under PRIVATE_MEDIA_ROOT/signing-demo/ once: a demo certification "
            "authority (ca.pem, its CRL ca.crl), the agency's sealing certificate (agency.p12), a local timestamp "
            "authority (tsa.p12) and, for each leader (department heads and agency leaders) who has none yet, a "
            "signing certificate carrying their identity number (leaders/<username>.p12, passphrase "
            f"'{LEADER_PASSPHRASE}'); a demo leader without an identity number is given one. Run with "
            "SIGNING_DEMO_KEYS=true to use them. Refused where the simulators are off (production).")

    def handle(self, *args, **options):
        if not settings.NATIONAL_SIMULATORS:
            raise CommandError("Demo signing keys are for development: production uses the province's "
                               "certificates (RESULT_SIGNATURE_TRUST_ROOTS, AGENCY_SEAL).")
        directory = settings.SIGNING_DEMO_DIR
        (directory / "leaders").mkdir(parents=True, exist_ok=True)
        authority = self._authority(directory)
        for name, issue in (("agency.p12", lambda: authority.issue("OneStop — Trung tâm Phục vụ hành chính công")),
                            ("tsa.p12", lambda: authority.issue("OneStop Demo TSA", timestamping=True))):
            if not (directory / name).exists():
                (directory / name).write_bytes(issue().pkcs12())
        (directory / "ca.crl").write_bytes(authority.crl(next_update=timedelta(days=365)))
        for user in self._leaders():
            path = directory / "leaders" / f"{user.get_username()}.p12"
            if path.exists():
                continue
            if not user.identity_number:
                number = f"{DEMO_IDENTITY_PREFIX}{user.pk:06d}"
                if get_user_model().objects.filter(identity_number=number).exists():
                    self.stderr.write(f"{user.get_username()}: {number} is taken; give them an identity number.")
                    continue
                user.identity_number = number
                user.save(update_fields=["identity_number"])
            issued = authority.issue(user.get_full_name() or user.get_username(),
                                     identity_number=user.identity_number)
            path.write_bytes(issued.pkcs12(LEADER_PASSPHRASE.encode()))
            self.stdout.write(f"Signing certificate for {user.get_username()}: {path}")
        self.stdout.write(f"Demo signing keys in {directory}.")

    def _authority(self, directory):
        certificate, key = directory / "ca.pem", directory / "ca-key.pem"
        if certificate.exists() and key.exists():
            return Authority(root=Issued(serialization.load_pem_private_key(key.read_bytes(), None),
                                         x509.load_pem_x509_certificate(certificate.read_bytes())))
        authority = Authority(name="OneStop Demo CA")
        key.write_bytes(authority.root.key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
        key.chmod(0o600)
        certificate.write_bytes(authority.root.certificate_pem())
        return authority

    def _leaders(self):
        leader_ids = StaffMembership.objects.filter(role__in=LEADER_ROLES).values("user_id")
        return get_user_model().objects.filter(pk__in=leader_ids, is_active=True).order_by("pk")

