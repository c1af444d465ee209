"""Schemathesis with every check it has (server errors, status codes, content types, headers, bodies, negative
data rejected, positive data accepted, authentication ignored or not...), in all its phases (the schema's
examples, its coverage of boundaries and wrong types, random fuzzing), against the schema the code generates now
(the committed openapi.yaml is checked against it in test_schema.py), on the live server, as an integrator with
every scope."""

import schemathesis
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig


def generated_schema():
    with translation.override("en"):
        return SchemaGenerator().get_schema(request=None, public=True)


# What a generated request cannot know is runtime state, not schema: the dossier's current version (a schema-valid
# but stale one is 412, none at all 428), and whether a code names something in the catalogue (a filing's procedure,
# desk and commune; the indicators' agency...), a span of dates runs forwards, or a base64 file is a PDF: those
# answer 400. NUL characters
# are refused everywhere (400, onestop.middleware, onestop.parsers), so none is generated as valid data.
CONFIG = """
[generation]
allow-x00 = false

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "428", "429"]

[[operations]]
include-path-regex = "^/api/v1/(dossiers/|dossiers/[^/]+/(documents|payments)/|indicators/|verification/)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "428",
                                                     "429"]
"""

schema = schemathesis.openapi.from_dict(generated_schema(), config=SchemathesisConfig.from_str(CONFIG))


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_keeps_to_its_schema_under_every_check(case, live_server, bearer):
    case.call_and_validate(base_url=live_server.url, headers=bearer)
