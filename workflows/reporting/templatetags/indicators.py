from django import template
from django.utils.formats import number_format

from workflows.reporting.dashboard import may_view_indicators as allowed

register = template.Library()


@register.filter
def percent(rate):
    """A rate (0–1) as a percentage with one decimal in the reader's number format; a dash when undefined."""
    if rate is None or rate == "":
        return "—"
    return f"{number_format(round(rate * 100, 1), 1)}%"


@register.filter
def points(value):
    """Decision 766 points with two decimals, as the national portal publishes them; a dash when none."""
    if value is None:
        return "—"
    return number_format(round(value, 2), 2)


@register.simple_tag
def may_view_indicators(user):
    return user.is_authenticated and allowed(user)
