from django.core.management.base import BaseCommand, CommandError

from workflows.dossiers.models import Dossier
from workflows.dossiers.selectors import audit_trail_breaks


class Command(BaseCommand):
    help = ("Checks that each dossier's audit trail is the chain OneStop wrote: no entry forged into it, altered or "
            "removed. Lists every break and exits with status 1 if there is one; read-only, run it as often as "
            "you like (a nightly cron job, after restoring a backup).")

    def add_arguments(self, parser):
        parser.add_argument("--dossier", action="append", metavar="CODE", default=[],
                            help="Check only this dossier (its code, e.g. 000.00.01.H56-261203-0001); repeatable.")

    def handle(self, *args, dossier, **options):
        dossiers = None
        if dossier:
            codes = [code.strip() for code in dossier]
            dossiers = Dossier.objects.filter(code__in=codes)
            unknown = sorted(set(codes) - set(dossiers.values_list("code", flat=True)))
            if unknown:
                raise CommandError(f"No dossier has the code {', '.join(unknown)}.")
        checked, entries, breaks = audit_trail_breaks(dossiers)
        if not breaks:
            self.stdout.write(self.style.SUCCESS(
                f"Audit trail intact: {entries} entries of {checked} dossiers checked."))
            return
        codes = dict(Dossier.objects.filter(pk__in={found.dossier_id for found in breaks})
                     .values_list("pk", "code"))
        for found in breaks:
            entry = f"entry #{found.entry_id}" if found.entry_id else "no entry"
            self.stdout.write(f"{codes.get(found.dossier_id) or f'dossier #{found.dossier_id}'}, position "
                              f"{found.position} ({entry}): {found.problem}")
        broken = len({found.dossier_id for found in breaks})
        raise CommandError(f"The audit trail is broken: {len(breaks)} break(s) in {broken} of {checked} dossiers "
                           f"({entries} entries checked).", returncode=1)
