"""The committed OpenAPI schema is the API: it matches the code, and the live API keeps to it under generated
requests (schemathesis): no 5xx, no undocumented status, content type, header or body."""

import subprocess
import sys
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "openapi.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

schema = schemathesis.openapi.from_path(SCHEMA)


def test_the_committed_schema_is_what_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.yaml"
    result = subprocess.run([sys.executable, "manage.py", "spectacular", "--lang", "en", "--file", str(generated),
                             "--validate", "--fail-on-warn"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert generated.read_text() == SCHEMA.read_text(), (
        "openapi.yaml is out of date: run `manage.py spectacular --lang en --file openapi.yaml --validate` and "
        "commit it")


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_live_api_keeps_to_its_schema(case, live_server, bearer):
    case.call_and_validate(base_url=live_server.url, headers=bearer, checks=CHECKS)


