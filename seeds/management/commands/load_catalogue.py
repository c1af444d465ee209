from django.core.management.base import BaseCommand, CommandError

from seeds.catalogue import DEFAULT_CATALOGUE, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = (
        "Load the province's procedure catalogue (administrative units, agencies, fields, legal documents and "
        "procedures with their steps, documents, fees and application forms) from a YAML file. Safe to run again: "
        "entries are matched "
        "by their official codes and updated in place; a procedure that changed gets a new published version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(DEFAULT_CATALOGUE), help=f"catalogue YAML file (default: {DEFAULT_CATALOGUE})"
        )

    def handle(self, *args, **options):
        try:
            report = load_catalogue(options["file"])
        except (OSError, CatalogueError) as error:
            raise CommandError(str(error)) from error
        created = ", ".join(f"{count} {label}" for label, count in report.created.items()) or "nothing"
        updated = ", ".join(f"{count} {label}" for label, count in report.updated.items()) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Catalogue loaded from {options['file']}."))
        self.stdout.write(f"  created: {created}")
        self.stdout.write(f"  checked or updated: {updated}")
        self.stdout.write(f"  procedure versions published: {report.versions_published}")
