"""Integration: real RQ worker processes, a real Redis, fakegithub over HTTP, the API."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from repositories.health import COUNTERS
from repositories.models import Repository
from scans import services
from scans.models import ScanJob, ScanResult, ScanShard
from tests.conftest import BASE_DIR, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
Status = ScanJob.Status


def track(fake_github, count: int, *, offset: int = 0) -> list[Repository]:
    names = [r["full_name"] for r in fake_github.repositories()[offset:offset + count] if not r.get("flaky")]
    return Repository.objects.bulk_create([Repository(imported_name=n, full_name=n) for n in names])


def start_scan(api, repos) -> str:
    response = api.post("/api/bulk/health-check", {"repository_ids": [r.id for r in repos]}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["job_id"]


def progress(api, job_id) -> dict:
    response = api.get(f"/api/bulk/health-check/{job_id}/progress")
    assert response.status_code == 200, response.content
    return response.json()


def poll_until_finished(api, job_id, *, timeout: float = 60) -> list[dict]:
    seen = []

    def finished():
        seen.append(progress(api, job_id))
        return seen[-1]["status"] in ScanJob.FINISHED

    wait_for(finished, timeout=timeout, interval=0.03, message=f"scan {job_id} to finish")
    return seen


def test_a_poller_sees_progress_rise_monotonically_to_the_total(api, fake_github, worker):
    # Progress is written on a clock (every 250 ms): the scan lasts several of those ticks.
    fake_github.configure(latency_ms=100)
    repos = track(fake_github, 120)
    job_id = start_scan(api, repos)

    seen = poll_until_finished(api, job_id)

    currents = [p["current"] for p in seen]
    assert currents == sorted(currents), "current never goes back"
    assert len(set(currents)) >= 3, "the poller saw the scan advance, not just jump"
    final = seen[-1]
    assert final["status"] == Status.COMPLETED
    assert final["current"] == final["total"] == len(repos)
    assert final["message"] == "Scan complete"
    assert final["percent"] == 100
    statuses = [p["status"] for p in seen]
    assert statuses.index(Status.COMPLETED) == len(statuses) - 1
    assert Status.RUNNING in statuses
    for payload in seen:
        outcomes = sum(payload[k] for k in ("healthy", "stale", "archived", "moved", "not_found", "blocked",
                                            "errors"))
        assert outcomes == payload["current"]
    assert ScanResult.objects.filter(scan_id=job_id).count() == len(repos)


def test_job_meta_carries_the_progress_payload(api, fake_github, worker):
    import django_rq
    from rq.job import Job

    repos = track(fake_github, 20)
    job_id = start_scan(api, repos)
    poll_until_finished(api, job_id)

    job = Job.fetch(f"{job_id}_0", connection=django_rq.get_connection("default"))  # its one shard's job
    assert job.meta["shard"] == {"index": 0, "start": 0, "end": len(repos), "attempt": 1}
    assert job.meta["progress"]["status"] == Status.COMPLETED
    assert job.meta["progress"]["current"] == len(repos)


def test_a_scan_cancelled_through_the_api_stops_and_keeps_its_results(api, fake_github, worker, settings):
    fake_github.configure(latency_ms=40)
    repos = track(fake_github, 150)
    job_id = start_scan(api, repos)
    wait_for(lambda: progress(api, job_id)["current"] >= 5, message="the scan to start")

    response = api.post(f"/api/bulk/health-check/{job_id}/cancel")

    assert response.status_code == 202
    final = poll_until_finished(api, job_id)[-1]
    assert final["status"] == Status.CANCELLED
    assert final["message"] == "Scan cancelled"
    assert 5 <= final["current"] < len(repos)
    assert ScanResult.objects.filter(scan_id=job_id).count() == final["current"]
    again = api.post(f"/api/bulk/health-check/{job_id}/cancel")
    assert again.status_code == 409
    assert "already ended" in again.json()["detail"]


def test_two_scans_at_once_on_two_workers_keep_their_own_counts(api, fake_github, start_worker):
    fake_github.configure(latency_ms=10)
    start_worker()
    start_worker()
    repos = track(fake_github, 110)
    assert len(repos) >= 100
    first = start_scan(api, repos[:70])
    second = start_scan(api, repos[30:])  # 40 repositories in both scans

    one = poll_until_finished(api, first)[-1]
    two = poll_until_finished(api, second)[-1]

    assert (one["status"], one["current"], one["total"]) == (Status.COMPLETED, 70, 70)
    expected = len(repos[30:])
    assert (two["status"], two["current"], two["total"]) == (Status.COMPLETED, expected, expected)
    shared = Repository.objects.filter(id__in=[r.id for r in repos[30:70]])
    assert all(r.health != Repository.Health.UNKNOWN and r.last_checked_at for r in shared)
    assert ScanResult.objects.filter(scan_id=first).count() == 70
    assert ScanResult.objects.filter(scan_id=second).count() == expected
    # Both scans agree on each shared repository: nothing was corrupted by the overlap.
    for repo in shared:
        results = set(ScanResult.objects.filter(repository=repo).values_list("outcome", flat=True))
        assert results == {repo.health}


def _kill_and_reap(worker, job_id, settings, *, then: str) -> None:
    worker.kill()
    settings.SCAN_HEARTBEAT_TIMEOUT = 3  # the 90 s default, shortened for the test

    def reaped():  # what the periodic upkeep job does every 30 s
        services.scan_reap_lost()
        return ScanShard.objects.get(scan_id=job_id).status == then

    wait_for(reaped, timeout=30, message=f"the dead shard to be {then}")
    settings.SCAN_HEARTBEAT_TIMEOUT = 90


def test_a_shard_whose_worker_died_goes_on_on_another_worker_counting_nothing_twice(
        api, fake_github, start_worker, settings):
    fake_github.configure(latency_ms=40)
    settings.SCAN_CONCURRENCY = 2
    worker = start_worker()
    repos = track(fake_github, 150)
    job_id = start_scan(api, repos)
    wait_for(lambda: ScanResult.objects.filter(scan_id=job_id).count() >= 10, message="results to be saved")

    _kill_and_reap(worker, job_id, settings, then=Status.QUEUED)
    start_worker()

    final = poll_until_finished(api, job_id)[-1]
    assert final["status"] == Status.COMPLETED
    assert final["current"] == final["total"] == len(repos)
    results = ScanResult.objects.filter(scan_id=job_id)
    assert results.count() == len(repos) == len(set(results.values_list("repository_id", flat=True)))
    assert sum(final[c] for c in COUNTERS) == len(repos)
    assert ScanShard.objects.get(scan_id=job_id).attempts == 2


def test_a_shard_that_dies_twice_fails_the_scan_and_a_resume_checks_the_rest(
        api, fake_github, start_worker, settings):
    fake_github.configure(latency_ms=100)  # 150 at 2 in flight: about 8 s, so both deaths land mid-shard
    settings.SCAN_CONCURRENCY = 2
    repos = track(fake_github, 150)
    job_id = start_scan(api, repos)
    for _ in range(2):
        worker = start_worker()
        before = ScanResult.objects.filter(scan_id=job_id).count()
        wait_for(lambda before=before: ScanResult.objects.filter(scan_id=job_id).count() >= before + 10,
                 message="results to be saved")
        _kill_and_reap(worker, job_id, settings, then=Status.QUEUED if _ == 0 else Status.FAILED)

    failed = progress(api, job_id)
    assert failed["status"] == Status.FAILED
    assert "the worker stopped responding" in failed["error"]
    saved = ScanResult.objects.filter(scan_id=job_id).count()

    response = api.post(f"/api/scans/{job_id}/resume")
    assert response.status_code == 202, response.content
    resumed_id = response.json()["job_id"]
    start_worker()
    final = poll_until_finished(api, resumed_id)[-1]
    assert final["status"] == Status.COMPLETED
    assert final["total"] == len(repos) - saved
    checked = set(ScanResult.objects.filter(scan_id__in=[job_id, resumed_id]).values_list("repository_id",
                                                                                          flat=True))
    assert checked == {r.id for r in repos}


def runscan(app_env, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "runscan", *args], cwd=BASE_DIR, env=app_env(**env),
                          capture_output=True, text=True, timeout=timeout)


def test_runscan_in_process_prints_a_summary_and_exits_0(app_env, fake_github):
    repos = track(fake_github, 40)
    ids = ",".join(str(r.id) for r in repos)

    done = runscan(app_env, "--ids", ids)

    assert done.returncode == 0, done.stderr
    assert "completed" in done.stdout
    assert "healthy" in done.stdout
    assert f"{len(repos)} of {len(repos)}" in done.stdout


def test_runscan_on_the_queue_follows_the_worker_and_prints_json(app_env, fake_github, worker):
    repos = track(fake_github, 30)

    done = runscan(app_env, "--all", "--enqueue", "--json")

    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["status"] == Status.COMPLETED
    assert payload["current"] == len(repos)
    assert ScanJob.objects.get(id=payload["job_id"]).status == Status.COMPLETED


def test_runscan_exits_1_when_the_scan_fails(app_env, fake_github):
    fake_github.configure(tokens="the-right-one")
    track(fake_github, 5)

    done = runscan(app_env, "--all", "--json", GITHUB_TOKEN="a-wrong-one", SCAN_MODE="rest")

    assert done.returncode == 1
    assert json.loads(done.stdout)["status"] == Status.FAILED
    assert "a-wrong-one" not in done.stdout + done.stderr


def test_runscan_file_imports_then_scans(app_env, fake_github, tmp_path):
    names = [r["full_name"] for r in fake_github.repositories()[:10] if not r.get("flaky")]
    listing = tmp_path / "list.txt"
    listing.write_text("# my list\n" + "\n".join(f"https://github.com/{n}" for n in names) + "\nnot a repo!\n")

    done = runscan(app_env, "--file", str(listing), "--label", "mine", "--json")

    assert done.returncode == 0, done.stderr
    assert "line 12" in done.stderr
    assert json.loads(done.stdout)["current"] == len(names)
    assert Repository.objects.filter(labels__name="mine").count() == len(names)


def test_ctrl_c_cancels_runscan_cleanly_with_exit_130(app_env, fake_github):
    # 150 repositories at 2 in flight and 200 ms each: about 15 s, so the Ctrl-C that follows the
    # first saved results (about 2 s in) always lands mid-scan, even on a loaded machine.
    fake_github.configure(latency_ms=200)
    track(fake_github, 150)
    # As from a terminal: a command started in the background of a script (CI runs the suite that
    # way) inherits SIGINT ignored, and Python then leaves it ignored.
    process = subprocess.Popen([sys.executable, "manage.py", "runscan", "--all", "--concurrency", "2"],
                               cwd=BASE_DIR, env=app_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_for(lambda: ScanResult.objects.exists(), message="runscan to start checking")

    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 130, output
    scan = ScanJob.objects.get()
    assert scan.status == Status.CANCELLED
    assert scan.current < 150
    assert ScanResult.objects.filter(scan=scan).count() == scan.current
    assert "Cancelling" in output


def test_queued_scans_wait_for_a_worker_and_run_when_one_starts(api, fake_github, start_worker):
    repos = track(fake_github, 10)
    job_id = start_scan(api, repos)
    assert progress(api, job_id)["status"] == Status.QUEUED

    start_worker()

    assert poll_until_finished(api, job_id)[-1]["status"] == Status.COMPLETED


def test_a_health_pass_on_shards_enqueues_one_metadata_pass_that_the_workers_run(api, fake_github, start_worker,
                                                                                   settings):
    settings.SCAN_HEALTH_FIRST_OVER, settings.SCAN_SHARD_SIZE = 5, 10  # scan_start decides and cuts, here
    start_worker(SCAN_SHARD_SIZE="10")
    start_worker(SCAN_SHARD_SIZE="10")
    repos = track(fake_github, 40)
    job_id = start_scan(api, repos)

    health = poll_until_finished(api, job_id)[-1]
    follow_id = health["metadata_pass_id"]
    follow = poll_until_finished(api, follow_id)[-1]

    assert (health["pass"], health["status"], health["current"]) == ("health", Status.COMPLETED, len(repos))
    assert ScanShard.objects.filter(scan_id=job_id).count() == 4
    assert ScanJob.objects.filter(health_pass_id=job_id).count() == 1, "started once, by the last shard"
    assert (follow["pass"], follow["health_pass_id"], follow["status"]) == ("metadata", job_id, Status.COMPLETED)
    answered = Repository.objects.exclude(health__in=["not_found", "blocked"])
    assert follow["current"] == follow["total"] == answered.count()
    assert ScanShard.objects.filter(scan_id=follow_id).count() == -(-follow["total"] // 10)
    assert not answered.filter(metadata_fetched_at=None).exists()
