"""The slips and the tracking book served to the window and the portal, once each view has decided who may have
them."""

from django.http import HttpResponse
from django.urls import reverse

from . import book, slips

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def slip_response(request, dossier, name):
    """Slip `name` of the dossier as an inline PDF; its QR code opens the public lookup for this dossier."""
    lookup_url = request.build_absolute_uri(reverse("citizens:lookup")) + f"?code={dossier.code}"
    response = HttpResponse(slips.SLIPS[name].function(dossier, lookup_url=lookup_url),
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
