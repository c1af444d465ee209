"""Signing on the server: OneStop's agency certificate (AGENCY_SEAL: a PKCS#12 file or a key on a PKCS#11 token)
seals the slips and copies OneStop issues, and signs results OneStop generates itself; a timestamp from the
province's timestamp authority (SIGNING_TSA_URL, RFC 3161) or a local one (SIGNING_TSA_PKCS12) dates it."""

from functools import lru_cache
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from . import outside_event_loop

__all__ = ["SealNotConfigured", "agency_signer", "seal_pdf", "sign_pdf", "timestamper"]

SEAL_FIELD = "OneStopSeal"
TSA_TIMEOUT = 10


class SealNotConfigured(RuntimeError):
    """No agency certificate is configured (AGENCY_SEAL)."""


def _passphrase(value):
    return value.encode() if value else None


def pkcs12_signer(path, passphrase=""):
    with open(path, "rb") as file:
        return signers.SimpleSigner.load_pkcs12_data(file.read(), other_certs=[], passphrase=_passphrase(passphrase))


def pkcs11_signer(*, module, token, key_label, cert_label, pin, raw_mechanism=False):
    session = open_pkcs11_session(module, token_criteria=TokenCriteria(label=token), user_pin=pin)
    # A raw mechanism hashes on the server: for tokens without combined hash-and-sign mechanisms (SoftHSM2's ECDSA).
    return PKCS11Signer(session, key_label=key_label, cert_label=cert_label or key_label,
                        use_raw_mechanism=raw_mechanism)


def agency_signer():
    """The agency's signer as configured, or None when OneStop seals nothing (development without demo keys)."""
    seal = settings.AGENCY_SEAL
    if seal.get("PKCS11_MODULE"):
        return pkcs11_signer(module=seal["PKCS11_MODULE"], token=seal.get("PKCS11_TOKEN"),
                             key_label=seal.get("PKCS11_KEY_LABEL"), cert_label=seal.get("PKCS11_CERT_LABEL"),
                             pin=seal.get("PKCS11_PIN"), raw_mechanism=seal.get("PKCS11_RAW_MECHANISM", False))
    if seal.get("PKCS12"):
        return _cached_pkcs12_signer(seal["PKCS12"], seal.get("PASSPHRASE", ""))
    return None


@lru_cache(maxsize=4)
def _cached_pkcs12_signer(path, passphrase):
    return pkcs12_signer(path, passphrase)


def timestamper():
    if settings.SIGNING_TSA_URL:
        return HTTPTimeStamper(settings.SIGNING_TSA_URL, timeout=TSA_TIMEOUT)
    if settings.SIGNING_TSA_PKCS12:
        return _local_timestamper(settings.SIGNING_TSA_PKCS12, settings.SIGNING_TSA_PASSPHRASE)
    return None


@lru_cache(maxsize=2)
def _local_timestamper(path, passphrase):
    """A timestamp authority run by OneStop itself from a key file: for the demo and the tests."""
    with open(path, "rb") as file:
        key, certificate, chain = pkcs12.load_key_and_certificates(file.read(), _passphrase(passphrase))
    der = serialization.Encoding.DER
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                                                serialization.NoEncryption())),
        certs_to_embed=[asn1_x509.Certificate.load(cert.public_bytes(der)) for cert in chain],
    )


def sign_pdf(data, *, signer, field_name, reason="", location="", stamper=None):
    """The PDF signed PAdES (B-T with a timestamper) as an incremental update: earlier signatures stay valid."""
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    existing = {name for name, _value, _ref in fields.enumerate_sig_fields(writer.prev)}
    name, number = field_name, 1
    while name in existing:  # a second seal on an already sealed copy gets a field of its own
        number += 1
        name = f"{field_name}{number}"
    metadata = signers.PdfSignatureMetadata(field_name=name, reason=reason or None, location=location or None,
                                            subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    output = outside_event_loop(signers.PdfSigner(metadata, signer=signer, timestamper=stamper).sign_pdf, writer)
    return output.getvalue()


def seal_pdf(data, *, reason="", location="", signer=None):
    """The PDF sealed with the agency's certificate and a timestamp; raises SealNotConfigured without one."""
    signer = signer or agency_signer()
    if signer is None:
        raise SealNotConfigured("AGENCY_SEAL is not configured")
    return sign_pdf(data, signer=signer, field_name=SEAL_FIELD, reason=reason, location=location,
                    stamper=timestamper())
