"""Request and response pieces the citizen portal and the staff window share: files chosen for a dossier, and its
documents served back. Each view decides first who may have them."""

from django.http import FileResponse


def document_uploads(request, snapshot):
    """The files chosen for a procedure version's required documents, by document order (fields document_<n>)."""
    return {order: request.FILES[f"document_{order}"]
            for order, _document in enumerate(snapshot["documents"], start=1)
            if f"document_{order}" in request.FILES}


def document_response(document):
    """An attached document, opened in the browser as the type its content was judged to be."""
    return FileResponse(document.file.open("rb"), filename=document.original_filename,
                        content_type=document.content_type)

