"""Dossier events sent to integrators' endpoints (status sync to the national portal is one such subscriber).

Each transition writes a "webhook" outbox event in its transaction (workflows.dossiers.events); the relay
makes one delivery per active subscription that wants the action and whose client may see the dossier, and a
worker POSTs it, signed:

    OneStop-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the subscription's secret>

A receiver recomputes the HMAC over the raw body and refuses a timestamp older than a few minutes (replays).
"""

import hashlib
import hmac
import json
import time

import requests
from django.conf import settings

from workflows.dossiers import transitions
from workflows.dossiers.selectors import api_dossiers

from .models import WebhookSubscription

SIGNATURE_HEADER = "OneStop-Signature"


class WebhookError(Exception):
    def __init__(self, message, *, retryable, status=None):
        super().__init__(message)
        self.retryable, self.status = retryable, status


def active_subscriptions():
    return list(WebhookSubscription.objects.filter(is_active=True).select_related("client__application__user"))


def subscribers(event, subscriptions=None):
    """The active subscriptions (read once per relay batch) that want this event and whose client may see its
    dossier."""
    if subscriptions is None:
        subscriptions = active_subscriptions()
    wanted = [subscription for subscription in subscriptions if subscription.wants(event.data["action"])]
    return [subscription for subscription in wanted if subscription.client.application.user is not None
            and api_dossiers(subscription.client.application.user).filter(pk=event.dossier_id).exists()]


def payload(event):
    data = event.data
    return {
        "id": f"evt_{event.pk}",
        "type": transitions.get(data["action"]).event,
        "created_at": event.created_at.isoformat(),
        "data": {key: data[key] for key in ("code", "state", "national_status", "version")},
    }


def signature(secret, timestamp, body):
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def send(delivery):
    """POSTs the delivery's event to its subscription; returns the response status, or raises WebhookError."""
    body = json.dumps(payload(delivery.event), ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "OneStop-Webhooks/1",
               SIGNATURE_HEADER: signature(delivery.subscription.secret, timestamp, body),
               "OneStop-Event-Id": f"evt_{delivery.event_id}"}
    try:
        response = requests.post(delivery.recipient, data=body, headers=headers, allow_redirects=False,
                                 timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT))
    except requests.RequestException as failure:
        raise WebhookError(f"{type(failure).__name__}: {failure}", retryable=True) from failure
    if 200 <= response.status_code < 300:
        return response.status_code
    # The receiver refused it for good (4xx), unless it asks us to slow down or time out.
    retryable = response.status_code >= 500 or response.status_code in (408, 429)
    raise WebhookError(f"HTTP {response.status_code}: {response.text[:500]}", retryable=retryable,
                       status=response.status_code)
