from django.utils.functional import SimpleLazyObject

from . import selectors


def inbox(request):
    """The signed-in citizen's unread notifications, counted only on pages that show the number."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user))}
