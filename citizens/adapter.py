from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import VerifyPhoneForm
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from procedures.validators import normalise_phone, validate_phone_number

from .tasks import send_text_soon


class PhoneField(forms.CharField):
    """A Vietnamese mobile number as people write it (0912 345 678, +84 912 345 678), kept as 0912345678."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Phone"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                                           "inputmode": "tel", "placeholder": "0912 345 678"}))
        kwargs.pop("validators", None)
        super().__init__(validators=[validate_phone_number], **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_phone(value) if value else value


def user_display(user):
    """How allauth names a person in its messages ("signed in as …"): their name, else how they sign in; never
    the internal username."""
    return user.get_full_name() or user.email or getattr(user, "phone", "") or _("your account")


def site():
    """The site as allauth's emails name it: ONESTOP_SITE_NAME and the host of ONESTOP_SITE_URL, not the host the
    request happened to arrive at."""
    return SimpleNamespace(name=settings.ONESTOP_SITE_NAME, domain=urlsplit(settings.ONESTOP_SITE_URL).netloc)


class PhoneCodeForm(VerifyPhoneForm):
    """The code sent by SMS, named as such: allauth's "Code" would read as a dossier's code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("Verification code")
        code.widget.attrs.update(placeholder=_("6-digit code from the SMS"), inputmode="numeric")


class AccountAdapter(DefaultAccountAdapter):
    """Citizens sign in with their email or their phone; the phone is stored on the user and verified by SMS."""

    def save_user(self, request, user, form, commit=True):
        # Messages go out in the language the citizen signed up in, until they choose another.
        user.language = get_language() or user.language
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix, email, context):
        super().send_mail(template_prefix, email, {**context, "current_site": site()})

    def phone_form_field(self, **kwargs):
        return PhoneField(**kwargs)

    def set_phone(self, user, phone, verified):
        user.phone, user.phone_verified = phone, verified
        if user.pk:
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user, phone):
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone):
        return get_user_model().objects.filter(phone=normalise_phone(phone)).order_by("pk").first()

    def send_verification_code_sms(self, user, phone, code, **kwargs):
        send_text_soon(phone, _("Your OneStop verification code is %(code)s. Do not give it to anyone.")
                       % {"code": code})

    def send_unknown_account_sms(self, phone, **kwargs):
        send_text_soon(phone, _("Someone asked for a OneStop code for this number, which has no account."))

    def send_account_already_exists_sms(self, phone):
        send_text_soon(phone, _("This number already has a OneStop account: sign in, or reset your password."))
