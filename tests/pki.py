"""A province's trust made in the tests: a root, the leader's certificate, another person's, an expired one, a
revoked one, the agency's seal and a timestamp authority, with their files and the settings pointing at them."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

import weasyprint
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from workflows.signing import sealing
from workflows.signing.authority import Authority

LEADER_IDENTITY = "038085012345"
OTHER_IDENTITY = "038090054321"


class Pki:
    def __init__(self, directory):
        self.authority = Authority(name="Test Root CA", organisation="Ban Cơ yếu Chính phủ (thử)")
        self.leader = self.authority.issue("Hoàng Văn Nam", identity_number=LEADER_IDENTITY)
        self.other = self.authority.issue("Trần Thị Khác", identity_number=OTHER_IDENTITY)
        now = datetime.now(UTC)
        self.expired = self.authority.issue("Hoàng Văn Nam (cũ)", identity_number=LEADER_IDENTITY,
                                            valid_from=now - timedelta(days=800), valid_until=now - timedelta(days=1))
        self.revoked = self.authority.issue("Hoàng Văn Nam (thu hồi)", identity_number=LEADER_IDENTITY)
        self.authority.revoke(self.revoked)
        self.agency = self.authority.issue("Trung tâm Phục vụ hành chính công (thử)")
        self.tsa = self.authority.issue("Test TSA", timestamping=True)
        self.stranger = Authority(name="Unknown CA").issue("Hoàng Văn Nam", identity_number=LEADER_IDENTITY)
        self.root_path = directory / "root.pem"
        self.root_path.write_bytes(self.authority.root.certificate_pem())
        self.crl_path = directory / "root.crl"
        self.crl_path.write_bytes(self.authority.crl())
        self.agency_path = directory / "agency.p12"
        self.agency_path.write_bytes(self.agency.pkcs12(b"agency-secret"))
        self.tsa_path = directory / "tsa.p12"
        self.tsa_path.write_bytes(self.tsa.pkcs12())

    def configure(self, settings, *, required=True):
        settings.RESULT_SIGNATURES_REQUIRED = required
        settings.RESULT_SIGNATURE_TRUST_ROOTS = [str(self.root_path)]
        settings.RESULT_SIGNATURE_CRLS = [str(self.crl_path)]
        settings.SIGNATURE_REVOCATION_FETCHING = False
        settings.SIGNATURE_REVOCATION_MODE = "soft-fail"
        settings.AGENCY_SEAL = {"PKCS12": str(self.agency_path), "PASSPHRASE": "agency-secret"}
        settings.SIGNING_TSA_URL = ""
        settings.SIGNING_TSA_PKCS12 = str(self.tsa_path)
        settings.SIGNING_TSA_PASSPHRASE = ""


def document(text="Quyết định cấp giấy phép xây dựng số 12/GPXD"):
    return weasyprint.HTML(string=f"<h1>{text}</h1>").write_pdf()


def signed(issued, data=None, *, timestamped=True):
    """`data` (a fresh document by default) signed PAdES by the holder of `issued`."""
    return sealing.sign_pdf(data or document(), signer=issued.signer(), field_name="Signature1",
                            stamper=sealing.timestamper() if timestamped else None)


def tampered(data):
    """The signed file with one byte of its signed content changed, as an edit in place would."""
    index = data.index(b"/Producer")
    return data[:index] + b"/Producex" + data[index + len(b"/Producer"):]


def with_appended_page(data):
    """The signed file with an incremental update that changes what it shows after it was signed."""
    writer = IncrementalPdfFileWriter(BytesIO(data))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
