"""Request pieces every part of OneStop reads the same way."""

import ipaddress

from django.conf import settings

# The VNeID level of this session's sign-in, set by citizens.national_id: absent (0) after a password.
NATIONAL_SIGN_IN_LEVEL = "onestop_national_level"


def national_sign_in_level(request):
    """The national identity level this session signed in with: 0 without a VNeID sign-in, or without a session
    (an OAuth token carries none)."""
    session = getattr(request, "session", None)
    return session.get(NATIONAL_SIGN_IN_LEVEL, 0) if session is not None else 0


def client_ip(request):
    """The address the request came from, as the limits and the audit trail record it.

    Behind the TLS proxy the README asks for, REMOTE_ADDR is the proxy's address for everyone in the province:
    with ONESTOP_CLIENT_IP_HEADER set, the header the proxy writes is read instead; with
    ONESTOP_TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For (each trusted proxy appends
    the address it saw, so whatever a client writes to the left of them is never read). Without either, or when the
    request did not come through the proxies, REMOTE_ADDR.
    """
    header = settings.ONESTOP_CLIENT_IP_HEADER
    if header:
        address = _valid_address(request.headers.get(header, ""))
        if address:
            return address
    proxies = settings.ONESTOP_TRUSTED_PROXY_COUNT
    if proxies > 0 and not header:
        forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if len(forwarded) >= proxies:
            address = _valid_address(forwarded[-proxies])
            if address:
                return address
    return request.META.get("REMOTE_ADDR")


def _valid_address(value):
    """The IP address written in a header (a port or IPv6 brackets removed), or None for anything else."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
