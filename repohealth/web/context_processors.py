from django.conf import settings

from repohealth.runtime.http import github_authenticated


def github(request):
    """What every page needs to know about the GitHub connection (never the token itself)."""
    return {
        "github_authenticated": github_authenticated(),
        "github_api_url": settings.GITHUB_API_URL,
        "scan_poll_interval_ms": settings.SCAN_POLL_INTERVAL_MS,
    }
