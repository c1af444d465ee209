"""scripts/backup and scripts/restore: a running OneStop's database and uploaded files, restored into a new database
and new directories, give back the dossier and its document's bytes."""

import subprocess
import uuid

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.processes import ROOT, process_environment
from workflows.dossiers import services

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + uuid.uuid4().hex.encode()


def database_url(name):
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"


def run(script, *args, database, media, private):
    return subprocess.run([str(ROOT / "scripts" / script), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300,
                          env=process_environment(DJANGO_SETTINGS_MODULE="onestop.settings",
                                                  DATABASE_URL=database_url(database), MEDIA_ROOT=media,
                                                  PRIVATE_MEDIA_ROOT=private))


@pytest.fixture
def new_database():
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_the_dossier_and_its_document_into_a_new_database(office, settings, tmp_path,
                                                                            new_database):
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen,
                                    form_data={"address": "12 Lê Lợi"})
    document = services.attach_document(dossier=dossier, acting_user=office.citizen, document_order=1,
                                        upload=SimpleUploadedFile("don.pdf", PDF))
    dossier = services.submit_dossier(dossier=dossier, acting_user=office.citizen, receiving_agency=office.desk)
    live = {"database": connection.settings_dict["NAME"], "media": settings.MEDIA_ROOT,
            "private": settings.PRIVATE_MEDIA_ROOT}

    backup = run("backup", tmp_path / "backup", **live)
    assert backup.returncode == 0, backup.stderr
    assert {path.name for path in (tmp_path / "backup").iterdir()} == {
        "database.dump", "media.tar.gz", "private-media.tar.gz", "SHA256SUMS"}

    restored = {"database": new_database, "media": tmp_path / "restored" / "media",
                "private": tmp_path / "restored" / "private-media"}
    restore = run("restore", tmp_path / "backup", **restored)
    assert restore.returncode == 0, restore.stderr

    with psycopg.connect(database_url(new_database)) as restored_db:
        code, state = restored_db.execute("SELECT code, state FROM workflows_dossier WHERE id = %s",
                                          [dossier.pk]).fetchone()
        (file_name,) = restored_db.execute("SELECT file FROM workflows_dossierdocument WHERE id = %s",
                                           [document.pk]).fetchone()
    assert (code, state) == (dossier.code, dossier.state)
    assert file_name == document.file.name
    assert (restored["private"] / file_name).read_bytes() == PDF


def test_restore_refuses_a_database_that_has_tables(office, settings, tmp_path):
    live = {"database": connection.settings_dict["NAME"], "media": settings.MEDIA_ROOT,
            "private": settings.PRIVATE_MEDIA_ROOT}
    assert run("backup", tmp_path / "backup", **live).returncode == 0
    restore = run("restore", tmp_path / "backup", **{**live, "private": tmp_path / "new-private"})
    assert restore.returncode == 1
    assert "already has" in restore.stderr and "restore into a new, empty database" in restore.stderr


def test_restore_refuses_a_damaged_backup(settings, tmp_path, new_database):
    live = {"database": connection.settings_dict["NAME"], "media": settings.MEDIA_ROOT,
            "private": settings.PRIVATE_MEDIA_ROOT}
    assert run("backup", tmp_path / "backup", **live).returncode == 0
    with open(tmp_path / "backup" / "database.dump", "ab") as dump:
        dump.write(b"x")
    restore = run("restore", tmp_path / "backup", database=new_database, media=tmp_path / "m",
                  private=tmp_path / "p")
    assert restore.returncode == 1
    assert "does not match its SHA256SUMS" in restore.stderr
