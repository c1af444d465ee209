"""Files no dossier refers to: an upload is written to storage inside its transaction, so a filing that rolled back
(bad input further on, a lost race, a crash) leaves its file behind. A nightly sweep removes such files once they
are old enough that no transaction writing them can still be open."""

from datetime import timedelta

from django.utils import timezone

from onestop.uploads import private_storage

from .models import Dossier, DossierDocument

FOLDERS = {"dossiers": (DossierDocument, "file"), "results": (Dossier, "result_file")}
GRACE = timedelta(hours=6)
BATCH = 1000


def sweep_orphan_files(*, grace=GRACE, storage=private_storage):
    """Deletes the dossiers' documents and results in storage that no row names and that were last written
    more than `grace` ago; returns their names."""
    cutoff = timezone.now() - grace
    removed = []
    for folder, (model, field) in FOLDERS.items():
        batch = []
        for name in _files(storage, folder):
            if storage.get_modified_time(name) < cutoff:
                batch.append(name)
            if len(batch) >= BATCH:
                removed += _remove_unreferenced(storage, model, field, batch)
                batch = []
        removed += _remove_unreferenced(storage, model, field, batch)
    return removed


def _files(storage, folder):
    if not storage.exists(folder):
        return
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _files(storage, f"{folder}/{directory}")


def _remove_unreferenced(storage, model, field, names):
    referenced = set(model.objects.filter(**{f"{field}__in": names}).values_list(field, flat=True))
    orphans = [name for name in names if name not in referenced]
    for name in orphans:
        storage.delete(name)
    return orphans
