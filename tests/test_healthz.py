"""GET /healthz: the database, Redis, the queues, live workers, the upkeep job's last run and
the GitHub tokens' state; 200 when RepoHealth can work, 503 (never 500) when it cannot."""

from __future__ import annotations

import json

import django_rq
import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rq import Queue, Worker

from repohealth.web.healthz import GITHUB_TOKENS_OK_KEY, UPKEEP_LAST_RUN_KEY
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

DEAD_REDIS = "unix:///nonexistent/repohealth-test/redis.sock?db=0"


def healthz():
    response = Client().get("/healthz")  # nobody logged in
    return response, json.loads(response.content)


@pytest.fixture
def registered_worker():
    """A worker registered in Redis as `rqworker` registers itself (the real process is in the
    integration test below)."""
    worker = Worker([django_rq.get_queue("default")], connection=django_rq.get_connection("default"))
    worker.register_birth()
    yield worker
    worker.register_death()


def test_it_answers_200_without_a_login_when_database_redis_and_a_worker_are_up(registered_worker, settings):
    response, body = healthz()

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["redis"] == {"ok": True}
    assert body["workers"] == {"ok": True, "alive": 1}
    assert body["queues"] == {"ok": True, "lengths": dict.fromkeys(settings.RQ_QUEUES, 0)}


def test_it_reports_the_queue_length(registered_worker):
    # rq's own Queue: django-rq's would wait for this test's transaction to commit.
    Queue("default", connection=django_rq.get_connection("default")).enqueue("builtins.print", "never run")

    _, body = healthz()

    assert body["queues"]["lengths"]["default"] == 1


def test_without_a_live_worker_it_answers_503_saying_so():
    response, body = healthz()

    assert response.status_code == 503
    assert body["status"] == "unhealthy"
    assert body["workers"] == {"ok": False, "alive": 0}
    assert body["database"]["ok"]
    assert body["redis"]["ok"]


def test_with_redis_down_it_answers_503_not_500():
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS,
                          "KEY_FUNCTION": "repohealth.runtime.cache.make_key"}}
    with override_settings(REDIS_URL=DEAD_REDIS, RQ_QUEUES={"default": {"URL": DEAD_REDIS}}, CACHES=caches):
        response, body = healthz()

    assert response.status_code == 503
    assert body["redis"] == {"ok": False, "error": "ConnectionError"}
    assert body["queues"]["lengths"] is None
    assert body["workers"]["alive"] is None
    assert body["database"] == {"ok": True}
    assert body["upkeep"] == {"last_run": None}


def test_the_upkeep_job_and_the_token_check_are_unknown_until_they_write_their_keys(registered_worker):
    _, before = healthz()
    cache.set(UPKEEP_LAST_RUN_KEY, "2026-11-29T12:00:00+00:00")
    cache.set(GITHUB_TOKENS_OK_KEY, False)
    response, after = healthz()

    assert before["upkeep"] == {"last_run": None}
    assert before["github"] == {"tokens_configured": 0, "tokens_ok": None}
    assert after["upkeep"] == {"last_run": "2026-11-29T12:00:00+00:00"}
    assert after["maintenance"] == after["upkeep"], "the deprecated key stays, the same as upkeep"
    assert after["github"]["tokens_ok"] is False
    assert response.status_code == 200, "a missing run or rejected token does not (yet) make it unhealthy"


def test_it_tells_no_secret(registered_worker, settings):
    settings.GITHUB_TOKENS = ["ghp_secret_token_value"]

    response, body = healthz()

    text = response.content.decode()
    assert body["github"]["tokens_configured"] == 1
    for secret in ("ghp_secret_token_value", settings.REDIS_URL, settings.SECRET_KEY,
                   str(settings.DATABASES["default"]["NAME"])):
        assert secret not in text


def test_it_is_not_redirected_to_https(settings, registered_worker):
    settings.SECURE_SSL_REDIRECT = True

    assert Client().get("/healthz").status_code == 200
    assert Client().get("/accounts/login/").status_code == 301


@pytest.mark.integration
def test_a_real_worker_process_counts_as_alive(worker):
    def alive():
        response, body = healthz()
        return response.status_code == 200 and body["workers"]["alive"] == 1

    wait_for(alive, timeout=30, message="the worker to register")
