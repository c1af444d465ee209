"""The embedded default (a SQLite file) holds two people acting at once: no "database is locked", the second
officer is told the dossier changed, as on PostgreSQL. Each scenario runs tests/sqlite_race.py in a process of its
own against a SQLite file: the suite's database is PostgreSQL."""

import json
import shutil
import subprocess
import sys

import pytest

from tests.processes import ROOT, process_environment

CHANGED = "Hồ sơ này đã thay đổi trong lúc bạn đang xem (hiện tại: Đã tiếp nhận). Vui lòng tải lại."


def sqlite_environment(path):
    environment = process_environment(DATABASE_URL=f"sqlite:///{path}", LOG_LEVEL="WARNING",
                                      DJANGO_SETTINGS_MODULE="onestop.settings")
    for key in ("REDIS_URL", "CELERY_BROKER_URL"):
        environment.pop(key, None)  # the embedded default: local cache, tasks in-process
    return environment


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """One migrated SQLite file, copied for each scenario."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env=sqlite_environment(path), timeout=300)
    # Folds the write-ahead log into the file, so a copy of the file alone is the whole database.
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1])"
                    ".execute('PRAGMA wal_checkpoint(TRUNCATE)')", str(path)], check=True)
    return path


def race(migrated, tmp_path, scenario):
    path = tmp_path / "onestop.sqlite3"
    shutil.copy(migrated, path)
    finished = subprocess.run([sys.executable, "-m", "tests.sqlite_race", scenario], cwd=ROOT,
                              env=sqlite_environment(path), capture_output=True, text=True, timeout=300)
    lines = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    assert finished.returncode == 0 and lines, finished.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_two_officers_receiving_the_same_dossier_at_once_one_is_told_it_changed(migrated, tmp_path):
    outcome = race(migrated, tmp_path, "receive")
    for first, second, final in outcome["window"]:
        # Both are sent back to the dossier's page: no 500, no debug page.
        assert [first["status"], second["status"]] == [302, 302], (first, second)
        said = first["messages"] + second["messages"]
        assert len(said) == 2 and CHANGED in said, said
        assert [message for message in said if message != CHANGED][0].startswith("Đã thực hiện: hồ sơ"), said
        assert final == {"state": "received"}
    for pair in outcome["service"]:
        assert sorted(pair, key=json.dumps) == [{"changed": CHANGED}, {"received": True}], pair


def test_concurrent_filings_and_submissions_all_succeed_with_their_own_codes(migrated, tmp_path):
    outcome = race(migrated, tmp_path, "file")
    results = [result for round_ in outcome for result in round_]
    assert all("error" not in result for result in results), [r for r in results if "error" in r]
    assert {result["state"] for result in results} == {"submitted"}
    codes = [result["code"] for result in results]
    assert len(set(codes)) == len(codes) == 16
