from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from seeds.history import DEMO_DOSSIERS, HistoryError, seed_history


class Command(BaseCommand):
    help = (
        "Write a year of the demo province's history: dossiers across the catalogue, its desks and channels, "
        "filed and worked through the same services as the window (on time, late with an apology, supplements, "
        "withdrawals, refusals, payments, ratings), the same for the same --seed; then refresh the indicators. "
        "Run after load_catalogue (and seed_demo, so the demo staff take part). Writes only to a database without "
        "dossiers, so running it again changes nothing. Refuses to run when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, default=DEMO_DOSSIERS,
                            help=f"How many dossiers to file (default {DEMO_DOSSIERS}).")
        parser.add_argument("--seed", type=int, default=2026, help="The random seed (default 2026).")

    def handle(self, *args, dossiers, seed, **options):
        if not settings.DEBUG:
            raise CommandError("The demo history invents people and dossiers; it is never written with DEBUG off.")
        if dossiers < 0:
            raise CommandError("--dossiers must be zero or more.")
        self.stdout.write(f"Demo history: filing about {dossiers} dossiers over the last year, through the services.")
        try:
            report = seed_history(dossiers=dossiers, seed=seed, progress=self.progress)
        except HistoryError as refusal:
            self.stdout.write(self.style.WARNING(f"No demo history written: {refusal}"))
            return
        states = ", ".join(f"{state} {count}" for state, count in sorted(report.states.items()))
        self.stdout.write(self.style.SUCCESS(
            f"Demo history: {report.dossiers} dossiers over the last year in {report.seconds:.1f} s ({states})."))

    def progress(self, done, total):
        """A line at each fifth of the way, so that nobody takes a minute of silence for a hang."""
        if done * 5 // total != (done - 1) * 5 // total:
            self.stdout.write(f"Demo history: {done}/{total} dossiers written")
