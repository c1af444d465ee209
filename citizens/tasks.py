"""Text messages a citizen is waiting for (verification codes), sent by a worker so the page does not wait on the
SMS gateway."""

import logging

from celery import shared_task
from django.db import transaction

from onestop.sms import SmsDeliveryError, send_sms

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=3)
def send_text(self, phone, text):
    try:
        send_sms(phone, text)
    except SmsDeliveryError as failure:
        if not failure.retryable:
            raise
        raise self.retry(countdown=2 ** self.request.retries, exc=failure) from failure


def send_text_soon(phone, text):
    """After the current transaction commits, on a worker; straight away if the broker is down, because the
    citizen is waiting for the code."""

    def hand_over():
        try:
            send_text.delay(phone, text)
        except Exception:  # noqa: BLE001 - any broker failure: send it ourselves
            logger.warning("Broker unavailable: sending the text message from the request", exc_info=True)
            send_sms(phone, text)

    transaction.on_commit(hand_over)
