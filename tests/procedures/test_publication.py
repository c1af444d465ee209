"""What a procedure's publication needs to be complete (Decision 766's publicity indicators), and the admin saying
what is missing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from procedures.models import LegalDocument
from tests.factories import FeeFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


def test_a_publication_is_complete_with_documents_steps_fees_legal_basis_and_result():
    # The factory's three steps share its 5 working days.
    procedure = ProcedureFactory(result="")
    with translation.override("en"):
        assert procedure.publication_gaps == ["documents", "fees and charges", "legal basis", "result"]
        RequiredDocumentFactory(procedure=procedure)
        # A free procedure states its fee as 0, with the exemption.
        FeeFactory(procedure=procedure, amount=0, note="Miễn lệ phí")
        procedure.legal_basis.add(LegalDocument.objects.create(number="60/2014/QH13", title="Luật Hộ tịch"))
        procedure.result = "Giấy khai sinh"
        assert procedure.publication_gaps == []
        procedure.time_limit = Decimal(6)
        assert procedure.publication_gaps == ["steps adding up to the time limit"]


def test_the_admin_shows_what_a_publication_lacks(admin_client_logged_in):
    procedure = ProcedureFactory()
    RequiredDocumentFactory(procedure=procedure)
    FeeFactory(procedure=procedure)
    page = admin_client_logged_in.get(reverse("admin:procedures_procedure_change", args=[procedure.pk]))
    html = page.content.decode()
    assert "Còn thiếu để công khai đầy đủ" in html and "căn cứ pháp lý" in html
    assert 'name="announced_on"' in html and 'name="published_on"' in html
