"""The public page of the province's service indicators (/chi-so/)."""

from django.shortcuts import render
from django.utils import timezone

from . import indicators, scores
from .forms import IndicatorQuery


def transparency(request):
    """The province's service indicators and Decision 766 points for anyone: the province, and each agency that
    received, settled or is processing dossiers; figures only."""
    form = IndicatorQuery({"period": request.GET.get("period", "")})
    if not form.is_valid():
        return render(request, "reporting/transparency.html", {"form": form}, status=400)
    period = form.cleaned_data["period"]
    province = indicators.report(period)[0].figures
    agencies = [(row, card) for row, card in scores.ranked(indicators.report(period, by="agency"))
                if row.figures.received or row.figures.settled or row.figures.in_progress]
    return render(request, "reporting/transparency.html", {
        "form": form, "period": period, "province": province, "scorecard": scores.scorecard(province),
        "agencies": agencies, "years": range(timezone.localdate().year, timezone.localdate().year - 4, -1),
    })
