"""Text messages to phones, through the backend named by settings.SMS_BACKEND (as Django does for email)."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# What the in-memory backend sent, newest last, like django.core.mail.outbox.
outbox = []


def send_sms(phone, text):
    import_string(settings.SMS_BACKEND)().send(phone, text)


class ConsoleBackend:
    """Development: the message goes to the log instead of a gateway."""

    def send(self, phone, text):
        logger.warning("SMS to %s: %s", phone, text)


class LocmemBackend:
    """Tests: the message is kept in `outbox`."""

    def send(self, phone, text):
        outbox.append({"phone": phone, "text": text})
