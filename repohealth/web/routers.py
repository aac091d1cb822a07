"""The router every app's API table uses: each route answers with and without a trailing slash.

The schema (and the docs) write each path without one, as the contract writes
/api/bulk/health-check: an optional slash in a non-capturing group is left out of the path
drf-spectacular derives from the pattern. The API root (`/api/`) is `repohealth/urls.py`'s, which
lists every app's collections; an app's router adds none of its own.
"""

from rest_framework.routers import DefaultRouter

SLASH = "(?:/)?"


class Router(DefaultRouter):
    """DRF's router (with `.json` format suffixes) and the optional trailing slash, without a root view."""

    include_root_view = False

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = SLASH
