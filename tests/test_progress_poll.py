"""What one progress poll costs and does: the token and the payload read in one Redis round trip,
the throttle in one more (a Lua script keeping DRF's rule exactly: N requests in the last
`duration` seconds, refused requests not counted, DRF's Retry-After), and the answers of the
contract (the payload as cached, 404 `Job not found or expired` for a job unknown or not theirs)."""

from __future__ import annotations

import logging
import uuid
from unittest import mock

import pytest
from django.core.cache import cache
from redis.client import Redis
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from repohealth.web import throttling
from repositories.models import Repository
from scans import services
from scans.run.progress import progress_key
from tests.test_security import DEAD_REDIS, Clock, rates

pytestmark = pytest.mark.django_db
NOT_FOUND = {"detail": "Job not found or expired"}


def poll_url(job_id) -> str:
    return f"/api/bulk/health-check/{job_id}/progress"


@pytest.fixture
def token(owner) -> Token:
    return Token.objects.create(user=owner)


@pytest.fixture
def client(token) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.fixture
def job_id(owner) -> str:
    repository = Repository.objects.create(imported_name="acme/polled", full_name="acme/polled")
    scan = services.scan_start(repositories=[repository.id], requested_by=owner, enqueue=False)
    return str(scan.id)


class Commands:
    """Counts the Redis commands this process sends (each is one round trip)."""

    def __init__(self):
        self.names: list[str] = []

    def __enter__(self):
        real = Redis.execute_command
        names = self.names

        def counted(client, *args, **options):
            names.append(str(args[0]).upper())
            return real(client, *args, **options)

        self._patch = mock.patch.object(Redis, "execute_command", counted)
        self._patch.start()
        return self

    def __exit__(self, *exc_info):
        self._patch.stop()


def test_a_poll_costs_two_redis_round_trips_and_no_query(client, job_id, django_assert_num_queries):
    client.get("/api/scans/")  # learns the token
    assert client.get(poll_url(job_id)).status_code == 200  # the payload is in the cache from now on

    with Commands() as sent, django_assert_num_queries(0):
        response = client.get(poll_url(job_id))

    assert response.status_code == 200
    assert sent.names == ["MGET", "EVALSHA"], "token and payload in one MGET, then the throttle"
    assert response.json() == cache.get(progress_key(uuid.UUID(job_id)))


def test_the_payload_read_with_the_token_is_the_cached_payload_exactly(client, job_id, owner):
    cached = {"job_id": job_id, "status": "running", "current": 3, "total": 9, "requested_by_id": owner.id,
              "heartbeat_at": None, "updated_at": None, "message": "é ✓"}
    cache.set(progress_key(uuid.UUID(job_id)), cached, 3600)

    response = client.get(poll_url(job_id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == cached


def test_someone_elses_job_and_an_unknown_job_are_404_job_not_found(client, job_id, other_user):
    cached = {"job_id": job_id, "status": "running", "requested_by_id": other_user.id, "heartbeat_at": None}
    cache.set(progress_key(uuid.UUID(job_id)), cached, 3600)

    for url in (poll_url(job_id), poll_url(uuid.uuid4()), poll_url("not-a-uuid")):
        response = client.get(url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), url


def test_an_expired_key_is_answered_from_the_row(client, job_id):
    cache.delete(progress_key(uuid.UUID(job_id)))

    response = client.get(poll_url(job_id))

    assert response.status_code == 200
    assert response.json()["job_id"] == job_id
    assert response.json()["status"] == "queued"


def test_a_deleted_token_stops_a_poller_at_once(client, token, job_id):
    assert [client.get(poll_url(job_id)).status_code for _ in range(2)] == [200, 200]

    token.delete()

    assert client.get(poll_url(job_id)).status_code == 401


def test_every_concurrent_poll_counts_against_the_progress_rate(client, job_id, settings):
    """DRF's own list of times, read and written back, would lose the polls that overlap; the
    script counts each one, so the rate holds however many pollers share the user."""
    rates(settings, progress="5/min")

    answers = [client.get(poll_url(job_id)).status_code for _ in range(7)]

    assert answers == [200] * 5 + [429, 429]
    key = next(k for k in cache._cache.get_client().keys("throttle:progress:*"))
    assert cache._cache.get_client().zcard(key) == 5, "refused polls are not counted"


def test_retry_after_is_drfs_figure_and_the_window_slides(client, job_id, settings):
    rates(settings, progress="3/min")
    clock = Clock(step=1.0)
    with mock.patch.object(throttling.ProgressRateThrottle, "timer", clock):
        answers = [client.get(poll_url(job_id)) for _ in range(4)]  # at +1 s, +2 s, +3 s, +4 s
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        # the oldest counted poll (+1 s) leaves the window at +61 s: 57 s after the refused one
        assert answers[-1]["Retry-After"] == "57"

        clock.now += 56.5  # the next poll is at +61.5 s: the first poll no longer counts
        assert client.get(poll_url(job_id)).status_code == 200
        clock.step = 0.1  # +61.6 s: the polls at +2 s, +3 s and +61.5 s count
        assert client.get(poll_url(job_id)).status_code == 429


def test_a_redis_that_lost_its_scripts_gets_the_script_again(client, job_id, settings):
    rates(settings, progress="2/min")
    assert client.get(poll_url(job_id)).status_code == 200
    cache._cache.get_client(write=True).script_flush()

    assert [client.get(poll_url(job_id)).status_code for _ in range(2)] == [200, 429]


def test_with_redis_down_the_progress_throttle_lets_polls_through_with_a_warning(client, job_id, settings, caplog):
    rates(settings, progress="1/min")
    settings.CACHES = {"default": {"BACKEND": "repohealth.runtime.cache.TolerantRedisCache", "LOCATION": DEAD_REDIS,
                                   "KEY_FUNCTION": "repohealth.runtime.cache.make_key"}}

    with caplog.at_level(logging.WARNING, logger="repohealth.web.throttling"):
        answers = [client.get(poll_url(job_id)).status_code for _ in range(3)]

    assert answers == [200] * 3  # the token and the payload come from the database
    assert "throttle progress not applied: the cache is unavailable" in caplog.text


def test_another_cache_backend_gets_drfs_throttle(client, job_id, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    rates(settings, progress="2/min")

    assert [client.get(poll_url(job_id)).status_code for _ in range(3)] == [200, 200, 429]
