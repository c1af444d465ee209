"""Reproducible installs: the image, ./scripts/serve and ./scripts/test (so CI) install the locked versions that
./scripts/lock writes from pyproject.toml."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.processes import ROOT

PYTHON_311 = {"python_version": "3.11", "python_full_version": "3.11.9", "sys_platform": "linux",
              "platform_system": "Linux", "implementation_name": "cpython",
              "platform_python_implementation": "CPython", "platform_machine": "x86_64", "os_name": "posix"}


def pins(lock):
    """{package: version} for each pin of a lock file, markers that exclude CPython 3.11 on Linux left out."""
    text = re.sub(r"\\\n", " ", (ROOT / lock).read_text())
    found = {}
    for line in text.splitlines():
        if not line or line[0] in "# ":
            continue
        requirement = Requirement(line.split(" --hash")[0].strip())
        if requirement.marker is None or requirement.marker.evaluate(PYTHON_311):
            assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", line
            found[canonicalize_name(requirement.name)] = next(iter(requirement.specifier)).version
        assert "--hash=sha256:" in line, f"{requirement.name} has no hash"
    return found


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(("lock", "requirements"), [
    ("requirements.lock", lambda: project()["dependencies"]),
    ("requirements-test.lock", lambda: project()["dependencies"] + project()["optional-dependencies"]["test"]),
], ids=["runtime", "test"])
def test_the_lock_pins_every_dependency_within_its_range(lock, requirements):
    pinned = pins(lock)
    for line in requirements():
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in {lock}: run ./scripts/lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement.specifier}: run ./scripts/lock")
    assert ("pytest" in pinned) == (lock == "requirements-test.lock")


@pytest.mark.parametrize(("script", "lock"), [("scripts/serve", "requirements.lock"),
                                              ("scripts/test", "requirements-test.lock")])
def test_the_readme_commands_install_from_the_lock(script, lock):
    installs = [line for line in (ROOT / script).read_text().splitlines() if "pip install" in line]
    assert installs[-2:] == [f".venv/bin/python -m pip install --quiet -r {lock}",
                             ".venv/bin/python -m pip install --quiet --no-deps -e ."]
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_the_image_installs_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert "pip install . " not in dockerfile
