"""The slips and the tracking book served to the window and the portal, once each view has decided who may have
them."""

from io import BytesIO

from django.http import FileResponse, HttpResponse
from django.urls import reverse

from . import book, issuing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def slip_response(request, dossier, name):
    """Slip `name` of the dossier as an inline PDF, sealed and registered (issuing.py); its QR code opens the public
    lookup for this dossier, a second one the verification of this very copy."""
    lookup_url = request.build_absolute_uri(reverse("citizens:lookup")) + f"?code={dossier.code}"
    response = HttpResponse(issuing.issue_slip(request, dossier, name, lookup_url=lookup_url),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-{name}.pdf"'
    return response


def book_response(register, file_format):
    """A desk's register (form 07) as a PDF or XLSX download."""
    content, content_type = ((book.register_xlsx(register), XLSX) if file_format == "xlsx"
                             else (book.register_pdf(register), "application/pdf"))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (f'attachment; filename="so-theo-doi-ho-so-{register.desk.code}-'
                                       f'{register.first:%Y%m%d}-{register.last:%Y%m%d}.{file_format}"')
    return response


def result_response(dossier):
    """The electronic copy of the dossier's result, sealed by the agency on top of the leader's signature."""
    return FileResponse(BytesIO(issuing.issue_result_copy(dossier)), as_attachment=True,
                        filename=f"{dossier.code}-ket-qua.pdf", content_type="application/pdf")
