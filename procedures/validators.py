import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
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
# A form field's name is the key of its answer in a dossier's form data, so it stays plain ASCII.
form_field_name_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$",
    _("Use lowercase letters without accents, digits and underscores, starting with a letter: ngay_sinh."),
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



# Province codes of birth registration that begin a citizen identity number, as the Ministry of Public
# Security assigns them: the 63 provinces before the 2025 mergers (numbers already issued keep their code).
IDENTITY_PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 "
    "037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 "
    "077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)
# The 4th digit codes century and sex together: even for men, odd for women.
IDENTITY_CENTURIES = {"0": 1900, "1": 1900, "2": 2000, "3": 2000, "4": 2100, "5": 2100, "6": 2200, "7": 2200,
                      "8": 1800, "9": 1800}


def validate_identity_number(value):
    """A citizen identity number (số định danh cá nhân, CCCD): 12 digits, a known province of birth
    registration, and a birth year (from the century digit and the next two) that is not in the future."""
    if not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("A citizen identity number is made of digits only."), code="identity_number_not_digits"
        )
    if len(value) != 12:
        raise ValidationError(
            _("A citizen identity number has exactly 12 digits; this one has %(count)s."),
            params={"count": len(value)},
            code="identity_number_length",
        )
    if value[:3] not in IDENTITY_PROVINCE_CODES:
        raise ValidationError(
            _("A citizen identity number starts with the code of a province of birth registration; "
              "%(code)s is not one."),
            params={"code": value[:3]},
            code="identity_number_province",
        )
    birth_year = identity_birth_year(value)
    if birth_year > timezone.localdate().year:
        raise ValidationError(
            _("This citizen identity number gives %(year)s as the year of birth, which has not come yet."),
            params={"year": birth_year},
            code="identity_number_birth_year",
        )


def identity_birth_year(value):
    """The year of birth a 12-digit identity number encodes: the century digit, then the year's last two."""
    return IDENTITY_CENTURIES[value[3]] + int(value[4:6])


def normalise_phone(value):
    """What people type ("+84 912.345.678", "0912-345-678") in the 10-digit form "0912345678".

    It checks nothing: validate_phone_number does, on the result."""
    if not value:
        return value
    digits = re.sub(r"[\s.\-()]", "", value)
    for prefix in ("+84", "0084"):
        if digits.startswith(prefix):
            return "0" + digits.removeprefix(prefix)
    return digits


def validate_phone_number(value):
    """A Vietnamese phone number in its normalised 10-digit form, starting with 0 (see normalise_phone)."""
    if not re.fullmatch(r"0\d{9}", value, flags=re.ASCII):
        raise ValidationError(
            _("Enter a Vietnamese phone number of 10 digits starting with 0, e.g. 0912345678."),
            code="phone_number",
        )
