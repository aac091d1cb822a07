"""An import's preview between its two steps: the list that was read and shown waits in the cache
for PREVIEW_TTL seconds under a random token, which only the user who uploaded it can redeem."""

from __future__ import annotations

import re
import secrets

from django.core.cache import cache

PREVIEW_TTL = 3600
# The shape of the tokens `preview_store` makes (token_urlsafe): anything else is no preview.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _key(token: str) -> str:
    return f"import_preview:{token}"


def preview_store(*, user_id: int, source: str | bytes, filename: str | None, label: str | None) -> str:
    """Keep a previewed list for its import; the token that finds it again."""
    token = secrets.token_urlsafe(18)
    cache.set(_key(token), {"user_id": user_id, "source": source, "filename": filename, "label": label},
              PREVIEW_TTL)
    return token


def preview_get(*, token: str, user_id: int) -> dict | None:
    """The stored list (`source`, `filename`, `label`), or None when the token is malformed,
    expired or another user's."""
    stored = cache.get(_key(token)) if _TOKEN.fullmatch(token) else None
    if not stored or stored["user_id"] != user_id:
        return None
    return stored


def preview_drop(*, token: str) -> None:
    """The list was imported: its preview cannot be imported again."""
    cache.delete(_key(token))
