"""The cached API token lookup (repohealth/web/auth.py): no query once a token is known, and a token
that is deleted, or whose user is deactivated or loses staff, stops working at once."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from repositories.models import Repository
from scans import services
from scans.models import ScanJob
from tests.test_security import DEAD_REDIS, rates

pytestmark = pytest.mark.django_db
URL = "/api/bulk/health-check"


@pytest.fixture
def scan(other_user) -> ScanJob:
    """A scan started by someone else: the owner sees it only while staff."""
    repository = Repository.objects.create(imported_name="acme/one", full_name="acme/one")
    return services.scan_start(repositories=[repository.id], requested_by=other_user, enqueue=False)


@pytest.fixture
def own_scan(owner) -> ScanJob:
    repository = Repository.objects.create(imported_name="acme/two", full_name="acme/two")
    return services.scan_start(repositories=[repository.id], requested_by=owner, enqueue=False)


@pytest.fixture
def token(owner) -> Token:
    return Token.objects.create(user=owner)


def client_with(token: Token) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


def progress(client: APIClient, scan: ScanJob) -> int:
    return client.get(f"{URL}/{scan.id}/progress").status_code


def test_a_known_token_costs_no_query(token, own_scan, django_assert_num_queries):
    client = client_with(token)
    assert client.get("/api/scans/").status_code == 200  # learns the token

    with django_assert_num_queries(0):
        assert progress(client, own_scan) == 200


def test_a_deleted_token_stops_working_at_once(owner, token, scan):
    owner.is_staff = True
    owner.save()
    client = client_with(token)
    assert [progress(client, scan) for _ in range(2)] == [200, 200]

    token.delete()

    assert progress(client, scan) == 401


def test_a_token_whose_user_is_deleted_stops_working_at_once(owner, token, scan):
    client = client_with(token)
    assert client.get("/api/scans/").status_code == 200

    owner.delete()

    assert client.get("/api/scans/").status_code == 401


def test_a_deactivated_users_token_stops_working_at_once(owner, token):
    client = client_with(token)
    assert client.get("/api/scans/").status_code == 200

    owner.is_active = False
    owner.save()

    assert client.get("/api/scans/").status_code == 401


def test_a_user_who_is_no_longer_staff_stops_seeing_others_scans_at_once(owner, token, scan):
    owner.is_staff = True
    owner.save()
    client = client_with(token)
    assert progress(client, scan) == 200

    owner.is_staff = False
    owner.save(update_fields=["is_staff"])

    assert progress(client, scan) == 404


def test_a_login_does_not_forget_the_token(owner, token, own_scan, django_assert_num_queries):
    client = client_with(token)
    assert client.get("/api/scans/").status_code == 200
    update_last_login(None, owner)

    with django_assert_num_queries(0):
        assert progress(client, own_scan) == 200


def test_a_token_deleted_while_a_request_reads_it_is_not_put_back_in_the_cache(token, scan):
    """The request read the token just before it was deleted: it may finish, but it must not cache
    the token for the requests after it."""
    read = authentication.TokenAuthentication.authenticate_credentials

    def read_then_delete(self, key):
        answer = read(self, key)
        Token.objects.filter(key=key).delete()  # another process deletes it now
        return answer

    client = client_with(token)
    with mock.patch.object(authentication.TokenAuthentication, "authenticate_credentials", read_then_delete):
        client.get("/api/scans/")

    assert client.get("/api/scans/").status_code == 401


def test_the_cache_holds_no_token_key(token):
    client_with(token).get("/api/scans/")
    redis = cache._cache.get_client()

    keys = [k.decode() for k in redis.keys("*")]

    assert any(k.startswith("auth:token:") for k in keys)
    assert not [k for k in keys if token.key in k]
    assert not [k for k in keys if token.key.encode() in (redis.dump(k) or b"")]


def test_a_request_through_the_cache_is_the_user_who_owns_the_token(owner, token, own_scan):
    client = client_with(token)
    client.get("/api/scans/")  # learns the token

    response = client.post(URL, {"all": True}, format="json")

    assert response.status_code == 202, response.content
    started = ScanJob.objects.get(id=response.json()["job_id"])
    assert started.requested_by == owner
    assert started.requested_by.username == "owner"


def test_a_known_token_still_counts_against_its_users_rate(token, settings):
    rates(settings, user="3/min")
    client = client_with(token)

    assert [client.get("/api/scans/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_with_the_cache_down_a_token_is_read_from_the_database(token, settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "repohealth.runtime.cache.TolerantRedisCache", "LOCATION": DEAD_REDIS,
                                   "KEY_FUNCTION": "repohealth.runtime.cache.make_key"}}
    client = client_with(token)

    assert [client.get("/api/scans/").status_code for _ in range(2)] == [200, 200]
    token.delete()
    assert client.get("/api/scans/").status_code == 401
