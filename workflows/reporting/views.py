"""The public page of the province's service indicators (/chi-so/)."""

from django.shortcuts import render
from django.utils import timezone

from . import indicators
from .forms import IndicatorQuery


def transparency(request):
    """The province's service indicators for anyone: the province and each agency, counts and rates only."""
    form = IndicatorQuery({"period": request.GET.get("period", "")})
    if not form.is_valid():
        return render(request, "reporting/transparency.html", {"form": form}, status=400)
    period = form.cleaned_data["period"]
    agencies = [row for row in indicators.report(period, by="agency")
                if row.figures.received or row.figures.settled or row.figures.in_progress]
    return render(request, "reporting/transparency.html", {
        "form": form, "period": period, "province": indicators.report(period)[0].figures,
        "agencies": indicators.best_first(agencies),
        "headline": [indicator for indicator in indicators.INDICATORS if indicator.key in PUBLIC_RATES],
        "years": range(timezone.localdate().year, timezone.localdate().year - 4, -1),
    })


PUBLIC_RATES = ("on_time_rate", "online_filing_rate", "full_online_rate", "online_payment_rate", "digitised_rate",
                "satisfaction_rate")
