"""The doors: API throttles, the login lockout, DJANGO_SECURE's HTTPS settings and the
Content-Security-Policy header."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from repohealth.web import throttling
from tests.conftest import BASE_DIR

pytestmark = pytest.mark.django_db

DEAD_REDIS = "unix:///nonexistent/repohealth-test/redis.sock?db=0"


def rates(settings, **scopes):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes}}


class Clock:
    """Stands in for the throttles' clock: each request happens `step` seconds after the last."""

    def __init__(self, step: float):
        self.now, self.step = 1_000_000.0, step

    def __call__(self):
        self.now += self.step
        return self.now


# --- API throttles ------------------------------------------------------------------------------------
def test_a_user_over_the_user_rate_gets_429_with_retry_after(api, settings):
    rates(settings, user="5/min")

    answers = [api.get("/api/repositories/").status_code for _ in range(6)]

    assert answers == [200] * 5 + [429]
    throttled = api.get("/api/repositories/")
    assert throttled.status_code == 429
    assert "throttled" in throttled.json()["detail"]
    assert int(throttled["Retry-After"]) > 0


def test_the_user_rate_is_per_user(api, other_api, settings):
    rates(settings, user="3/min")
    for _ in range(3):
        api.get("/api/repositories/")

    assert api.get("/api/repositories/").status_code == 429
    assert other_api.get("/api/repositories/").status_code == 200


def test_requests_without_credentials_count_against_the_anonymous_rate(stranger_api, settings):
    rates(settings, anon="3/min")

    answers = [stranger_api.get("/api/repositories/").status_code for _ in range(4)]

    assert answers == [401, 401, 401, 429]


def test_guessing_tokens_ends_in_429(settings):
    rates(settings, anon="5/min")
    client = APIClient()

    answers = [client.get("/api/repositories/", HTTP_AUTHORIZATION=f"Token wrong{i}").status_code for i in range(6)]

    assert answers == [401] * 5 + [429]


def test_a_right_token_is_counted_per_user_not_as_anonymous(owner, settings):
    rates(settings, anon="1/min", user="100/min")
    key = Token.objects.create(user=owner).key
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")

    assert [client.get("/api/repositories/").status_code for _ in range(5)] == [200] * 5


def test_a_progress_poller_every_300_ms_is_never_throttled(api, settings):
    """60 polls 300 ms apart (simulated clock): 200 each, though the per-user rate alone would
    have stopped them; the progress route has its own scope and leaves the user's rate alone."""
    rates(settings, user="10/min")
    started = api.post("/api/repositories/import", {"text": "acme/polled", "scan": True}, format="json")
    assert started.status_code == 201, started.content
    job_id = started.json()["job_id"]

    with mock.patch.object(throttling.ProgressRateThrottle, "timer", Clock(step=0.3)):
        answers = [api.get(f"/api/bulk/health-check/{job_id}/progress").status_code for _ in range(60)]

    assert answers == [200] * 60
    assert api.get("/api/repositories/").status_code == 200, "the polls did not use up the user's rate"


def test_the_progress_rate_cannot_be_set_below_1200_a_minute():
    result = load_settings("print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])", API_THROTTLE_PROGRESS="100/min")
    assert result.returncode != 0
    assert "API_THROTTLE_PROGRESS='100/min' is below the minimum of 1200/minute" in result.stderr


def test_a_malformed_rate_names_its_variable():
    result = load_settings("", API_THROTTLE_USER="lots")
    assert "API_THROTTLE_USER='lots' is not a rate" in result.stderr


def test_the_default_rates_come_from_the_environment():
    result = load_settings("print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])",
                           API_THROTTLE_ANON="7/min", API_THROTTLE_USER="70/min", API_THROTTLE_PROGRESS="2000/min")
    assert result.stdout.strip() == "{'anon': '7/min', 'user': '70/min', 'progress': '2000/min'}"


def test_with_the_cache_down_throttles_let_requests_through(api, settings):
    rates(settings, user="1/min")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS,
                                   "KEY_FUNCTION": "repohealth.runtime.cache.make_key"}}

    assert [api.get("/api/repositories/").status_code for _ in range(3)] == [200] * 3


# --- login lockout (django-axes) ----------------------------------------------------------------------
def log_in(client, username, password, path="/accounts/login/", address="10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(times, username="owner", address="10.0.0.1", path="/accounts/login/") -> list[int]:
    client = Client()
    return [log_in(client, username, "wrong-password", path, address).status_code for _ in range(times)]


LOCKED_AT_THE_TENTH = [200] * 9 + [429]  # the form again nine times; the tenth failure locks


def test_ten_failed_logins_lock_that_username_from_that_address_for_15_minutes(owner, settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert fail(10) == LOCKED_AT_THE_TENTH

    locked = log_in(Client(), "owner", "owner-password-1")

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "locked for 15 minutes" in locked.content.decode()


def test_nine_failures_do_not_lock_and_a_success_resets_the_count(owner):
    assert fail(9) == [200] * 9
    assert log_in(Client(), "owner", "owner-password-1").status_code == 302
    assert fail(9) == [200] * 9

    assert log_in(Client(), "owner", "owner-password-1").status_code == 302


def test_the_lockout_is_per_username_and_address(owner, other_user):
    assert fail(10, username="owner", address="10.0.0.1") == LOCKED_AT_THE_TENTH

    assert log_in(Client(), "owner", "owner-password-1", address="10.0.0.2").status_code == 302
    assert log_in(Client(), "other", "other-password-1", address="10.0.0.1").status_code == 302


def test_the_admin_login_is_locked_too(staff_user):
    assert fail(10, username="staff", path="/admin/login/") == LOCKED_AT_THE_TENTH

    assert log_in(Client(), "staff", "staff-password-1", path="/admin/login/").status_code == 429
    assert log_in(Client(), "staff", "staff-password-1").status_code == 429, "one count for both forms"


def test_an_administrator_can_unlock_a_username(owner):
    assert fail(10) == LOCKED_AT_THE_TENTH
    assert log_in(Client(), "owner", "owner-password-1").status_code == 429

    call_command("axes_reset_username", "owner")

    assert log_in(Client(), "owner", "owner-password-1").status_code == 302


# --- DJANGO_SECURE --------------------------------------------------------------------------------------
SECURE_NAMES = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
                "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER")


def load_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SECURE", "API_THROTTLE_"))}
    environment.pop("DJANGO_SESSION_COOKIE_SECURE", None)
    environment.pop("DJANGO_CSRF_COOKIE_SECURE", None)
    environment.update(env)
    return subprocess.run([sys.executable, "-c", f"import repohealth.settings as s\n{code}"],
                          cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60)


def secure_settings(**env: str) -> dict:
    result = load_settings(f"print({{n: getattr(s, n) for n in {SECURE_NAMES!r}}})", **env)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip())  # our own settings' repr


