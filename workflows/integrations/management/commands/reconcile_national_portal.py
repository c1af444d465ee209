"""Compares what the national public service portal acknowledged with OneStop's dossiers."""

from django.core.management.base import BaseCommand

from workflows.dossiers.models import Dossier
from workflows.integrations.models import NationalPortalSync
from workflows.integrations.national_portal import services
from workflows.integrations.national_portal import tasks as national_portal


class Command(BaseCommand):
    help = ("Lists the dossiers whose status the national public service portal has not acknowledged: never sent "
            "(filed before the sync existed), still waiting, failing or refused, with OneStop's status and the last "
            "one the portal acknowledged (the portal's numbers 1-10). With --resend, queues each one's current "
            "state to be sent again (those refused or never sent) or retried at once (those failing). Safe to run "
            "at any time: nothing is sent twice.")

    def add_arguments(self, parser):
        parser.add_argument("--resend", action="store_true", help="Queue the differences to be sent again.")
        parser.add_argument("--code", action="append", default=[],
                            help="Only this dossier code (may be given several times).")

    def handle(self, *args, code, resend, **options):
        dossiers = Dossier.objects.filter(code__in=code) if code else None
        found = services.differences(dossiers)
        for difference in found:
            self.stdout.write(
                f"{difference.dossier.code}\tonestop={difference.onestop_status}\t"
                f"portal={difference.acknowledged_status if difference.acknowledged_status is not None else '-'}\t"
                f"{difference.sync_status or 'never queued'}\t{difference.last_error[:200]}")
        if resend:
            ids = []
            for difference in found:
                if difference.sync_status in ("", NationalPortalSync.Status.REFUSED):
                    services.resend(difference.dossier)
                    ids.append(difference.dossier.pk)
                else:
                    ids += services.retry_now(NationalPortalSync.objects.filter(dossier=difference.dossier))
            national_portal.hand_out(ids)
        self.stdout.write(self.style.SUCCESS(
            f"{len(found)} dossiers differ from what the national portal acknowledged"
            + (f"; {len(found)} queued again." if resend else ".")))
