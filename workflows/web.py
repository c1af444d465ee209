"""Request and response pieces the citizen portal and the staff window share: files chosen for a dossier, and its
documents and slips served back. Each view decides first who may have them."""

from django.http import FileResponse, HttpResponse
from django.urls import reverse

from . import slips


def client_ip(request):
    return request.META.get("REMOTE_ADDR")


def document_uploads(request, snapshot):
    """The files chosen for a procedure version's required documents, by document order (fields document_<n>)."""
    return {order: request.FILES[f"document_{order}"]
            for order, _document in enumerate(snapshot["documents"], start=1)
            if f"document_{order}" in request.FILES}


def document_response(document):
    """An attached document, opened in the browser as the type its content was judged to be."""
    return FileResponse(document.file.open("rb"), filename=document.original_filename,
                        content_type=document.content_type)


def slip_response(request, dossier, name):
    """Slip `name` of the dossier as an inline PDF; its QR code opens the public lookup for this dossier."""
    lookup_url = request.build_absolute_uri(reverse("citizens:lookup")) + f"?code={dossier.code}"
    response = HttpResponse(slips.SLIPS[name].function(dossier, lookup_url=lookup_url),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-{name}.pdf"'
    return response
