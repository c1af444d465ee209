from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.dossiers import transitions

from . import messages
from .models import Delivery
from .tasks import deliver


class SentByFilter(admin.ChoicesFieldListFilter):
    """The delivery's channel, named for what it is: email, SMS or webhook, not a dossier's filing channel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = gettext_lazy("sent by")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Emails and SMS to applicants and staff; a failed one is sent again from here once its cause is fixed."""

    list_display = ["event_dossier", "event_name", "sent_by", "recipient", "language", "status", "attempts",
                    "sent_at"]
    list_filter = ["status", ("channel", SentByFilter), "event__event"]
    search_fields = ["recipient", "event__dossier__code"]
    list_select_related = ["event__dossier"]
    # The model's "channel" reads as a dossier's filing channel in Vietnamese: shown here as "sent by".
    readonly_fields = ["event", "sent_by", "recipient", "status", "attempts", "last_error", "sent_at",
                       "queued_at", "sending_until"]
    exclude = ["channel"]
    actions = ["send_again"]

    @admin.display(description=gettext_lazy("dossier"))
    def event_dossier(self, delivery):
        return delivery.event.dossier

    @admin.display(description=gettext_lazy("sent by"), ordering="channel")
    def sent_by(self, delivery):
        return delivery.get_channel_display()

    @admin.display(description=gettext_lazy("event"))
    def event_name(self, delivery):
        return messages.EVENT_LABELS.get(delivery.event.event) or transitions.label(delivery.event.event)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Send the failed ones again"))
    def send_again(self, request, queryset):
        ids = list(queryset.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.PENDING, attempts=0,
                                                   queued_at=timezone.now(), sending_until=None)
        transaction.on_commit(lambda: [deliver.delay(pk) for pk in ids])
        self.message_user(request, _("%(count)s deliveries sent again.") % {"count": len(ids)})
