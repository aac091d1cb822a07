"""The first design of the bulk health check, kept only to be measured against.

One background task (an RQ job, run by the same real worker as our scans) loops over the
repositories one by one: one `requests.get` each (no ETag, no batching, no threads; redirects
followed, as requests does by default), one cache write of the progress payload under
`health_check:{job_id}` and one `repo.save()` per repository. Outcomes: 200 healthy or archived,
404 not_found, anything else (or no answer) error.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rq import get_current_job

from repohealth.runtime.times import parse_iso
from repositories.models import Repository


def health_check(repository_ids: list[int]) -> dict:
    job = get_current_job()
    key = f"health_check:{job.id if job else 'inline'}"
    headers = {"Accept": "application/vnd.github+json"}
    if settings.GITHUB_TOKENS:
        headers["Authorization"] = f"Bearer {settings.GITHUB_TOKENS[0]}"
    progress = {"status": "running", "current": 0, "total": len(repository_ids),
                "healthy": 0, "archived": 0, "not_found": 0, "errors": 0, "message": "Starting"}
    for repo in Repository.objects.filter(id__in=repository_ids).order_by("id"):
        outcome = _check(repo, headers)
        repo.health = outcome
        repo.last_checked_at = timezone.now()
        repo.save()
        progress["current"] += 1
        progress["errors" if outcome == Repository.Health.ERROR else outcome] += 1
        progress["message"] = f"Checking {repo.full_name}..."
        cache.set(key, progress, 3600)
    progress.update(status="completed", message="Scan complete")
    cache.set(key, progress, 3600)
    return progress


def _check(repo: Repository, headers: dict[str, str]) -> str:
    """One call; the repository's fields updated from a 200; its outcome."""
    try:
        response = requests.get(f"{settings.GITHUB_API_URL}/repos/{repo.full_name}", headers=headers,
                                timeout=settings.GITHUB_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        repo.health_detail = f"request failed: {type(exc).__name__}"
        return Repository.Health.ERROR
    if response.status_code == 404:
        repo.health_detail = "not found"
        return Repository.Health.NOT_FOUND
    if response.status_code != 200:
        repo.health_detail = f"HTTP {response.status_code}"
        return Repository.Health.ERROR
    data = response.json()
    repo.description = data.get("description") or ""
    repo.language = data.get("language") or ""
    repo.stars = data.get("stargazers_count") or 0
    repo.forks = data.get("forks_count") or 0
    repo.open_issues = data.get("open_issues_count") or 0
    repo.archived = bool(data.get("archived"))
    repo.pushed_at = parse_iso(data.get("pushed_at"))
    repo.health_detail = "archived on GitHub" if repo.archived else "active"
    return Repository.Health.ARCHIVED if repo.archived else Repository.Health.HEALTHY
