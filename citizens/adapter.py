from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.forms import VerifyPhoneForm
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.stages import EmailVerificationStage
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.stages import AuthenticateStage
from allauth.mfa.totp.forms import ActivateTOTPForm
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from onestop.http import client_ip
from procedures.validators import normalise_phone, validate_phone_number

from .national_id import second_factor_at_province
from .staff import STAFF_LOGIN_FAILED, is_staff
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


class AuthenticatorCodeMixin:
    """The code from the authenticator app, named as such: allauth's "Code" reads as a dossier's code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("Code from your authenticator app (or a recovery code)") if self.accepts_recovery_codes \
            else _("Code from your authenticator app")
        code.widget.attrs.update(placeholder=_("6 digits"), inputmode="numeric")


class StaffAuthenticateForm(AuthenticatorCodeMixin, AuthenticateForm):
    accepts_recovery_codes = True


class StaffReauthenticateForm(AuthenticatorCodeMixin, ReauthenticateForm):
    accepts_recovery_codes = True


class StaffActivateTOTPForm(AuthenticatorCodeMixin, ActivateTOTPForm):
    accepts_recovery_codes = False


# Set on the request when a signup gives an identity number that has an account: the notice says so.
IDENTITY_TAKEN = "onestop_identity_number_taken"


class SignupForm(AllauthSignupForm):
    """Sign-up answers the same whether the email, the phone or the identity number is registered already or not:
    no account is made for a registered one, and the address given is told instead (allauth's enumeration
    prevention, extended to the identity number and to optional email verification)."""

    def validate_unique_email(self, value):
        self.account_already_exists = bool(filter_users_by_email(value))
        return value

    def clean(self):
        cleaned_data = super().clean()
        if getattr(self, "identity_taken", False):
            self.account_already_exists = True
        return cleaned_data

    def try_save(self, request):
        if getattr(self, "identity_taken", False):
            setattr(request, IDENTITY_TAKEN, True)
        return super().try_save(request)


class SignupEmailVerificationStage(EmailVerificationStage):
    """A signup with an email and no phone waits for the email to be verified before signing in, as allauth does
    with mandatory verification: a registered address gets the same page and a notice instead. Later sign-ins
    need no verified email (ACCOUNT_EMAIL_VERIFICATION stays optional), and a phone is verified by its own code."""

    def handle(self):
        login = self.login
        phone = getattr(login.user, "phone", "") if login.user else login.phone
        if login.signup and not phone and login.email_verification == EmailVerificationMethod.OPTIONAL:
            login.email_verification = EmailVerificationMethod.MANDATORY
        return super().handle()


class SecondFactorStage(AuthenticateStage):
    """allauth's authenticator code, not asked again when the province's identity provider checked a second
    factor itself."""

    def _should_handle(self, request):
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        return not second_factor_at_province(sociallogin) and super()._should_handle(request)


LOGIN_STAGES = {"allauth.account.stages.EmailVerificationStage": SignupEmailVerificationStage,
                "allauth.mfa.stages.AuthenticateStage": SecondFactorStage}


def _identity_taken():
    return getattr(context.request, IDENTITY_TAKEN, False)


class AccountAdapter(DefaultAccountAdapter):
    """Citizens sign in with their email or their phone; the phone is stored on the user and verified by SMS."""

    def get_client_ip(self, request):
        """allauth's rate limits count per client as the audit trail does (behind the proxy: the trusted header)."""
        return client_ip(request)

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
        if _identity_taken():
            send_text_soon(phone, _("Someone tried to open a OneStop account with this number and an identity number "
                                    "that already has an account. If it was you: sign in, or reset your password."))
            return
        send_text_soon(phone, _("This number already has a OneStop account: sign in, or reset your password."))

    def send_account_already_exists_mail(self, email):
        if not _identity_taken():
            return super().send_account_already_exists_mail(email)
        self.send_mail("account/email/identity_number_taken", email, {
            "email": email, "password_reset_url": context.request.build_absolute_uri(reverse("account_reset_password")),
        })
        return None

    def pre_authenticate(self, request, **credentials):
        # A staff account signing in here by email or phone counts against the same per-account limit as at the
        # admin's sign-in (citizens.staff), so two doors don't double the guesses.
        super().pre_authenticate(request, **credentials)
        self._staff_login_failed_usage = None
        staff = self._staff_account(credentials)
        if staff is not None:
            self._staff_login_failed_usage = ratelimit.consume(
                request, app="allauth.account", action=STAFF_LOGIN_FAILED, key=staff.get_username().lower())
            if not self._staff_login_failed_usage:
                raise self.validation_error("too_many_login_attempts")

    def _staff_account(self, credentials):
        if credentials.get("email"):
            users = filter_users_by_email(credentials["email"])
        elif credentials.get("phone"):
            users = [user for user in [self.get_user_by_phone(credentials["phone"])] if user]
        else:
            users = []
        return next((user for user in users if is_staff(user)), None)

    def _rollback_login_failed_rl_usage(self):
        super()._rollback_login_failed_rl_usage()
        if getattr(self, "_staff_login_failed_usage", None):
            self._staff_login_failed_usage.rollback()

    def get_login_stages(self):
        return [f"{LOGIN_STAGES[path].__module__}.{LOGIN_STAGES[path].__qualname__}" if path in LOGIN_STAGES else path
                for path in super().get_login_stages()]