def test_by_default_nothing_assumes_https():
    assert secure_settings() == {
        "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False, "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_django_secure_switches_every_https_setting_on():
    assert secure_settings(DJANGO_SECURE="1") == {
        "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    }


def test_each_https_setting_has_its_own_variable():
    values = secure_settings(DJANGO_SECURE="1", DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_HSTS_SECONDS="3600",
                             DJANGO_SECURE_HSTS_PRELOAD="0", DJANGO_SESSION_COOKIE_SECURE="0",
                             DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Ssl=on")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_SSL", "on")
    assert secure_settings(DJANGO_CSRF_COOKIE_SECURE="1")["CSRF_COOKIE_SECURE"] is True
    assert secure_settings(DJANGO_SECURE="1", DJANGO_SECURE_PROXY_SSL_HEADER="off")["SECURE_PROXY_SSL_HEADER"] is None


def test_a_malformed_proxy_header_names_its_variable():
    result = load_settings("", DJANGO_SECURE_PROXY_SSL_HEADER="X Forwarded: https")
    assert "DJANGO_SECURE_PROXY_SSL_HEADER='X Forwarded: https' is not a header name" in result.stderr


def test_check_deploy_with_django_secure_reports_nothing():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(DJANGO_SECURE="1", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
                       DJANGO_ALLOWED_HOSTS="repohealth.example.com")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_behind_the_proxy_plain_http_is_redirected_and_https_gets_hsts(owner, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()

    plain = client.get("/accounts/login/")
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


# --- Content-Security-Policy ------------------------------------------------------------------------------
def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("csp-admin", "csp@example.com", "csp-password-1")


def pages(superuser) -> list[str]:
    """Every page without a path parameter that answers a GET: ours, the admin's, /api/docs/."""
    from tests.routes import routes

    client = Client()
    client.force_login(superuser)
    found = []
    for route in routes():
        if route.params or route.name.startswith("admin:django_rq") or route.pattern.startswith("api/") and \
                route.name != "api:docs":
            continue
        url = route.url(None)
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            found.append(url)
    return found


def test_every_page_has_a_strict_policy_and_no_inline_script_or_style(superuser):
    api = APIClient()
    api.force_authenticate(superuser)
    started = api.post("/api/repositories/import", {"text": "acme/one", "scan": True}, format="json")
    assert started.status_code == 201  # a queued scan: the pages show its progress panel
    client = Client()
    client.force_login(superuser)
    urls = pages(superuser)
    assert {"/", "/import/", "/scans/", "/admin/", "/api/docs/"} <= set(urls), urls

    for url in urls:
        response = client.get(url)
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["default-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        assert "unsafe" not in response["Content-Security-Policy"], url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), f"{url}: {INLINE_SCRIPT.search(html).group()}"
        assert not INLINE_STYLE.search(html), f"{url}: {INLINE_STYLE.search(html).group()!r}"


def test_the_login_page_and_the_api_have_the_policy_too(stranger_api):
    assert "script-src 'self'" in Client().get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in stranger_api.get("/api/repositories/")["Content-Security-Policy"]


def test_the_swagger_page_loads_its_start_up_script_from_a_url(api):
    page = api.get("/api/docs/")
    script = api.get("/api/docs/?script=")

    assert re.search(r'<script src="/api/docs/\?script="></script>', page.content.decode())
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_only_the_django_rq_dashboard_gets_the_relaxed_policy(superuser):
    client = Client()
    client.force_login(superuser)

    dashboard = client.get("/admin/django_rq/dashboard/")
    admin = client.get("/admin/")

    assert dashboard.status_code == 200
    assert directives(dashboard)["script-src"] == ["'self'", "'unsafe-inline'"]
    assert directives(dashboard)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "unsafe-eval" not in dashboard["Content-Security-Policy"]
    assert directives(admin)["script-src"] == ["'self'"]


def test_the_prometheus_metrics_answer_staff_only(superuser, owner):
    client = Client()
    assert client.get("/admin/django_rq/dashboard/metrics/").status_code == 401
    client.force_login(owner)
    assert client.get("/admin/django_rq/dashboard/metrics/").status_code == 401
    client.force_login(superuser)

    metrics = client.get("/admin/django_rq/dashboard/metrics/")

    assert metrics.status_code == 200
    assert b"rq_jobs" in metrics.content


def test_a_scraper_with_the_rq_api_token_gets_the_metrics(settings):
    with override_settings(RQ_API_TOKEN="scraper-token"):
        answer = Client().get("/admin/django_rq/dashboard/metrics/", HTTP_AUTHORIZATION="Bearer scraper-token")
    assert answer.status_code == 200
