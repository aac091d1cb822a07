"""Bad input gets a 4xx that names what was wrong, on every route, never a 5xx.

The routes come from the URL configuration (tests/routes.py) and, for the API, the parameters
and request bodies from the OpenAPI schema; the query parameters and form fields a view reads
are recorded while it answers a plain request. A route added later is covered without editing
this file. It runs on whichever database the suite uses (CI runs SQLite and PostgreSQL).

Kinds of bad input, and what must come back:
- a control character (NUL, ESC) in a query parameter the route reads, in an unread one, in a
  parameter's name, or in the path: 400 exactly, naming the parameter (RequestLimitsMiddleware);
- JSON nested 5,000 deep: 400 on an API route that takes a body, 415 on a page form;
- a body over the limit: 413 (API_MAX_BODY_BYTES; the imports: twice IMPORT_MAX_BYTES and 64 KiB);
- wrong types, out-of-range integers (2**70, -5) and NUL in JSON bodies: 4xx;
- out-of-range and malformed ids in the path: 4xx;
- wrong types and out-of-range integers in query parameters and form fields: anything but a
  5xx (filters that do not match are dropped by design: links are bookmarked and shared);
  a page that refuses a form says so with an error message after a redirect.
A summary table (tried / 4xx / error message / 2xx-3xx / 5xx per kind) is printed at the end of
the run.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.http import QueryDict
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from repohealth.web.middleware import import_body_limit
from tests.routes import Route, Samples, routes

pytestmark = pytest.mark.django_db

ROUTES = routes()
BIG_INT = 2**70
DEEP_JSON = "[" * 5000 + "]" * 5000
API_LIMIT = 50_000  # API_MAX_BODY_BYTES during these tests (small, so the test stays fast)
IMPORT_LIMIT = 60_000  # IMPORT_MAX_BYTES during these tests
LOGIN_ROUTES = {"login", "admin:login"}

NUL_KINDS = ("NUL in a query parameter", "ESC in a query parameter", "NUL in a parameter name",
             "NUL in an unread parameter", "NUL in the path")
COLUMNS = ("tried", "4xx", "error message", "2xx/3xx", "5xx")
TABLE: dict[str, Counter] = defaultdict(Counter)


# --- what a view reads ------------------------------------------------------------------------------
READS: set[str] = set()


class RecordingQueryDict(QueryDict):
    """A QueryDict that notes every key a view asks it for."""

    def __getitem__(self, key):
        READS.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        READS.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        READS.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        READS.add(key)
        return super().__contains__(key)


def _recording(query: QueryDict) -> RecordingQueryDict:
    copy = RecordingQueryDict(mutable=True)
    for key, values in query.lists():
        copy.setlist(key, values)
    copy._mutable = False
    return copy


class RecordReads:
    """Test-only middleware: the view's request.GET (and a page's request.POST) record reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _recording(request.GET)
        if request.method == "POST" and not request.path.startswith("/api/"):
            request.POST = _recording(request.POST)
        return self.get_response(request)


# --- the summary table ------------------------------------------------------------------------------
class SummaryTable:
    def pytest_terminal_summary(self, terminalreporter):
        if not TABLE:
            return
        width = max(len(kind) for kind in TABLE) + 2
        terminalreporter.write_sep("=", "bad input: every route (tests/reliability/test_bad_input.py)")
        terminalreporter.write_line("kind".ljust(width) + "".join(c.rjust(15) for c in COLUMNS))
        total = Counter()
        for kind in sorted(TABLE):
            total.update(TABLE[kind])
            terminalreporter.write_line(kind.ljust(width) + "".join(str(TABLE[kind][c]).rjust(15) for c in COLUMNS))
        terminalreporter.write_line("all".ljust(width) + "".join(str(total[c]).rjust(15) for c in COLUMNS))


@pytest.fixture(scope="module", autouse=True)
def _summary_table(request):
    if not request.config.pluginmanager.has_plugin("repohealth-bad-input-table"):
        request.config.pluginmanager.register(SummaryTable(), "repohealth-bad-input-table")


# --- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("bad-input", "bad@example.com", "bad-input-password-1")


