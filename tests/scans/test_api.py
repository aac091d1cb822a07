"""The bulk health-check contract and the scans API: keys, auth matrix, 400s, cache reads."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult
from scans.run.progress import progress_key

pytestmark = pytest.mark.django_db
Health = Repository.Health
Status = ScanJob.Status
CONTRACT = {"status", "current", "total", "healthy", "archived", "not_found", "errors", "message"}
OURS = {"job_id", "stale", "moved", "blocked", "percent", "started_at", "updated_at", "finished_at", "heartbeat_at",
        "eta_seconds", "mode", "points_spent", "name_reused", "requested_by_id", "cancel_requested", "waiting_reason",
        "waiting_until", "rate_limit",
        # health first (scans/run/passes.py)
        "pass", "health_pass_id", "metadata_pass_id", "metadata_due", "budget_share", "points_per_hour",
        "expected_finish"}
URL = "/api/bulk/health-check"


@pytest.fixture
def repos():
    return Repository.objects.bulk_create(
        [Repository(imported_name=f"acme/r{i}", full_name=f"acme/r{i}") for i in range(5)])


@pytest.fixture
def scan(owner, repos) -> ScanJob:
    return services.scan_start(repositories=[r.id for r in repos], requested_by=owner, enqueue=False)


def test_starting_a_scan_answers_202_with_the_job_id_at_once(api, repos):
    response = api.post(URL, {"repository_ids": [r.id for r in repos]}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert set(body) >= {"job_id", "progress_url", "cancel_url"}
    uuid.UUID(body["job_id"])
    assert body["progress_url"].endswith(f"/api/bulk/health-check/{body['job_id']}/progress")
    assert body["cancel_url"].endswith(f"/api/bulk/health-check/{body['job_id']}/cancel")
    job = ScanJob.objects.get(id=body["job_id"])
    assert job.status == Status.QUEUED
    assert job.total == 5
    assert job.repository_ids == [r.id for r in repos]


def test_it_accepts_all_or_a_health_selection_instead_of_ids(api, repos):
    Repository.objects.filter(id=repos[0].id).update(health=Health.ERROR)
    everything = api.post(URL, {"all": True}, format="json")
    failing = api.post(URL, {"health": ["error", "not_found"]}, format="json")

    assert everything.status_code == failing.status_code == 202
    assert ScanJob.objects.get(id=everything.json()["job_id"]).total == 5
    assert ScanJob.objects.get(id=failing.json()["job_id"]).repository_ids == [repos[0].id]


@pytest.mark.parametrize(("body", "detail"), [
    (None, "Send a JSON object"),
    ({}, "Send a JSON object"),
    ({"repository_ids": []}, "empty"),
    ({"repository_ids": "1,2"}, "must be a list"),
    ({"repository_ids": [1, "two"]}, "[1] is not an integer: 'two'"),
    ({"repository_ids": [1, True]}, "is not an integer: True"),
    ({"repository_ids": [1.5]}, "is not an integer"),
    ({"all": False}, '"all" must be true'),
    ({"health": ["dead"]}, "Unknown health state 'dead'"),
    ({"repository_ids": [1], "all": True}, "exactly one"),
    ({"repository_ids": [2**70, -1]}, f"Unknown repository ids: {2**70}, -1"),
])
def test_a_bad_body_answers_400_with_a_clear_detail(api, repos, body, detail):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_malformed_json_answers_400(api):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_unknown_ids_are_named_up_to_twenty(api, repos):
    unknown = list(range(100_000, 100_025))
    response = api.post(URL, {"repository_ids": [repos[0].id, *unknown]}, format="json")
    detail = response.json()["detail"]
    assert response.status_code == 400
    assert detail.startswith("Unknown repository ids: 100000, 100001")
    assert "100019" in detail
    assert "100020" not in detail
    assert "and 5 more" in detail


def test_more_than_the_limit_answers_400(api, repos, settings):
    settings.SCAN_MAX_REPOSITORIES = 3
    response = api.post(URL, {"repository_ids": [r.id for r in repos]}, format="json")
    assert response.status_code == 400
    assert "SCAN_MAX_REPOSITORIES" in response.json()["detail"]


def test_progress_has_exactly_the_contract_keys_and_ours(api, scan):
    body = api.get(f"{URL}/{scan.id}/progress").json()
    assert set(body) == CONTRACT | OURS
    assert body["status"] == Status.QUEUED
    assert body["total"] == 5
    assert body["current"] == 0
    assert set(body["rate_limit"]) == {"remaining", "reset_at"}


def test_a_progress_read_with_the_key_present_makes_no_database_query(api, scan, django_assert_num_queries):
    assert cache.get(progress_key(scan.id)) is not None
    with django_assert_num_queries(0):
        response = api.get(f"{URL}/{scan.id}/progress")
    assert response.status_code == 200


def test_a_poll_with_a_real_token_makes_no_database_query_once_the_token_is_known(api, owner, scan,
                                                                                  django_assert_num_queries):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    with django_assert_num_queries(1):  # the first use reads the token, as DRF does
        first = client.get(f"{URL}/{scan.id}/progress")

    with django_assert_num_queries(0):
        polls = [client.get(f"{URL}/{scan.id}/progress") for _ in range(3)]

    assert [p.status_code for p in (first, *polls)] == [200] * 4
    assert polls[-1].json() == api.get(f"{URL}/{scan.id}/progress").json(), "the payload is the same"


def test_progress_is_rebuilt_from_the_row_once_the_key_expired(api, scan):
    ScanJob.objects.filter(id=scan.id).update(status=Status.COMPLETED, current=5, healthy=4, errors=1,
                                             message="Scan complete")
    cache.delete(progress_key(scan.id))

    body = api.get(f"{URL}/{scan.id}/progress").json()

    assert (body["status"], body["current"], body["healthy"], body["errors"]) == (Status.COMPLETED, 5, 4, 1)
    assert body["message"] == "Scan complete"


@pytest.mark.parametrize("job_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_unknown_or_malformed_job_ids_answer_the_contract_404(api, job_id):
    response = api.get(f"{URL}/{job_id}/progress")
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found or expired"}


@pytest.mark.parametrize(("who", "progress", "cancel", "results"), [
    ("stranger", 401, 401, 401),
    ("owner", 200, 202, 200),
    ("other", 404, 404, 404),
    ("staff", 200, 202, 200),
])
def test_who_sees_a_scan(request, scan, who, progress, cancel, results):
    client = {"stranger": "stranger_api", "owner": "api", "other": "other_api", "staff": "staff_api"}[who]
    client = request.getfixturevalue(client)
    for cached in (True, False):
        if not cached:
            cache.delete(progress_key(scan.id))
        response = client.get(f"{URL}/{scan.id}/progress")
        assert response.status_code == progress
        if progress == 404:
            assert response.json() == {"detail": "Job not found or expired"}
        if progress == 401:
            assert "detail" in response.json()
    assert client.get(f"/api/scans/{scan.id}/results/").status_code == results
    assert client.post(f"{URL}/{scan.id}/cancel").status_code == cancel


def test_every_endpoint_needs_a_login(stranger_api, scan):
    for method, url in [("post", URL), ("get", "/api/scans/"), ("get", "/api/repositories/"),
                        ("post", "/api/repositories/import"), ("get", "/api/repositories/export"),
                        ("get", "/api/schema/?format=json")]:
        response = getattr(stranger_api, method)(url)
        assert response.status_code == 401, url
        assert "detail" in response.json()


def test_token_authentication_works_with_the_header(owner, scan):
    token = Token.objects.create(user=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"{URL}/{scan.id}/progress").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get(f"{URL}/{scan.id}/progress").status_code == 401


def test_cancelling_a_finished_scan_answers_409(api, scan):
    ScanJob.objects.filter(id=scan.id).update(status=Status.COMPLETED)
    response = api.post(f"{URL}/{scan.id}/cancel")
    assert response.status_code == 409
    assert "already ended" in response.json()["detail"]


def test_cancelling_a_queued_scan_answers_202_with_the_payload(api, scan):
    response = api.post(f"{URL}/{scan.id}/cancel")
    assert response.status_code == 202
    assert response.json()["status"] == Status.CANCELLED


def test_the_scan_list_shows_a_user_their_own_scans_and_staff_all(api, other_api, staff_api, scan, other_user):
    services.scan_start(repositories=scan.repository_ids, requested_by=other_user, enqueue=False)
    assert len(api.get("/api/scans/").json()["results"]) == 1
    assert len(other_api.get("/api/scans/").json()["results"]) == 1
    assert len(staff_api.get("/api/scans/").json()["results"]) == 2
    assert api.get("/api/scans/?status=completed").json()["results"] == []
    assert api.get(f"/api/scans/{scan.id}/").json()["status"] == Status.QUEUED


def test_results_are_paginated_and_filter_by_outcome(api, scan, repos):
    ScanResult.objects.bulk_create([
        ScanResult(scan=scan, repository=r, full_name=r.full_name,
                   outcome=Health.HEALTHY if i else Health.NOT_FOUND, http_status=200 if i else 404)
        for i, r in enumerate(repos)])
    walked, url = [], f"/api/scans/{scan.id}/results/?page_size=2"
    while url:
        body = api.get(url).json()
        assert len(body["results"]) <= 2
        walked += [row["full_name"] for row in body["results"]]
        url = body["next"]
    assert walked == [r.full_name for r in repos]
    missing = api.get(f"/api/scans/{scan.id}/results/?outcome=not_found").json()
    assert [row["http_status"] for row in missing["results"]] == [404]


def test_resume_starts_a_scan_of_what_was_not_reached(api, scan, repos):
    ScanJob.objects.filter(id=scan.id).update(status=Status.FAILED)
    ScanResult.objects.create(scan=scan, repository=repos[0], full_name=repos[0].full_name, outcome=Health.HEALTHY)

    response = api.post(f"/api/scans/{scan.id}/resume")

    assert response.status_code == 202
    assert ScanJob.objects.get(id=response.json()["job_id"]).repository_ids == [r.id for r in repos[1:]]
    running = services.scan_start(repositories=[repos[0].id], requested_by=scan.requested_by, enqueue=False)
    refused = api.post(f"/api/scans/{running.id}/resume")
    assert refused.status_code == 400
    assert "failed or cancelled" in refused.json()["detail"]
