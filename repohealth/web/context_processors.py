from django.conf import settings


def github(request):
    """What every page needs to know about the GitHub connection (never the token itself)."""
    return {
        "github_authenticated": bool(settings.GITHUB_TOKENS) or settings.GITHUB_APP_CONFIGURED,
        "github_api_url": settings.GITHUB_API_URL,
        "scan_poll_interval_ms": settings.SCAN_POLL_INTERVAL_MS,
    }
