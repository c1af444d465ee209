from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Accent-insensitive catalogue search on PostgreSQL; these operations do nothing on SQLite."""

    dependencies = [("procedures", "0001_initial")]

    operations = [UnaccentExtension(), TrigramExtension()]
