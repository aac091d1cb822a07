"""The staff banner: no worker alive, the upkeep job late, every GitHub token rejected."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import django_rq
import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rq import Worker

from repohealth.web import staff_status
from repohealth.web.healthz import GITHUB_TOKENS_OK_KEY, UPKEEP_LAST_RUN_KEY

pytestmark = pytest.mark.django_db

NO_WORKER = "No worker is running"
LATE = "The periodic upkeep job last ran"
REJECTED = "GitHub rejected every token"
DEAD_REDIS = "unix:///nonexistent/repohealth-test/redis.sock?db=0"


@pytest.fixture
def registered_worker():
    worker = Worker([django_rq.get_queue("default")], connection=django_rq.get_connection("default"))
    worker.register_birth()
    yield worker
    worker.register_death()


def page_as(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/scans/")
    assert response.status_code == 200
    return response.content.decode()


def test_staff_are_told_when_no_worker_is_alive(staff_user, owner):
    assert NO_WORKER in page_as(staff_user)
    assert NO_WORKER not in page_as(owner), "only staff see the banner"


def test_all_is_quiet_with_a_worker_a_recent_upkeep_run_and_no_token_verdict(staff_user, registered_worker):
    cache.set(UPKEEP_LAST_RUN_KEY, datetime.now(timezone.utc).isoformat())

    html = page_as(staff_user)

    assert 'class="notice notice--alert"' not in html


def test_staff_are_told_when_the_upkeep_job_is_late(staff_user, registered_worker):
    cache.set(UPKEEP_LAST_RUN_KEY, (datetime.now(timezone.utc) - timedelta(minutes=3)).isoformat())

    assert f"{LATE} 3 minutes ago" in page_as(staff_user)


def test_staff_are_told_when_every_token_was_rejected(staff_user, registered_worker):
    cache.set(GITHUB_TOKENS_OK_KEY, False)

    assert REJECTED in page_as(staff_user)


def test_with_redis_down_the_banner_says_so_instead_of_failing():
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS,
                          "KEY_FUNCTION": "repohealth.runtime.cache.make_key"}}
    with override_settings(REDIS_URL=DEAD_REDIS, RQ_QUEUES={"default": {"URL": DEAD_REDIS}}, CACHES=caches):
        found = staff_status.problems()

    assert found == ["Redis cannot be reached: scans cannot start and progress is read from the database."]
