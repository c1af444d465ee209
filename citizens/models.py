from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.validators import validate_identity_number, validate_phone_number


class User(AbstractUser):
    """Every person who signs in: citizens and staff alike. A citizen's identity and contact details live here, and
    are copied onto each dossier they file."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    identity_number = models.CharField(
        _("citizen identity number"), max_length=12, unique=True, null=True, blank=True,
        validators=[validate_identity_number], help_text=_("The 12 digits of the citizen identity card (CCCD)."),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=10, unique=True, null=True, blank=True,
                             validators=[validate_phone_number])
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    # Set when the national identity system (VNeID) confirmed the identity number: the citizen can't change it.
    identity_verified_at = models.DateTimeField(_("identity verified by VNeID"), null=True, blank=True)
    national_assurance_level = models.PositiveSmallIntegerField(
        _("highest VNeID level seen"), default=0, help_text=_("0: never signed in with VNeID."))
    language = models.CharField(_("language for messages"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE,
                                help_text=_("Emails and text messages are written in this language."))

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def get_full_name(self):
        return self.full_name or super().get_full_name()

    def __str__(self):
        return self.get_full_name() or self.get_username()
