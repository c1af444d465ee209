from decimal import Decimal

from django.utils.formats import number_format


def plain_number(value):
    """10.00 -> "10", 0.50 -> "0.5": how people write a number of days."""
    return format(Decimal(value).normalize(), "f")


def localized_number(value):
    """A plain number in the reader's language: "0,5" in Vietnamese, "0.5" in English."""
    return number_format(Decimal(plain_number(value)))
