from decimal import Decimal

from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.numberformat import format as format_number


def plain_number(value):
    """10.00 -> "10", 0.50 -> "0.5": how people write a number of days. A float is read as it prints (43.7, not
    its binary expansion 43.70000000000000284...)."""
    return format(Decimal(str(value)).normalize(), "f")


def localized_number(value):
    """A plain number in the reader's language: "0,5" in Vietnamese, "0.5" in English."""
    return number_format(Decimal(plain_number(value)))


def vnd(amount):
    """Whole đồng, grouped the way the reader's language groups thousands: 75.000 ₫ (vi), 75,000 ₫ (en)."""
    if amount in (None, ""):
        return ""
    grouped = format_number(
        int(amount), decimal_sep="", decimal_pos=0, grouping=3, thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )
    return f"{grouped} ₫"


def local_moment(moment):
    """A moment as people in the province read it: 20/11/2026 17:00, in province time."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")
