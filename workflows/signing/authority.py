"""A small certification authority built locally: the demo's keys (make_demo_signing_keys) and the tests'.
Never the province's trust: production refuses the demo keys."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign import signers

__all__ = ["Authority", "Issued"]


@dataclass(frozen=True)
class Issued:
    key: object
    certificate: x509.Certificate
    chain: tuple = ()

    def pkcs12(self, passphrase=b""):
        encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                      else serialization.NoEncryption())
        return pkcs12.serialize_key_and_certificates(b"signer", self.key, self.certificate, list(self.chain),
                                                     encryption)

    def signer(self):
        """A pyHanko signer holding this key: signs PDFs as this certificate's holder."""
        return signers.SimpleSigner.load_pkcs12_data(self.pkcs12(), other_certs=[])

    def certificate_pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _name(common_name, organisation, identity_number=None):
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                  x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if identity_number:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, f"CCCD:{identity_number}"))
    return x509.Name(attributes)


@dataclass
class Authority:
    """A root CA that issues signing, sealing and timestamping certificates and revokes them in a CRL."""

    name: str = "OneStop Demo CA"
    organisation: str = "OneStop"
    root: Issued = None
    revoked: list = field(default_factory=list)
    # Where the CRL would be published: a certificate that names none is never checked for revocation.
    crl_url: str = "http://ca.onestop.invalid/crl.der"

    def __post_init__(self):
        if self.root is None:
            key = ec.generate_private_key(ec.SECP256R1())
            now = datetime.now(UTC)
            subject = _name(self.name, self.organisation)
            certificate = (
                x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=True, crl_sign=True, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
            self.root = Issued(key, certificate)

    def issue(self, common_name, *, identity_number=None, organisation=None, valid_from=None, valid_until=None,
              timestamping=False):
        """A certificate for a signer (its identity number in the subject's UID, as Vietnamese CAs write it),
        the agency's seal, or a timestamp authority (RSA: pyHanko's local timestamper signs with RSA only)."""
        key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if timestamping
               else ec.generate_private_key(ec.SECP256R1()))
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organisation or self.organisation, identity_number))
            .issuer_name(self.root.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or now - timedelta(days=1))
            .not_valid_after(valid_until or now + timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=not timestamping,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         key_cert_sign=False, crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                           critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)], relative_name=None, reasons=None,
                crl_issuer=None)]), critical=False))
        if timestamping:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                            critical=True)
        return Issued(key, builder.sign(self.root.key, hashes.SHA256()), chain=(self.root.certificate,))

    def revoke(self, issued):
        self.revoked.append(issued.certificate.serial_number)

    def crl(self, *, next_update=timedelta(days=7)):
        """The revocation list, DER."""
        now = datetime.now(UTC)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.root.certificate.subject)
                   .last_update(now - timedelta(minutes=5)).next_update(now + next_update)
                   .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                                  critical=False))
        for serial in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - timedelta(minutes=1))
                .build())
        return builder.sign(self.root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
