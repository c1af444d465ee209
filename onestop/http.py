"""Request pieces every part of OneStop reads the same way."""


def client_ip(request):
    """The address the request came from, as the audit trail records it."""
    return request.META.get("REMOTE_ADDR")