@pytest.fixture
def configured(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.reliability.test_bad_input.RecordReads"]
    settings.API_MAX_BODY_BYTES = API_LIMIT
    settings.IMPORT_MAX_BYTES = IMPORT_LIMIT
    return settings


@pytest.fixture
def samples(configured, superuser) -> Samples:
    """Two repositories, a cancelled scan of them, a token: through the API, as a user would."""
    from django.contrib import admin

    client = APIClient()
    client.force_authenticate(superuser)
    imported = client.post("/api/repositories/import", {"text": "acme/one\nacme/two", "label": "bad-input"},
                           format="json")
    assert imported.status_code == 201, imported.content
    job_id = imported.json()["job_id"]
    assert client.post(f"/api/bulk/health-check/{job_id}/cancel").status_code in (202, 409)
    repository_id = client.get("/api/repositories/").json()["results"][0]["id"]
    Token.objects.create(user=superuser)
    Group.objects.create(name="bad-input")
    seen = {"username": "bad-input", "ip_address": "127.0.0.1", "user_agent": "test", "http_accept": "*/*",
            "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**seen)
    AccessFailureLog.objects.create(**seen)
    by_model = {}
    for model in admin.site._registry:
        if model._meta.managed:  # django-rq's Dashboard has no table (and no object pages)
            first = model._default_manager.order_by("pk").first()
            by_model[model] = first.pk if first is not None else 1  # none yet: the admin says it does not exist
    return Samples(repository_id=repository_id, scan_id=job_id, by_model=by_model)


_schema_cache: dict = {}


@pytest.fixture
def schema(samples, superuser) -> dict:
    if not _schema_cache:
        client = APIClient()
        client.force_authenticate(superuser)
        response = client.get("/api/schema/?format=json")
        assert response.status_code == 200
        _schema_cache.update(response.json())
    return _schema_cache


def _operation(schema: dict, path: str, method: str) -> dict | None:
    """The OpenAPI operation that serves this concrete path, or None."""
    for template, operations in schema.get("paths", {}).items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/"))) + "/?$"
        if re.match(regex, path) and method.lower() in operations:
            return operations[method.lower()]
    return None


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _body_properties(schema: dict, operation: dict | None) -> dict[str, dict]:
    body = (operation or {}).get("requestBody", {}).get("content", {}).get("application/json")
    if not body:
        return {}
    properties = _resolve(schema, body["schema"]).get("properties", {})
    return {name: _resolve(schema, prop) for name, prop in properties.items()}


# --- one route ------------------------------------------------------------------------------------------
class Trial:
    """Sends bad requests to one route, records each outcome in TABLE and collects violations."""

    def __init__(self, route: Route, user, samples: Samples):
        self.route, self.user, self.samples = route, user, samples
        self.failures: list[str] = []
        if route.area == "api":
            self.client = APIClient(raise_request_exception=False)
            self.client.force_authenticate(user)
        else:
            self.client = Client(raise_request_exception=False)

    def send(self, method: str, url: str, **kwargs):
        if self.route.area != "api":
            self.client.force_login(self.user)  # a logout route may have ended the session
        return getattr(self.client, method.lower())(url, **kwargs)

    @staticmethod
    def outcome(response) -> str:
        if response.status_code >= 500:
            return "5xx"
        if response.status_code >= 400:
            return "4xx"
        request = getattr(response, "wsgi_request", None)
        if request is not None and any(m.level_tag == "error" for m in get_messages(request)):
            return "error message"
        return "2xx/3xx"

    def check(self, kind: str, method: str, url: str, *, allowed: set[str], status: int | None = None,
              names: str | None = None, **kwargs):
        response = self.send(method, url, **kwargs)
        result = self.outcome(response)
        TABLE[kind]["tried"] += 1
        TABLE[kind][result] += 1
        what = f"{kind}: {method} {url[:120]!r} -> {response.status_code}"
        if result not in allowed or (status is not None and response.status_code != status):
            self.failures.append(f"{what} (wanted {status or ' or '.join(sorted(allowed))})")
        elif names and names not in response.content.decode(errors="replace"):
            self.failures.append(f"{what}: the answer does not name {names!r}")
        return response


REJECTED = {"4xx"}
PAGE_REJECTED = {"4xx", "error message"}
NOT_5XX = {"4xx", "error message", "2xx/3xx"}


def _methods(trial: Trial, url: str) -> list[str]:
    route = trial.route
    if route.methods is not None:
        return list(route.methods)
    methods = []
    READS.clear()
    if trial.send("GET", url).status_code != 405:
        methods.append("GET")
    if (route.area == "page" or route.name in LOGIN_ROUTES) and trial.send("POST", url).status_code != 405:
        methods.append("POST")
    return methods


def _query_kinds(trial: Trial, method: str, url: str, params: set[str]) -> None:
    route = trial.route
    for name in sorted(params):
        trial.check("NUL in a query parameter", method, f"{url}?{quote(name)}=a%00b", allowed=REJECTED, status=400,
                    names=name)
        trial.check("ESC in a query parameter", method, f"{url}?{quote(name)}=%1b%5B31m", allowed=REJECTED,
                    status=400, names=name)
        if route.area == "admin":
            continue
        trial.check("wrong type in a query parameter", method, f"{url}?{quote(name)}=not-a-number%E2%98%83",
                    allowed=NOT_5XX)
        for number in (BIG_INT, -5):
            trial.check("out-of-range int in a query parameter", method, f"{url}?{quote(name)}={number}",
                        allowed=NOT_5XX)
    trial.check("NUL in a parameter name", method, f"{url}?se%00arch=1", allowed=REJECTED, status=400)
    trial.check("NUL in an unread parameter", method, f"{url}?unread-parameter=%00", allowed=REJECTED, status=400,
                names="unread-parameter")


def _path_kinds(trial: Trial, method: str) -> None:
    route = trial.route
    for param in route.params:
        sample = route.value(param, trial.samples)
        url = route.url(trial.samples)
        marker = f"/{sample}/" if f"/{sample}/" in url else f"/{sample}"
        bad_values = ["a%00b"]
        if route.area != "admin" and param in (*route.int_params, "pk", "job_id"):
            bad_values += [str(BIG_INT), "-5", "not-an-id"]
        for bad in bad_values:
            bad_url = url.replace(marker, marker.replace(str(sample), bad), 1)
            if "%00" in bad:
                trial.check("NUL in the path", method, bad_url, allowed=REJECTED, status=400)
            else:
                trial.check("malformed or out-of-range id in the path", method, bad_url, allowed=REJECTED)


def _api_body_kinds(trial: Trial, method: str, url: str, operation: dict | None, schema: dict) -> None:
    takes_body = bool((operation or {}).get("requestBody"))
    body_rule = REJECTED if takes_body else NOT_5XX
    trial.check("deep JSON (5,000 levels)", method, url, data=DEEP_JSON, content_type="application/json",
                allowed=body_rule, status=400 if takes_body else None)
    limit = import_body_limit() if trial.route.name == "api:repository-import" else API_LIMIT
    trial.check("body over the limit", method, url, data=json.dumps({"text": "x" * limit}),
                content_type="application/json", allowed=REJECTED, status=413)
    for body in ("[]", '"text"', "42", "null"):
        trial.check("wrong JSON type (the whole body)", method, url, data=body, content_type="application/json",
                    allowed=body_rule)
    for name, prop in _body_properties(schema, operation).items():
        kind, items = prop.get("type"), (prop.get("items") or {})
        wrong = {"integer": "abc", "number": "abc", "boolean": "maybe", "array": "not-a-list", "object": [1]}.get(
            kind, {"a": 1})
        trial.check("wrong type in a JSON field", method, url, data={name: wrong}, format="json", allowed=REJECTED)
        if kind == "integer" or items.get("type") == "integer":
            for number in (BIG_INT, -5):
                trial.check("out-of-range int in a JSON field", method, url,
                            data={name: [number] if kind == "array" else number}, format="json", allowed=REJECTED)
        if kind == "string" or items.get("type") == "string":
            trial.check("NUL in a JSON string", method, url,
                        data={name: ["a\u0000b"] if kind == "array" else "a\u0000b"}, format="json",
                        allowed=REJECTED)


def _page_body_kinds(trial: Trial, url: str, fields: set[str]) -> None:
    trial.check("deep JSON (5,000 levels)", "POST", url, data=DEEP_JSON, content_type="application/json",
                allowed=REJECTED, status=415)
    limit = import_body_limit() if trial.route.name == "catalog:import" else API_LIMIT
    trial.check("body over the limit", "POST", url, data="text=" + "x" * limit,
                content_type="application/x-www-form-urlencoded", allowed=REJECTED, status=413)
    if trial.route.name in LOGIN_ROUTES:
        return  # the login lockout's own tests cover these forms' fields
    for name in sorted(fields - {"csrfmiddlewaretoken"}):
        for kind, value in (("wrong type in a form field", "not-a-number\u2603"),
                            ("out-of-range int in a form field", str(BIG_INT)),
                            ("out-of-range int in a form field", "-5"),
                            ("NUL in a form field", "a\x00b")):
            trial.check(kind, "POST", url, data={name: value}, allowed=NOT_5XX)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_bad_input_gets_a_4xx_never_a_5xx(route, samples, superuser, schema):
    trial = Trial(route, superuser, samples)
    url = route.url(samples)
    assert url is not None, f"no sample object for {route}: the samples fixture should make one"
    for method in _methods(trial, url):
        READS.clear()
        trial.send(method, url)  # a plain request: which parameters and fields does the view read?
        reads = set(READS)
        operation = _operation(schema, url, method) if route.area == "api" else None
        if method in ("GET", "DELETE") or route.area != "api":
            params = reads | {p["name"] for p in (operation or {}).get("parameters", []) if p.get("in") == "query"}
            if method == "GET":
                _query_kinds(trial, method, url, params)
        _path_kinds(trial, method)
        if method in ("POST", "PUT", "PATCH"):
            if route.area == "api":
                _api_body_kinds(trial, method, url, operation, schema)
            else:
                _page_body_kinds(trial, url, reads)
    assert not trial.failures, "\n".join(trial.failures)
