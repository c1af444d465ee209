"""Reading the citizen's document store: their items, and what a dossier's documents may take from it."""

from django.utils import timezone

from .models import StoreItem


def items_of(user):
    """A citizen's own items, newest first; only the account's, never found by a typed identity number."""
    return StoreItem.objects.filter(owner=user).select_related("document_type", "origin_dossier")


def reusable_items(user, dossier):
    """The typed items still valid today that `user` may give to `dossier`: their own, for their own dossier."""
    if not user.is_authenticated or dossier.applicant_id != user.pk:
        return StoreItem.objects.none()
    return (items_of(user).filter(document_type__isnull=False).valid_on(timezone.localdate())
            .order_by("-verified", "-issued_on", "-id"))


def offers(user, dossier):
    """For each of the dossier's required documents whose type the store holds: document order → items, the
    verified and newest first."""
    wanted = {order: document["type"]
              for order, document in enumerate(dossier.procedure_version.snapshot["documents"], start=1)
              if document.get("type")}
    if not wanted:
        return {}
    held = list(reusable_items(user, dossier).filter(document_type__code__in=set(wanted.values())))
    return {order: [item for item in held if item.document_type.code == code] for order, code in wanted.items()
            if any(item.document_type.code == code for item in held)}
