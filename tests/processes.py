"""Starting OneStop's processes (gunicorn, Celery worker and beat) the way docker-compose.yml starts them."""

import os
import shlex
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def compose_file():
    with open(ROOT / "docker-compose.yml", encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def compose_command(service):
    command = compose_file()["services"][service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_environment(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTEST") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update({key: str(value) for key, value in overrides.items()})
    return env


@contextmanager
def running(command, *, env, log_path):
    """Runs a command as its own process group and stops it, however the test ends."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(predicate, *, timeout=30, interval=0.3, process=None, log_path=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode}:\n{Path(log_path).read_text()[-3000:]}")
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    log = Path(log_path).read_text()[-3000:] if log_path else ""
    raise AssertionError(f"timed out after {timeout}s\n{log}")
