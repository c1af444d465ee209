from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The response to a request that carried an Idempotency-Key, so a retried request gets the same answer and
    never files twice. It holds the whole answer, identity numbers included: purged after
    ONESTOP_IDEMPOTENCY_RETENTION_HOURS."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="one_response_per_idempotency_key")]
        # The purge of expired records (tasks.purge_idempotency_records) reads the oldest first.
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]
