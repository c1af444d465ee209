"""How the OpenAPI schema describes OneStop's authentication: OAuth2 client credentials for integrators (their
token carries the scopes their client was granted), and the session for people in a browser."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .problems import PROBLEM_CONTENT_TYPE


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    target_class = "onestop.api.ClientCredentialsAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "POST /o/token/ with grant_type=client_credentials and the client's id and secret "
                           "(HTTP Basic); send the token as `Authorization: Bearer <token>`.",
            "flows": {"clientCredentials": {"tokenUrl": "/o/token/",
                                            "scopes": settings.OAUTH2_PROVIDER["SCOPES"]}},
        }

    def get_security_requirement(self, auto_schema):
        scopes = getattr(auto_schema.view, "scopes", {})
        action = getattr(auto_schema.view, "action", None) or auto_schema.method.lower()
        scope = scopes.get(action)
        return {self.name: [scope] if scope else []}


COMMON_PROBLEMS = {
    "400": "The request is malformed or has invalid fields.",
    "401": "No valid token or session.",
    "403": "The token lacks the scope, or the caller's roles do not allow it.",
    "404": "Not found, or not visible to the caller.",
    "429": "Too many requests: wait and try again.",
}


def problem_responses(result, generator, request, public):
    """Every operation may answer with these problems; operations declare their own others (409, 412...)."""
    reference = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for status, description in COMMON_PROBLEMS.items():
                operation["responses"].setdefault(status, {
                    "description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": reference}}})
    return result


def empty_query_values(result, generator, request, public):
    """An optional query parameter sent empty (`?state=`) is read as not sent, by the filters and the pagination
    alike: the schema says so, so that a client (or schemathesis) does not take the 200 for a missed refusal."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
