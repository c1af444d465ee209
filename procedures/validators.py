from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from onestop.uploads import PDF, WORD_PROCESSOR, validate_upload

from .formatting import plain_number

unit_code_validator = RegexValidator(
    r"^(\d{2}|\d{5})$",
    _("An administrative unit code has 2 digits (province) or 5 digits (commune level)."),
)
agency_code_validator = RegexValidator(
    r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z]\d{2}$",
    _("An electronic agency code looks like 000.00.06.H56 (Decision 20/2020/QĐ-TTg)."),
)
procedure_code_validator = RegexValidator(
    r"^\d\.\d{6}$",
    _("A national procedure code looks like 1.001193."),
)

TEMPLATE_MAX_BYTES = 10 * 1024 * 1024


def validate_template_file(upload):
    """A document template must really be a PDF or word-processor file."""
    validate_upload(upload, allowed={**PDF, **WORD_PROCESSOR}, max_bytes=TEMPLATE_MAX_BYTES)


def validate_step_shares(*, time_limit, shares):
    """The ISO steps divide the procedure's time limit among themselves: their shares must add up to it exactly."""
    shares = [Decimal(share) for share in shares]
    if not shares:
        raise ValidationError(_("A procedure needs at least one process step."), code="no_steps")
    total = sum(shares, Decimal(0))
    if time_limit is not None and total != Decimal(time_limit):
        raise ValidationError(
            _("The steps' shares add up to %(total)s but the time limit is %(limit)s; they must be equal."),
            params={"total": plain_number(total), "limit": plain_number(Decimal(time_limit))},
            code="shares_mismatch",
        )

