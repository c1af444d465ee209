"""The indicators dashboard in the admin, for leaders and administrators: the period's Decision 766 points and the
figures behind them, the trend over the last twelve months, rankings of agencies, communes and fields by points, and
a drill-down from the province to an agency, a procedure and its late dossiers; with the periodic report as XLSX or
CSV."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from workflows.dossiers import selectors
from workflows.dossiers.staff import LEADER_ROLES, StaffRole, staff_roles

from . import exports, indicators, scores
from .figures import INDICATORS
from .forms import IndicatorQuery
from .periods import Period, add_months

RANKED = 10


def may_view_indicators(user):
    return user.is_active and (user.is_superuser or any(
        role in (*LEADER_ROLES, StaffRole.PROVINCE_ADMIN) for _agency, role in staff_roles(user)))


def _query(request):
    if not may_view_indicators(request.user):
        raise PermissionDenied
    return IndicatorQuery(request.GET)


def _grouping(scope):
    """What the table under the figures lists: the province's agencies, an agency's or commune's procedures."""
    if "procedure" in scope:
        return None
    if "agency" in scope or "commune" in scope or "field" in scope:
        return "procedure"
    return "agency"


def dashboard(request):
    form = _query(request)
    context = {**admin.site.each_context(request), "title": _("Service indicators"), "form": form,
               "indicators": INDICATORS}
    if not form.is_valid():
        return TemplateResponse(request, "admin/reporting/indicators.html", context, status=400)
    period, scope = form.cleaned_data["period"], form.scope
    by = _grouping(scope)
    summary = indicators.report(period, **scope)[0].figures
    # The twelve months ending with the period's.
    trend_first = add_months(period.last.replace(day=1), -11)
    trend = indicators.report(Period(trend_first, period.last), by="month", **scope)
    rows = scores.ranked(indicators.report(period, by=by, **scope)) if by else []
    query = {"period": period.slug} if period.slug else {"first": period.first, "last": period.last}
    context.update(
        period=period, scope=scope, summary=summary, grouping=by, scorecard=scores.scorecard(summary),
        score_groups=scores.TABLE,
        trend=_trend_chart(trend),
        rows=_drilled(rows, query, scope, by),
        breadcrumbs=_breadcrumbs(query, scope),
        export_query=urlencode({**query, **_codes_of(scope)}),
    )
    if by == "agency":
        context["rankings"] = [
            (_("Agencies by Decision 766 points"), _ranking(rows, query, "agency")),
            (_("Communes by Decision 766 points"), _ranking(
                scores.ranked(indicators.report(period, by="commune")), query, "commune")),
            (_("Fields by Decision 766 points"), _ranking(
                scores.ranked(indicators.report(period, by="field")), query, "field")),
        ]
    if scope:
        context["late"] = list(indicators.late_dossiers(period, **scope).filter(
            pk__in=selectors.visible_dossiers(request.user).values("pk"))[:50])
    return TemplateResponse(request, "admin/reporting/indicators.html", context)


def export(request, extension):
    form = _query(request)
    if not form.is_valid():
        return HttpResponse("; ".join(form.errors.get("__all__", [])) or form.errors.as_text(), status=400,
                            content_type="text/plain; charset=utf-8")
    period, scope = form.cleaned_data["period"], form.scope
    title = " › ".join([_("Province")] + [str(value) for value in scope.values()])
    lines = exports.report_lines(period, by=_grouping(scope), **scope)
    name = f"bao-cao-tthc-{period.slug or f'{period.first:%Y%m%d}-{period.last:%Y%m%d}'}"
    if extension == "xlsx":
        response = HttpResponse(exports.as_xlsx(title, period, lines), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    else:
        response = HttpResponse(exports.as_csv(title, period, lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def _codes_of(scope):
    """The scope as the query string names it."""
    return {name: value.code for name, value in scope.items()}


def _drilled(rows, query, scope, by):
    """The table's rows with their scorecards, best first, each with its link one level down."""
    codes = indicators.codes(by, [row.key for row, _card in rows]) if by else {}
    carried = {**query, **_codes_of(scope)}
    return [(row, card, f"?{urlencode({**carried, by: codes[row.key]})}" if row.key in codes else None)
            for row, card in rows]


def _ranking(rows, query, by):
    """The best and the worst RANKED by their share of the points they could earn, as bars; those that handled no
    dossier are not ranked."""
    rated = list(enumerate([(row, card) for row, card in rows if row.figures.handled and card.out_of], start=1))
    shown = rated if len(rated) <= 2 * RANKED else rated[:RANKED] + rated[-RANKED:]
    codes = indicators.codes(by, [row.key for _position, (row, _card) in shown])
    return [{"label": row.label, "card": card, "width": round(card.share * 100, 1), "position": position,
             "link": "?" + urlencode({**query, by: codes.get(row.key)})}
            for position, (row, card) in shown]


def _breadcrumbs(query, scope):
    crumbs = [(_("Province"), "?" + urlencode(query))]
    carried = dict(query)
    for name in ("commune", "agency", "field", "procedure"):
        if name in scope:
            carried[name] = scope[name].code
            crumbs.append((str(scope[name]), "?" + urlencode(carried)))
    return crumbs


CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 720, 220, 20


def _trend_chart(rows):
    """Bars of dossiers received and a line of the on-time rate, month by month, as SVG geometry."""
    peak = max([row.figures.received for row in rows] + [1])
    slot = CHART_WIDTH / max(len(rows), 1)
    bars, points = [], []
    for index, row in enumerate(rows):
        height = CHART_HEIGHT * row.figures.received / peak
        x = index * slot
        bars.append({"x": round(x + slot * 0.15, 1), "width": round(slot * 0.7, 1),
                     "y": round(CHART_TOP + CHART_HEIGHT - height, 1), "height": round(height, 1),
                     "label": f"{row.key:%m/%y}", "received": row.figures.received,
                     "rate": row.figures.on_time_rate, "centre": round(x + slot / 2, 1)})
        if row.figures.on_time_rate is not None:
            points.append(f"{x + slot / 2:.1f},{CHART_TOP + CHART_HEIGHT * (1 - row.figures.on_time_rate):.1f}")
    return {"bars": bars, "line": " ".join(points), "peak": peak, "width": CHART_WIDTH,
            "height": CHART_HEIGHT + CHART_TOP + 30, "base": CHART_TOP + CHART_HEIGHT, "top": CHART_TOP}

