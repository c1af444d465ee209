from django import template

from procedures import formatting

register = template.Library()

register.filter("vnd", formatting.vnd)


@register.filter
def quantity(value):
    """A share of days or hours as people write it: 0,5 rather than 0.50."""
    return formatting.localized_number(value)
