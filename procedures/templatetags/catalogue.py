from django import template
from django.utils.formats import get_format
from django.utils.numberformat import format as format_number

from procedures.formatting import localized_number

register = template.Library()


@register.filter
def vnd(amount):
    """Whole đồng, grouped the way the reader's language groups thousands: 75.000 ₫ (vi), 75,000 ₫ (en)."""
    if amount in (None, ""):
        return ""
    grouped = format_number(
        int(amount), decimal_sep="", decimal_pos=0, grouping=3, thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )
    return f"{grouped} ₫"


@register.filter
def quantity(value):
    """A share of days or hours as people write it: 0,5 rather than 0.50."""
    return localized_number(value)
