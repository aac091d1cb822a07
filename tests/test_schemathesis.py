"""Property-based API test: schemathesis drives every operation in our OpenAPI schema with
generated requests (a bounded number of examples each), over real HTTP to a live server,
and no answer may be a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from repositories.models import Repository


@pytest.fixture
def schema_user(transactional_db, django_user_model):
    return django_user_model.objects.create_user("schema", "s@example.com", "schema-password-1")


@pytest.fixture
def token(schema_user) -> str:
    return Token.objects.create(user=schema_user).key


@pytest.fixture
def api_schema(schema_user):
    user = schema_user
    Repository.objects.bulk_create([Repository(imported_name=f"acme/r{i}", full_name=f"acme/r{i}")
                                    for i in range(3)])
    client = APIClient()
    client.force_authenticate(user)
    document = client.get("/api/schema/?format=json").json()
    return schemathesis.openapi.from_dict(document)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case, token, live_server):
    response = case.call(base_url=live_server.url, headers={"Authorization": f"Token {token}"}, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
