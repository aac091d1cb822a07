"""Property-based API test: schemathesis drives every operation in our OpenAPI schema with
generated requests, over real HTTP to a live server, and no answer may be a 5xx.

Every operation gets schemathesis' examples and fuzzing phases (up to MAX_EXAMPLES generated
requests each) and, but for the three catalog listings, its coverage phase: boundary and invalid
values of every parameter, enumerated. The listings take a dozen filters each, which the coverage
phase multiplies into thousands of requests (two thirds of this file's time, and most of them
answered 429 by the throttle, so they tested nothing); their filters are fuzzed here and each bad
value has its own 400 test in tests/reliability/test_bad_input.py.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from repositories.models import Repository

MAX_EXAMPLES = 15
LISTINGS = r"^/api/(changes|repositories|repositories/export)/?$"


def _document() -> dict:
    """The schema /api/schema/ serves, built without a request (no database needed to collect)."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(_document(), config=SchemathesisConfig.from_dict({
    "operations": [{"include-method": "GET", "include-path-regex": LISTINGS,
                    "phases": {"coverage": {"enabled": False}}}],
}))


@pytest.fixture
def token(transactional_db, django_user_model) -> str:
    user = django_user_model.objects.create_user("schema", "s@example.com", "schema-password-1")
    Repository.objects.bulk_create([Repository(imported_name=f"acme/r{i}", full_name=f"acme/r{i}")
                                    for i in range(3)])
    return Token.objects.create(user=user).key


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case, token, live_server):
    response = case.call(base_url=live_server.url, headers={"Authorization": f"Token {token}"}, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
