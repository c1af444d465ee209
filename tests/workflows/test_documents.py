"""Documents attached to a dossier: checked by content, kept privately, replacements audited."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from workflows.dossiers import services

from .test_lifecycle import filed

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_applicant_attaches_and_replaces_a_document(office):
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    first = services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=1,
                                     upload=SimpleUploadedFile("don.pdf", PDF))
    second = services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=1,
                                      upload=SimpleUploadedFile("anh-chup.png", PNG))
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert second.content_type == "image/png" and second.original_filename == "anh-chup.png"
    assert second.file.read() == PNG
    assert str(settings.PRIVATE_MEDIA_ROOT) in second.file.path
    with pytest.raises(ValueError):
        second.file.url  # noqa: B018 - there is no public address for an applicant's file
    entries = dossier.audit_entries.filter(action="document_attached")
    assert [entry.data["replaces"] for entry in entries] == [[], [first.pk]]


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("don.pdf", b"MZ\x90\x00 an executable"), "bad_type"),
        (SimpleUploadedFile("don.pdf", PDF + b"\x00" * (10 * 1024 * 1024)), "too_large"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_kept(office, upload, code):
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    with pytest.raises(ValidationError) as error:
        services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=1, upload=upload)
    assert error.value.code == code
    assert not dossier.documents.exists()


def test_documents_are_attached_only_by_the_applicant_while_editable(office):
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    with pytest.raises(services.NotPermitted):
        services.attach_document(dossier=dossier, acting_user=office.other_citizen, document_order=1,
                                 upload=SimpleUploadedFile("don.pdf", PDF))
    with pytest.raises(ValidationError):
        services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=99,
                                 upload=SimpleUploadedFile("don.pdf", PDF))
    submitted = filed(office)
    with pytest.raises(services.InvalidTransition):
        services.attach_document(dossier=submitted, acting_user=office.citizen, document_order=1,
                                 upload=SimpleUploadedFile("don.pdf", PDF))


def test_the_nightly_sweep_removes_the_file_of_a_filing_that_rolled_back_and_nothing_else(office):
    from datetime import timedelta

    import time_machine
    from django.db import transaction
    from django.utils import timezone

    from onestop.uploads import private_storage
    from workflows.dossiers.housekeeping import GRACE, sweep_orphan_files

    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    replaced = services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=1,
                                        upload=SimpleUploadedFile("don.pdf", PDF))
    current = services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=1,
                                       upload=SimpleUploadedFile("don-moi.pdf", PDF))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=1,
                                 upload=SimpleUploadedFile("that-lac.pdf", PDF))
        raise RuntimeError("the filing failed further on")
    folder = f"dossiers/{dossier.pk}"
    on_disk = {f"{folder}/{name}" for name in private_storage.listdir(folder)[1]}
    (orphan,) = on_disk - {replaced.file.name, current.file.name}

    # A file this fresh may belong to a transaction still open: it stays.
    assert sweep_orphan_files() == []
    with time_machine.travel(timezone.now() + GRACE + timedelta(minutes=1)):
        assert sweep_orphan_files() == [orphan]
    assert not private_storage.exists(orphan)
    assert private_storage.exists(replaced.file.name) and private_storage.exists(current.file.name)
