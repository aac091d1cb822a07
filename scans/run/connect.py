"""How a scan talks to GitHub, from the settings: the client (its tokens, GitHub App, retries,
circuit breaker), the budget every worker shares, and the fetcher for the scan's mode."""

from __future__ import annotations

from typing import Callable

from django.conf import settings

from scans.fetch.common import Fetcher, counting_since
from scans.fetch.rest import RestFetcher
from scans.github.budget import SharedBudget
from scans.github.client import GitHubApp, GitHubClient
from scans.models import ScanJob


def github_app() -> GitHubApp | None:
    """The GitHub App the settings name (GITHUB_APP_*), if any: its installation token joins the pool."""
    if not settings.GITHUB_APP_CONFIGURED:
        return None
    return GitHubApp(settings.GITHUB_APP_ID, settings.GITHUB_APP_PRIVATE_KEY, settings.GITHUB_APP_INSTALLATION_ID)


def shared_budget() -> SharedBudget:
    """The GitHub budget every worker shares, in the queue's Redis."""
    import django_rq

    return SharedBudget(
        django_rq.get_connection("default"),
        per_window={"rest": settings.GITHUB_REST_POINTS_PER_MINUTE,
                    "graphql": settings.GITHUB_GRAPHQL_POINTS_PER_MINUTE},
        window=settings.GITHUB_PACING_WINDOW_SECONDS, max_concurrent=settings.GITHUB_MAX_CONCURRENT,
        lease_seconds=settings.GITHUB_TIMEOUT_SECONDS + 10,
    )


def github_client(*, concurrency: int, should_stop: Callable[[], bool] = lambda: False,
                  on_wait=lambda message, until: None, budget_share: float = 1.0) -> GitHubClient:
    return GitHubClient(
        api_url=settings.GITHUB_API_URL,
        graphql_url=settings.GITHUB_GRAPHQL_URL,
        tokens=settings.GITHUB_TOKENS,
        app=github_app(),
        timeout=settings.GITHUB_TIMEOUT_SECONDS,
        pool_size=concurrency,
        max_retries=settings.GITHUB_MAX_RETRIES,
        backoff=settings.GITHUB_RETRY_BACKOFF_MS / 1000,
        secondary_backoff=settings.GITHUB_SECONDARY_BACKOFF_SECONDS,
        should_stop=should_stop,
        on_wait=on_wait,
        unreachable_threshold=settings.GITHUB_UNREACHABLE_THRESHOLD,
        unreachable_timeout=settings.GITHUB_UNREACHABLE_TIMEOUT,
        budget=shared_budget(),
        budget_share=budget_share,
    )


def make_fetcher(scan: ScanJob, client: GitHubClient) -> Fetcher:
    # The maintenance verdict counts default-branch commits over its `active` window.
    since = counting_since(settings.MAINTAINED_ACTIVE_DAYS)
    if scan.mode == ScanJob.Mode.GRAPHQL:
        from scans.fetch.graphql import GraphQLFetcher

        return GraphQLFetcher(client, batch_size=settings.SCAN_GRAPHQL_BATCH, concurrency=scan.concurrency,
                              signals_since=since)
    return RestFetcher(client, concurrency=scan.concurrency, signals_since=since)
