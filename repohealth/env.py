"""Typed readers of environment variables for settings.py (the only module that reads the
environment). A malformed value raises ImproperlyConfigured naming the variable.

A renamed variable keeps its old name working: `deprecated="OLD_NAME"` on a reader. The new name
wins; the old one is read only when the new is absent, with a warning logged once per name."""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_WARNED: set[str] = set()


def _read(name: str, deprecated: str | None) -> tuple[str, str | None]:
    """The variable's name as set (for messages) and its raw value: the new name's, else the
    deprecated name's (warned about once), else None."""
    if name in os.environ or deprecated is None or deprecated not in os.environ:
        return name, os.environ.get(name)
    if deprecated not in _WARNED:
        _WARNED.add(deprecated)
        log.warning("%s is deprecated: set %s instead", deprecated, name)
    return deprecated, os.environ[deprecated]


def env_str(name: str, default: str = "", *, deprecated: str | None = None) -> str:
    raw = _read(name, deprecated)[1]
    return (default if raw is None else raw).strip()


def env_bool(name: str, default: bool = False, *, deprecated: str | None = None) -> bool:
    name, raw = _read(name, deprecated)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None,
            deprecated: str | None = None) -> int:
    name, raw = _read(name, deprecated)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum of {maximum}")
    return value


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip()
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise ImproperlyConfigured(f"{name}={value!r} is not a URL with one of the schemes {', '.join(schemes)}")
    return value


def env_list(name: str, default: list[str], *, deprecated: str | None = None) -> list[str]:
    raw = _read(name, deprecated)[1]
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_RATE = re.compile(r"^(\d+)/(s|sec|second|m|min|minute|h|hour|d|day)$")
_PER_MINUTE = {"s": 60, "m": 1, "h": 1 / 60, "d": 1 / 1440}


def env_rate(name: str, default: str, *, minimum_per_minute: int = 1) -> str:
    """A DRF throttle rate such as `60/min` (per second, minute, hour or day)."""
    value = env_str(name, default).replace(" ", "").lower() or default
    match = _RATE.match(value)
    if not match:
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate: use N/second, N/minute, N/hour or N/day")
    per_minute = int(match[1]) * _PER_MINUTE[match[2][0]]
    if per_minute < minimum_per_minute:
        raise ImproperlyConfigured(f"{name}={value!r} is below the minimum of {minimum_per_minute}/minute")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value


def env_proxy_ssl_header(name: str, default: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` (or `X-Forwarded-Proto=https`): the header a trusted proxy sets to
    say the request came over HTTPS. Empty or `off`: none."""
    value = env_str(name, default)
    if value.lower() in ("", "0", "off", "no", "false", "none"):
        return None
    header, _, expected = value.partition("=")
    header, expected = header.strip(), expected.strip() or "https"
    if not re.fullmatch(r"[A-Za-z0-9-]+", header) or not re.fullmatch(r"[!-~]+", expected):
        raise ImproperlyConfigured(f"{name}={value!r} is not a header name (optionally =value), "
                                   "e.g. X-Forwarded-Proto or X-Forwarded-Proto=https")
    return "HTTP_" + header.upper().replace("-", "_"), expected


_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
}


def env_email_url(name: str, default: str = "console://") -> dict:
    """Django's e-mail settings from one URL: `console://` (print), `smtp://user:password@host:25`,
    `smtp+tls://...:587` (STARTTLS), `smtps://...:465` (TLS from the start); `locmem://`, `dummy://`.
    User name and password may be percent-encoded."""
    from urllib.parse import unquote

    value = env_str(name, default) or default
    parsed = urlparse(value)
    if parsed.scheme not in _EMAIL_BACKENDS:
        raise ImproperlyConfigured(f"{name}={value!r}: use one of {', '.join(s + '://' for s in _EMAIL_BACKENDS)}")
    config = {"EMAIL_BACKEND": _EMAIL_BACKENDS[parsed.scheme]}
    if parsed.scheme.startswith("smtp"):
        try:
            port = parsed.port
        except ValueError:
            raise ImproperlyConfigured(f"{name}: the port is not a number") from None
        if not parsed.hostname:
            raise ImproperlyConfigured(f"{name}={value!r} names no host")
        config.update({
            "EMAIL_HOST": parsed.hostname,
            "EMAIL_PORT": port or {"smtps": 465, "smtp+tls": 587}.get(parsed.scheme, 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_TIMEOUT": 10,
        })
    return config
