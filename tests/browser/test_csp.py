"""Every page in a real Chromium under the Content-Security-Policy: ours (a scan's panel polling
and swapping in), the admin's, /api/docs/ (Swagger UI) and django-rq's dashboard. Any
`securitypolicyviolation` event, or a console message about the policy, fails the test."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.routes import Samples, routes

pytestmark = [pytest.mark.browser]

WATCH = """
window.__violations = [];
window.__settled = 0;
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
document.addEventListener('htmx:afterSettle', () => { window.__settled += 1; });
"""


@pytest.fixture
def superuser(django_user_model, transactional_db):
    return django_user_model.objects.create_superuser("csp", "csp@example.com", "csp-password-1")


@pytest.fixture
def samples(superuser) -> Samples:
    """Repositories and a queued scan (no worker: its panel keeps polling), made through the API."""
    from django.contrib import admin

    api = APIClient()
    api.force_authenticate(superuser)
    imported = api.post("/api/repositories/import", {"text": "acme/one\nacme/two", "label": "csp", "scan": True},
                        format="json")
    assert imported.status_code == 201, imported.content
    repository_id = api.get("/api/repositories/").json()["results"][0]["id"]
    by_model = {}
    for model in admin.site._registry:
        first = model._default_manager.order_by("pk").first() if model._meta.managed else None
        if first is not None:
            by_model[model] = first.pk
    return Samples(repository_id=repository_id, scan_id=imported.json()["job_id"], by_model=by_model)


def page_urls(superuser, samples) -> list[str]:
    """Every route that answers a logged-in GET with an HTML page: ours, the admin's (their list,
    add and change pages), /api/docs/ and the django-rq dashboard's main pages."""
    client = Client(raise_request_exception=False)  # django-rq's pages given sample ids may fail: not pages
    client.force_login(superuser)
    urls = []
    for route in routes():
        if route.area == "api" and route.name != "api:docs":
            continue
        if route.area == "admin" and route.name.endswith(("_delete", "_history")):
            continue
        url = route.url(samples)
        if url is None or "logout" in route.name:
            continue
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            urls.append(url)
    return list(dict.fromkeys(urls))  # two names may serve one URL (django-rq's dashboard)


def test_no_page_violates_the_content_security_policy(browser, live_server, superuser, samples):
    urls = page_urls(superuser, samples)
    assert {"/", "/import/", "/scans/", f"/scans/{samples.scan_id}/", "/admin/", "/api/docs/",
            "/admin/django_rq/dashboard/"} <= set(urls), urls

    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    violations: dict[str, list[str]] = {}

    page.goto("/accounts/login/")
    violations["/accounts/login/"] = page.evaluate("window.__violations")
    page.get_by_label("Username").fill("csp")
    page.get_by_label("Password").fill("csp-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")

    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        if url == "/api/docs/":
            page.locator(".swagger-ui .information-container").wait_for(timeout=20_000)
        if page.evaluate("() => Boolean(window.htmx)") and page.locator(".scan-panel[hx-trigger]").count():
            page.wait_for_function("() => window.__settled >= 2", timeout=20_000)  # two polls swapped in
        violations[url] = page.evaluate("window.__violations")

    context.close()
    found = {url: seen for url, seen in violations.items() if seen}
    assert not found, f"violations: {found}; console: {console}"
    assert not console, f"violations: {found}; console: {console}"
    assert set(violations) == {"/accounts/login/", *urls}, "every page was visited"
