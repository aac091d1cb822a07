"""API token authentication that costs no database query while the token is cached.

DRF's TokenAuthentication reads the token and its user on every request: one query per progress
poll. `CachedTokenAuthentication` keeps what a request needs of that answer (the user's id and
is_active/is_staff/is_superuser) in the cache for `TOKEN_CACHE_SECONDS`, under a hash of the key
(the key itself is a password and never reaches Redis). A cached request's `request.user` is a
User with only those fields loaded: reading any other field (`username`, `email`) loads the row,
so code that needs more still gets the truth, at the old price.

Revocation is immediate: deleting a token, or saving its user (deactivating, taking staff away),
replaces the entry with a tombstone for `TOKEN_CACHE_SECONDS`. A tombstone reads as a miss, and
entries are written with `add` (only where nothing is stored), so a request that read the token
from the database just before it was deleted cannot put it back. Bulk `QuerySet.update()` sends no
signal: a user deactivated that way keeps working through the cache for up to TOKEN_CACHE_SECONDS.
While Redis is away every request asks the database, as DRF does.

A view may name cache keys that its requests will read anyway (`cache_keys_read_with_token`): they
are fetched in the same round trip as the token's entry (one MGET) and handed to the view with
`read_with_token(request)`. The progress poll reads its payload that way.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import router
from django.db.models.signals import post_delete, post_save
from rest_framework.authtoken.models import Token

from repohealth.web.throttling import TokenAuthentication

TOKEN_CACHE_SECONDS = 60
_KEY = "auth:token:{}"
_REVOKED = "revoked"
_USER_FIELDS = ("id", "is_active", "is_staff", "is_superuser")


def _cache_key(token_key: str) -> str:
    return _KEY.format(hashlib.sha256(token_key.encode()).hexdigest()[:40])


_READ_WITH_TOKEN = "repohealth_read_with_token"


def read_with_token(request) -> dict | None:
    """What the token authentication read for the view beside the token: {key: value} for the keys
    the view named (a key absent from it was not in the cache), or None if nothing was read that way
    (another way of logging in, no key named)."""
    return getattr(getattr(request, "_request", request), _READ_WITH_TOKEN, None)


def _keys_named_by_view(request) -> list[str]:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    named = getattr(view, "cache_keys_read_with_token", None)
    return list(named(request)) if named else []


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, resolved from the cache when it can be (0 queries), from the
    database otherwise; a wrong key still counts against the anonymous rate."""

    def authenticate(self, request):
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        request = getattr(self, "request", None)
        extra = _keys_named_by_view(request) if request is not None else []
        if extra:
            found = cache.get_many([_cache_key(key), *extra])
            setattr(request._request, _READ_WITH_TOKEN, {name: found[name] for name in extra if name in found})
            entry = found.get(_cache_key(key))
        else:
            entry = cache.get(_cache_key(key))
        if isinstance(entry, dict):
            return _from_entry(self.get_model(), key, entry)
        user, token = super().authenticate_credentials(key)  # raises for a wrong key or an inactive user
        cache.add(_cache_key(key), {name: getattr(user, name) for name in _USER_FIELDS}, TOKEN_CACHE_SECONDS)
        return user, token


def _from_entry(model, key: str, entry: dict):
    User = get_user_model()
    # Only these fields are loaded; any other is deferred and read from the database on first use.
    user = User.from_db(router.db_for_read(User), list(_USER_FIELDS), [entry[name] for name in _USER_FIELDS])
    token = model.from_db(router.db_for_read(model), ["key", "user_id"], [key, user.pk])
    token.user = user
    return user, token


def forget(token_keys) -> None:
    """Drop these tokens from the cache at once (a tombstone, so that no request in flight puts
    them back)."""
    cache.set_many({_cache_key(key): _REVOKED for key in token_keys}, TOKEN_CACHE_SECONDS)


def _token_deleted(sender, instance, **kwargs) -> None:
    forget([instance.key])


def _token_saved(sender, instance, created, **kwargs) -> None:
    if not created:  # a new token has no entry yet; a tombstone would only keep it uncached
        forget([instance.key])


def _user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or (update_fields and set(update_fields) <= {"last_login"}):
        return  # no token yet; a login changes nothing the cache holds
    forget(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))


def connect() -> None:
    """Called once from the app's ready(), so every process (web, workers, manage.py) invalidates."""
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="repohealth.web.auth.token_deleted")
    post_save.connect(_token_saved, sender=Token, dispatch_uid="repohealth.web.auth.token_saved")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="repohealth.web.auth.user_saved")
