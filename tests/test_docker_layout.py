"""The image's file layout and entrypoint, checked without a Docker engine: uploads live on volumes that web,
workers and beat share, writable by the image's unprivileged user."""

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.processes import ROOT, compose_file, process_environment

ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint"
UPLOAD_SETTINGS = ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT")


def dockerfile_instructions():
    """(instruction, arguments) pairs, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [tuple(line.split(None, 1)) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def dockerfile_env():
    env = {}
    for instruction, arguments in dockerfile_instructions():
        if instruction == "ENV":
            env.update(token.split("=", 1) for token in shlex.split(arguments))
    return env


def test_the_image_keeps_uploads_in_directories_its_user_owns():
    env = dockerfile_env()
    instructions = dockerfile_instructions()
    user = next(arguments for instruction, arguments in instructions if instruction == "USER")
    runs = " ".join(arguments for instruction, arguments in instructions if instruction == "RUN")
    volumes = json.loads(next(arguments for instruction, arguments in instructions if instruction == "VOLUME"))
    for name in UPLOAD_SETTINGS:
        assert env[name].startswith("/var/lib/onestop/"), name
        assert env[name] in volumes, name
    assert 'mkdir -p "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT"' in runs
    assert f'chown {user}:{user} "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT"' in runs
    entrypoint = json.loads(next(arguments for instruction, arguments in instructions if instruction == "ENTRYPOINT"))
    assert entrypoint == ["/app/scripts/docker-entrypoint"]
    assert "COPY scripts ./scripts" in [f"{instruction} {arguments}" for instruction, arguments in instructions]


def test_the_settings_put_uploads_where_the_image_says():
    env = dockerfile_env()
    probe = ("import django, json; django.setup(); from django.conf import settings as s; "
             "print(json.dumps([str(s.MEDIA_ROOT), str(s.PRIVATE_MEDIA_ROOT), str(s.SMS_FILE_PATH)]))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            env=process_environment(**{name: env[name] for name in UPLOAD_SETTINGS},
                                                    DJANGO_SETTINGS_MODULE="onestop.settings"))
    assert result.returncode == 0, result.stderr
    media, private, sms = json.loads(result.stdout)
    assert (media, private) == (env["MEDIA_ROOT"], env["PRIVATE_MEDIA_ROOT"])
    assert sms.startswith(private + "/")


@pytest.mark.parametrize("service", ["web", "worker", "timers", "beat", "migrate"])
def test_every_onestop_service_mounts_the_same_upload_volumes(service):
    compose = compose_file()
    env = dockerfile_env()
    mounts = dict(reversed(volume.split(":")[:2]) for volume in compose["services"][service]["volumes"])
    assert mounts[env["MEDIA_ROOT"]] == "media"
    assert mounts[env["PRIVATE_MEDIA_ROOT"]] == "private-media"
    assert {"media", "private-media"} <= compose["volumes"].keys()


def run_entrypoint(env, *, as_nobody=False):
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if as_nobody else []
    return subprocess.run([*prefix, str(ENTRYPOINT), "echo", "started"], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], **env}, timeout=30)


@pytest.fixture
def upload_dirs():
    # World-traversable, so the check can also run as another user.
    base = Path(tempfile.mkdtemp(prefix="onestop-layout-"))
    base.chmod(0o755)
    media, private = base / "media", base / "private-media"
    media.mkdir()
    private.mkdir()
    yield media, private
    subprocess.run(["rm", "-rf", str(base)], check=True)


def test_the_entrypoint_starts_the_command_when_both_directories_are_writable(upload_dirs):
    media, private = upload_dirs
    result = run_entrypoint({"MEDIA_ROOT": str(media), "PRIVATE_MEDIA_ROOT": str(private)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "started\n"
    assert list(private.iterdir()) == []


def test_the_entrypoint_refuses_a_missing_private_directory(upload_dirs):
    media, private = upload_dirs
    private.rmdir()
    result = run_entrypoint({"MEDIA_ROOT": str(media), "PRIVATE_MEDIA_ROOT": str(private)})
    assert result.returncode == 78
    assert result.stdout == ""
    assert f"PRIVATE_MEDIA_ROOT={private} is not a directory" in result.stderr


def test_the_entrypoint_refuses_an_unset_directory(upload_dirs):
    media, _ = upload_dirs
    result = run_entrypoint({"MEDIA_ROOT": str(media)})
    assert result.returncode == 78
    assert "PRIVATE_MEDIA_ROOT is not set" in result.stderr


def test_the_entrypoint_refuses_a_directory_its_user_cannot_write(upload_dirs):
    """Today's failure: the private directory belonged to root, so the first upload failed."""
    media, private = upload_dirs
    media.chmod(0o777)
    private.chmod(0o755)
    as_nobody = os.geteuid() == 0
    if not as_nobody:
        private.chmod(0o555)
    result = run_entrypoint({"MEDIA_ROOT": str(media), "PRIVATE_MEDIA_ROOT": str(private)}, as_nobody=as_nobody)
    assert result.returncode == 78
    assert result.stdout == ""
    assert f"PRIVATE_MEDIA_ROOT={private} is not writable by user" in result.stderr
