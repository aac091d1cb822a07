"""Every route of the URL configuration, for tests that must cover each one (bad input, CSP):
a route added tomorrow is in the list without editing a test.

`routes()` walks `get_resolver()`; `Route.url(objects)` builds a concrete URL by filling each
path parameter from a few sample objects (`Samples`). Alternative spellings of one view (DRF's
`.json` format suffixes) and unnamed catch-alls are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass
class Samples:
    """Ids of objects that exist, to put in path parameters."""

    repository_id: int
    scan_id: str
    by_model: dict = field(default_factory=dict)  # model class -> a pk, for admin routes


@dataclass(frozen=True)
class Route:
    pattern: str  # as the URL configuration spells it, e.g. "api/^scans/(?P<pk>[^/.]+)/?$"
    name: str
    callback: object
    params: tuple[str, ...]
    int_params: tuple[str, ...]  # parameters a path converter or regex restricts to digits

    @property
    def area(self) -> str:
        if self.pattern.startswith("api/"):
            return "api"
        if self.pattern.startswith("admin/"):
            return "admin"
        return "page"

    @property
    def model(self):
        admin = getattr(self.callback, "model_admin", None)
        return admin.model if admin is not None else None

    @property
    def methods(self) -> tuple[str, ...] | None:
        """HTTP methods a DRF view serves; None when the view does not say (plain Django views)."""
        actions = getattr(self.callback, "actions", None)
        if actions:
            return tuple(method.upper() for method in actions)
        cls = getattr(self.callback, "cls", None)
        if cls is not None:
            return tuple(m.upper() for m in cls.http_method_names if m not in ("options", "head") and hasattr(cls, m))
        return None

    def value(self, param: str, samples: Samples):
        if param in ("object_id", "id"):  # the admin's; `<id>` is a user's (its password page)
            return samples.by_model.get(self.model or get_user_model())
        if param == "job_id":
            return samples.scan_id
        if param == "pk":
            return samples.scan_id if self.name.split(":")[-1].startswith("scan-") else samples.repository_id
        if param == "app_label":
            return "repositories"
        if param in ("queue_index", "scheduler_index", "connection_index"):
            return 0
        return "sample"

    def url(self, samples: Samples, **override) -> str | None:
        kwargs = {param: override.get(param, self.value(param, samples)) for param in self.params}
        if any(value is None for value in kwargs.values()):
            return None
        return reverse(self.name, kwargs=kwargs)

    def __str__(self) -> str:
        return f"/{self.pattern}"


def _params(pattern) -> tuple[list[str], list[str]]:
    if isinstance(pattern, RoutePattern):
        converters = pattern.converters
        return list(converters), [n for n, c in converters.items() if c.__class__.__name__ == "IntConverter"]
    if isinstance(pattern, RegexPattern):
        names = list(pattern.regex.groupindex)
        return names, [n for n in names if re.search(rf"\(\?P<{n}>\\d", pattern.regex.pattern)]
    return [], []


def _walk(patterns, prefix="", namespace=None, params=(), ints=()):
    for entry in patterns:
        names, int_names = _params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = entry.namespace and (f"{namespace}:{entry.namespace}" if namespace else entry.namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner or namespace,
                             (*params, *names), (*ints, *int_names))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(prefix + str(entry.pattern), name, entry.callback, (*params, *names), (*ints, *int_names))


def routes() -> list[Route]:
    found, seen = [], set()
    for route in _walk(get_resolver().url_patterns):
        if "format" in route.params or (route.pattern, route.name) in seen:
            continue  # DRF's `.json` spellings of a route already listed
        if route.model is not None and not route.model._meta.managed and "object_id" in route.params:
            continue  # django-rq's Dashboard: a model without a table has no object pages
        seen.add((route.pattern, route.name))
        found.append(route)
    return found
