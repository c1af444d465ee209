"""How staff sign in: through allauth's protections, with a second factor, for a working day.

The admin's login page (workflows.window.site) sends here. A wrong password counts against the account and the
client address (ACCOUNT_RATE_LIMITS["staff_login_failed"]); past the limit even the right password is refused,
without hashing it. The password passed, allauth's login flow takes over: its MFA stage asks for the authenticator
code. StaffSecondFactorMiddleware then keeps every page but the sign-in ones from a staff member who has no
authenticator (sent to enrolment), who has not passed it in this session, or whose working day is over.
"""

import time

from allauth.account.internal.flows.login import (
    get_authentication_records,
    perform_password_login,
    record_authentication,
)
from allauth.account.models import Login
from allauth.core.internal import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from onestop.problems import problem_response
from workflows.dossiers.selectors import is_province_admin
from workflows.dossiers.services import NotPermitted
from workflows.dossiers.staff import staff_roles

STAFF_LOGIN_FAILED = "staff_login_failed"
# When the staff member signed in (epoch seconds): their session ends STAFF_SESSION_AGE later, however active.
SIGNED_IN_AT = "onestop_staff_signed_in_at"
# Pages a staff member reaches before their second factor: signing in and out, enrolling, changing language.
OPEN_VIEWS = frozenset({"citizens:staff_login", "admin:login", "admin:logout", "set_language", "health", "favicon",
                        "javascript-catalog"})


def is_staff(user, *, api=False):
    """Whoever works dossiers: the admin's staff, and on the API anyone holding a staff role."""
    return user.is_staff or user.is_superuser or (api and bool(staff_roles(user)))


def _authenticator_cache_key(user_id):
    return f"onestop:staff-has-authenticator:{user_id}"


def has_authenticator(user):
    """Asked on every staff page, so kept in the cache (no query), forgotten whenever an authenticator changes."""
    key = _authenticator_cache_key(user.pk)
    known = cache.get(key)
    if known is None:
        known = Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()
        cache.set(key, known, timeout=3600)
    return known


@receiver([post_save, post_delete], sender=Authenticator, dispatch_uid="citizens.staff.authenticator_changed")
def forget_authenticator(sender, instance, **kwargs):
    cache.delete(_authenticator_cache_key(instance.user_id))


# How citizens.national_id records a second factor the province's identity provider checked.
PROVINCE_SECOND_FACTOR = "province_idp"


def passed_second_factor(request, user, *, at_province=False):
    return any(record.get("method") == "mfa" and (not at_province or record.get("type") == PROVINCE_SECOND_FACTOR)
               for record in get_authentication_records(request, user))


class StaffLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "too_many_login_attempts": gettext_lazy(
            "Too many failed sign-in attempts for this account or from this address. Try again in 15 minutes, or "
            "ask the province administrator."),
    }

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        # Counted before the password is checked, and undone when it is right: only failures use the allowance.
        usage = ratelimit.consume(self.request, app="allauth.account", action=STAFF_LOGIN_FAILED,
                                  key=username.strip().lower())
        if not usage:
            raise ValidationError(self.error_messages["too_many_login_attempts"], code="too_many_login_attempts")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            raise self.get_invalid_login_error()
        usage.rollback()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def _next_url(request):
    wanted = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return reverse("admin:index")


@sensitive_post_parameters()
@csrf_protect
@never_cache
def staff_login(request):
    """The admin's sign-in: username and password under the staff limits, then allauth's second factor."""
    next_url = _next_url(request)
    user = request.user
    if user.is_authenticated and is_staff(user) and passed_second_factor(request, user):
        return redirect(next_url)
    form = StaffLoginForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        user = form.get_user()
        # allauth records the password step, asks for the authenticator code if there is one, then signs in.
        return perform_password_login(request, {"username": user.get_username()},
                                      Login(user=user, redirect_url=next_url))
    return render(request, "admin/login.html", {
        **admin.site.each_context(request), "title": _("Log in"), "subtitle": None, "form": form,
        "app_path": request.get_full_path(), "username": user.get_username(), REDIRECT_FIELD_NAME: next_url,
        "password_reset_url": reverse("account_reset_password"),
    })


@receiver(user_logged_in, dispatch_uid="citizens.staff.working_day")
def start_working_day(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and is_staff(user):
        request.session[SIGNED_IN_AT] = time.time()
        request.session.set_expiry(settings.STAFF_SESSION_AGE)


@receiver(authenticator_added, dispatch_uid="citizens.staff.enrolled")
def count_enrolment_as_passed(sender, request, user, authenticator, **kwargs):
    # Enrolling means typing a code from the new authenticator: that is this session's second factor.
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


class StaffSecondFactorMiddleware:
    """Staff reach nothing but the sign-in and enrolment pages until they have an authenticator and have passed it
    in this session, and only for STAFF_SESSION_AGE after signing in. The API answers 403 problem+json instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or view_func.__module__.startswith("allauth."):
            return None
        if request.resolver_match and request.resolver_match.view_name in OPEN_VIEWS:
            return None
        api = request.path_info.startswith("/api/")
        if api and "HTTP_AUTHORIZATION" in request.META:
            return None  # a token's own credentials, not this session's
        if not is_staff(user, api=api):
            return None
        signed_in_at = request.session.get(SIGNED_IN_AT)
        if signed_in_at is None or time.time() - signed_in_at > settings.STAFF_SESSION_AGE:
            return self._sign_in_again(request, _("Your working session has ended: sign in again."))
        # A second factor checked by the province's identity provider counts without an authenticator here.
        if not has_authenticator(user) and not passed_second_factor(request, user, at_province=True):
            if api:
                return problem_response(403, _("Set up your second factor (an authenticator app) at %(url)s "
                                               "before working dossiers.") % {"url": reverse("mfa_activate_totp")},
                                        request)
            messages.info(request, _("Before you open the single window, set up a second factor: an authenticator "
                                     "app on your phone gives a new code every 30 seconds."))
            return redirect("mfa_activate_totp")
        if not passed_second_factor(request, user):
            return self._sign_in_again(request, _("Sign in with your second factor to continue."))
        return None

    def _sign_in_again(self, request, detail):
        api = request.path_info.startswith("/api/")
        logout(request)
        if api:
            return problem_response(401, detail, request)
        return redirect_to_login(request.get_full_path(), reverse("citizens:staff_login"))


@transaction.atomic
def reset_second_factor(*, staff, acting_user):
    """The province administrator clears a staff member's authenticators and recovery codes (a lost phone): at
    their next page the staff member enrols a new one, which asks for their password again. Refused to anyone but a
    province administrator. Written to the admin's history of the account. Returns how many were removed."""
    if not is_province_admin(acting_user):
        raise NotPermitted(_("Only a province administrator may reset a second factor."))
    removed, _by_model = Authenticator.objects.filter(user=staff).delete()
    LogEntry.objects.log_actions(acting_user.pk, [staff], CHANGE,
                                 _("Second factor reset: %(count)s authenticators removed.") % {"count": removed},
                                 single_object=True)
    return removed
