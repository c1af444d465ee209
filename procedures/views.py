from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render

from . import selectors
from .forms import CatalogueSearchForm
from .models import Procedure, RequiredDocument

PAGE_SIZE = 20


def catalogue(request):
    form = CatalogueSearchForm(request.GET or None)
    procedures = Procedure.objects.none()
    if form.is_bound and form.is_valid():
        procedures = selectors.search_procedures(
            query=form.cleaned_data["q"],
            field=form.cleaned_data["field"],
            level=form.cleaned_data["level"],
            agency=form.cleaned_data["agency"],
        )
    elif not form.is_bound:
        procedures = selectors.search_procedures()
    page = Paginator(procedures, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procedures/catalogue.html", {"form": form, "page": page})


def procedure_detail(request, code):
    try:
        procedure = selectors.procedure_detail(code=code)
    except Procedure.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "procedure": procedure,
            "desks": selectors.receiving_desks(level=procedure.level, boundary_free=procedure.boundary_free),
            "appointment": selectors.expected_appointment(procedure),
        },
    )


def document_template(request, code, document_id):
    try:
        document = selectors.downloadable_template(procedure_code=code, document_id=document_id)
    except RequiredDocument.DoesNotExist:
        raise Http404 from None
    return FileResponse(document.template.open("rb"), as_attachment=True)
