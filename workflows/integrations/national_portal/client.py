"""HTTP to the national public service portal: its address and credentials from settings, timeouts on every call.
What the messages hold is wire.py's business."""

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import wire

SIMULATOR_PATH = "/mo-phong/cong-dvc/"
# An offered document larger than this is refused rather than held in memory.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class PortalError(Exception):
    """The portal could not be reached, or did not take the record. `retryable` when trying later may help."""

    def __init__(self, message, *, retryable):
        super().__init__(message)
        self.retryable = retryable


def base_url():
    """NATIONAL_PORTAL_URL, or the simulator served by this site when NATIONAL_SIMULATORS is on."""
    url = settings.NATIONAL_PORTAL_URL
    if not url and settings.NATIONAL_SIMULATORS:
        url = settings.ONESTOP_SITE_URL.rstrip("/") + SIMULATOR_PATH
    if not url:
        raise ImproperlyConfigured("Set NATIONAL_PORTAL_URL to reach the national public service portal.")
    return url.rstrip("/") + "/"


def _request(method, path_or_url, **kwargs):
    try:
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else base_url() + path_or_url
    except ImproperlyConfigured as failure:
        raise PortalError(str(failure), retryable=True) from failure
    try:
        response = requests.request(
            method, url, auth=(settings.NATIONAL_PORTAL_USERNAME, settings.NATIONAL_PORTAL_PASSWORD),
            timeout=(settings.NATIONAL_PORTAL_CONNECT_TIMEOUT, settings.NATIONAL_PORTAL_READ_TIMEOUT),
            allow_redirects=False, **kwargs)
    except requests.RequestException as failure:
        raise PortalError(f"{type(failure).__name__}: {failure}", retryable=True) from failure
    if response.status_code >= 400:
        # Refused for good (4xx) unless it asks us to slow down or time out, or refuses our credentials: once an
        # operator corrects them, what waits goes out by itself.
        retryable = response.status_code >= 500 or response.status_code in (401, 403, 408, 429)
        raise PortalError(f"HTTP {response.status_code}: {response.text[:500]}", retryable=retryable)
    return response


def send_record(message):
    """Posts one record; returns the portal's Answer (wire.answer)."""
    response = _request("POST", wire.SYNC_PATH, json=message)
    try:
        body = response.json()
    except ValueError:
        raise PortalError(f"HTTP {response.status_code}: not JSON: {response.text[:300]}", retryable=True) from None
    return wire.answer(body)


def offered():
    """The dossiers the portal offers the province: ([wire.Offered], [unreadable portal ids])."""
    response = _request("GET", wire.OFFERED_PATH, params=wire.offered_query(settings.NATIONAL_PORTAL_PROVINCE_CODE))
    try:
        return wire.offered(response.json())
    except ValueError:
        raise PortalError("The list of offered dossiers is not JSON", retryable=True) from None


def document(url):
    """An offered dossier's document, as bytes; only from the portal's own address."""
    if not url.startswith(base_url()) and url.startswith(("http://", "https://")):
        raise PortalError(f"A document outside the portal: {url[:200]}", retryable=False)
    with _request("GET", url.removeprefix(base_url()), stream=True) as response:
        content = response.raw.read(DOCUMENT_MAX_BYTES + 1, decode_content=True)
    if len(content) > DOCUMENT_MAX_BYTES:
        raise PortalError(f"A document larger than {DOCUMENT_MAX_BYTES} bytes: {url[:200]}", retryable=False)
    return content
