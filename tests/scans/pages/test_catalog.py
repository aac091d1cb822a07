"""The catalog pages through Django's test client: login, the list and its filters, one
repository, import, and the escaping of text that comes from GitHub or from an upload."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from repositories import services
from repositories.models import Label, Repository
from repositories.presentation import PER_PAGE
from scans.models import ScanJob
from tests.counting import recounted

pytestmark = pytest.mark.django_db

Health = Repository.Health
SCRIPT = "<script>alert(1)</script>"


def repo(name: str, **fields) -> Repository:
    fields.setdefault("imported_name", name)
    return Repository.objects.create(full_name=name, **fields)


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def htmx_get(client, url, **extra):
    return client.get(url, headers={"HX-Request": "true", **extra.pop("headers", {})}, **extra)


# --- login ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["catalog:list", "catalog:import", "scans:list"])
def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_the_repository_page_needs_a_login_too(client):
    r = repo("acme/tool")
    response = client.get(reverse("catalog:detail", args=[r.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_is_styled_like_the_rest_and_logs_in(client, owner):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "css/app.css" in html
    assert 'name="username"' in html
    assert "csrfmiddlewaretoken" in html

    response = client.post(reverse("login"), {"username": "owner", "password": "owner-password-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:list")


def test_a_wrong_password_says_so_on_the_login_page(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert response.status_code == 200
    assert "alert--error" in response.content.decode()


# --- the catalog ---------------------------------------------------------------------------------------
def test_the_catalog_shows_cards_chart_and_a_table_with_badges_and_tooltips(logged_in):
    repo("acme/alive", health=Health.HEALTHY, health_detail="active", stars=1234, forks=5, open_issues=7,
         language="Python", license="MIT", pushed_at=timezone.now() - timedelta(days=3),
         last_checked_at=timezone.now(), github_id=11)
    repo("acme/new-name", imported_name="acme/old-name", health=Health.MOVED, health_detail="renamed to acme/new-name")
    repo("acme/dmca", health=Health.BLOCKED, health_detail="DMCA takedown")
    recounted()

    response = logged_in.get(reverse("catalog:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg id="donut" viewBox="0 0 42 42"' in html
    assert "stroke--healthy" in html
    assert 'class="badge badge--moved" title="renamed to acme/new-name"' in html
    assert 'title="DMCA takedown"' in html
    assert 'href="https://github.com/acme/alive"' in html
    assert "1,234" in html
    assert "3 days ago" in html
    assert "MIT" in html
    assert 'name="ids"' in html
    assert 'value="selected"' in html
    assert 'value="all"' in html
    assert 'hx-trigger="scanFinished from:body"' in html


def test_the_catalog_filters_by_health_language_label_archived_and_search(logged_in):
    python = repo("acme/snake", language="Python", health=Health.HEALTHY, description="a fast parser")
    repo("acme/crab", language="Rust", health=Health.STALE)
    frozen = repo("acme/ice", language="Go", health=Health.ARCHIVED, archived=True)
    labelled = repo("acme/listed", language="Rust")
    labelled.labels.add(Label.objects.create(name="awesome-rust"))

    def names(**params):
        response = logged_in.get(reverse("catalog:list"), params)
        return {r.full_name for r in response.context["page_obj"].object_list}

    assert names(health="healthy") == {python.full_name}
    assert names(language="Go") == {frozen.full_name}
    assert names(label="awesome-rust") == {labelled.full_name}
    assert names(archived="yes") == {frozen.full_name}
    assert names(archived="no") == {"acme/snake", "acme/crab", "acme/listed"}
    assert names(search="parser") == {python.full_name}
    refused = logged_in.get(reverse("catalog:list"), {"health": "not-a-state"})
    assert refused.status_code == 400
    assert "health: Select a valid choice" in refused.content.decode()


def test_the_scan_filtered_button_carries_the_filters(logged_in):
    repo("acme/crab", language="Rust", health=Health.STALE)
    html = logged_in.get(reverse("catalog:list"), {"language": "Rust", "archived": "no"}).content.decode()
    assert 'value="filtered"' in html
    assert '<input type="hidden" name="language" value="Rust">' in html
    assert '<input type="hidden" name="archived" value="no">' in html


def test_the_catalog_takes_the_former_filter_name_stale_hours_and_carries_it_by_its_new_name(logged_in):
    repo("acme/crab", last_checked_at=timezone.now() - timedelta(hours=30))
    repo("acme/ice", last_checked_at=timezone.now())
    response = logged_in.get(reverse("catalog:list"), {"stale_hours": "24"})
    assert {r.full_name for r in response.context["page_obj"].object_list} == {"acme/crab"}
    html = response.content.decode()
    assert '<input type="hidden" name="unchecked_hours" value="24">' in html
    assert 'name="stale_hours"' not in html


def test_columns_sort_both_ways(logged_in):
    repo("acme/few", stars=1)
    repo("acme/many", stars=500)
    repo("acme/some", stars=20)

    def order(ordering):
        response = logged_in.get(reverse("catalog:list"), {"ordering": ordering})
        return [r.full_name for r in response.context["page_obj"].object_list]

    assert order("-stars") == ["acme/many", "acme/some", "acme/few"]
    assert order("stars") == ["acme/few", "acme/some", "acme/many"]
    html = logged_in.get(reverse("catalog:list"), {"ordering": "-stars"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert "?ordering=stars" in html


def test_pages_of_fifty_keep_the_filters(logged_in):
    Repository.objects.bulk_create(
        [Repository(full_name=f"bulk/r{i:03}", imported_name=f"bulk/r{i:03}", language="C") for i in range(120)])
    recounted()
    response = logged_in.get(reverse("catalog:list"), {"language": "C", "page": 3})
    page = response.context["page_obj"]
    assert page.number == 3
    assert len(page.object_list) == 20
    assert page.paginator.count == 120
    assert "language=C&amp;page=2" in response.content.decode()


@pytest.mark.parametrize(("params", "count"), [
    ({}, 120), ({"health": "stale"}, 30), ({"health": "stale,healthy"}, 60), ({"maintenance": "unknown"}, 120),
    ({"language": "C"}, 40), ({"label": "big"}, 120), ({"label": "nobody-has-it"}, 0)])
def test_the_catalog_takes_the_row_count_from_the_kept_counts_and_queries_per_page_not_per_row(
        logged_in, params, count):
    label = Label.objects.create(name="big")
    for i in range(60):
        repo(f"many/r{i:02}", health=Health.HEALTHY if i % 2 else Health.STALE,
             language="C" if i % 3 == 0 else "").labels.add(label)
    recounted()

    with CaptureQueriesContext(connection) as few:
        logged_in.get(reverse("catalog:list"), params)
    for i in range(60, 120):
        repo(f"many/r{i:03}", language="C" if i % 3 == 0 else "").labels.add(label)
    recounted()
    with CaptureQueriesContext(connection) as more:
        response = logged_in.get(reverse("catalog:list"), params)

    assert response.context["page_obj"].paginator.count == count
    sql = [q["sql"].upper() for q in more.captured_queries]
    assert not any("COUNT(" in s for s in sql), "the count comes from the kept counts"
    assert len(more.captured_queries) == len(few.captured_queries)


def test_filters_the_kept_counts_cannot_answer_are_counted(logged_in):
    python = services.repositories_import(source="acme/a\nacme/b\nacme/c", label="one").repository_ids
    services.repositories_import(source="acme/c\nacme/d", label="two")
    Repository.objects.filter(id=python[0]).update(archived=True)

    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            response = logged_in.get(reverse("catalog:list"), params)
        return response.context["page_obj"].paginator.count, any("COUNT(" in q["sql"].upper() for q in queries)

    assert count(label="one,two") == (4, True), "a repository may carry both labels"
    assert count(archived="yes") == (1, True)
    assert count(health="unknown", label="one") == (3, True)
    assert count(label="two") == (2, False)


def test_a_page_past_the_deepest_one_says_how_to_reach_the_rows(logged_in, monkeypatch):
    monkeypatch.setattr("repositories.presentation.MAX_PAGES", 2)
    monkeypatch.setattr("scans.pages.catalog.MAX_PAGES", 2)
    services.repositories_import(source="\n".join(f"deep/r{i:03}" for i in range(3 * PER_PAGE)))

    last = logged_in.get(reverse("catalog:list"), {"page": 2})
    assert last.status_code == 200
    assert not last.context["page_obj"].has_next()
    assert "The list stops at this page" in last.content.decode()

    deeper = logged_in.get(reverse("catalog:list"), {"page": 3})
    assert deeper.status_code == 400
    html = deeper.content.decode()
    assert "page: the list shows its first 2 pages (100 repositories); filter it or sort it the other way" in html
    assert deeper.context["page_obj"].number == 2, "the deepest page is shown under the message"
    assert "deep/r050" in html
    narrowed = logged_in.get(reverse("catalog:list"), {"page": 3, "ordering": "-full_name", "search": "r00"})
    assert narrowed.status_code == 200


def test_an_htmx_request_renders_just_the_catalog_partial(logged_in):
    repo("acme/tool", health=Health.HEALTHY)
    response = htmx_get(logged_in, reverse("catalog:list") + "?health=healthy")
    html = response.content.decode()
    assert html.lstrip().startswith("<div id=\"catalog\"")
    assert "<html" not in html
    assert "acme/tool" in html


def test_an_empty_catalog_points_to_the_import_page(logged_in):
    html = logged_in.get(reverse("catalog:list")).content.decode()
    assert "No repositories yet" in html
    assert reverse("catalog:import") in html


# --- safety ----------------------------------------------------------------------------------------------
def test_text_from_github_is_escaped_on_every_page(logged_in):
    r = repo("acme/xss", description=SCRIPT, topics=["<b>bold</b>"], homepage="javascript:alert(1)",
             health=Health.MOVED, health_detail='renamed to "x/<i>y</i>"', previous_names=["<img src=x>"])

    for url in (reverse("catalog:list"), reverse("catalog:detail", args=[r.pk])):
        html = logged_in.get(url).content.decode()
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<i>y</i>" not in html
    detail = logged_in.get(reverse("catalog:detail", args=[r.pk])).content.decode()
    assert "<b>bold</b>" not in detail
    assert "&lt;b&gt;bold&lt;/b&gt;" in detail
    assert 'href="javascript:' not in detail
    assert "<img src=x>" not in detail


def test_the_github_token_never_appears_in_a_page(logged_in, settings):
    settings.GITHUB_TOKENS = ["ghp_TOPSECRETTOKEN123"]
    r = repo("acme/tool")
    for url in (reverse("catalog:list"), reverse("catalog:detail", args=[r.pk]),
                reverse("catalog:import"), reverse("scans:list")):
        html = logged_in.get(url).content.decode()
        assert "ghp_TOPSECRETTOKEN123" not in html
        assert "No GitHub token" not in html


def test_without_a_token_every_page_says_how_slow_github_will_be(logged_in, settings):
    settings.GITHUB_TOKENS = []
    html = logged_in.get(reverse("catalog:list")).content.decode()
    assert "No GitHub token: GitHub allows 60 requests an hour" in html


def test_csrf_is_sent_once_on_the_body_for_htmx(logged_in):
    html = logged_in.get(reverse("catalog:list")).content.decode()
    assert "<body hx-headers='{\"x-csrftoken\": \"" in html
    assert "django_htmx/htmx-2.min.js" in html
    assert "unpkg" not in html
    assert "cdn" not in html.lower()


# --- one repository ----------------------------------------------------------------------------------------
def test_the_repository_page_shows_metadata_previous_names_and_recent_results(logged_in, owner):
    r = repo("new-owner/tool", imported_name="old-owner/tool", previous_names=["old-owner/tool"],
             health=Health.MOVED, health_detail="transferred to new-owner/tool", stars=42, language="Rust",
             topics=["cli"], homepage="https://tool.example")
    scan = ScanJob.objects.create(total=1, requested_by=owner, status=ScanJob.Status.COMPLETED)
    scan.results.create(repository=r, full_name="old-owner/tool", outcome=Health.MOVED, http_status=301,
                        detail="transferred to new-owner/tool", duration_ms=12)

    html = logged_in.get(reverse("catalog:detail", args=[r.pk])).content.decode()

    assert "Accept new name" in html
    assert "old-owner/tool" in html
    assert 'href="https://tool.example"' in html
    assert ">cli<" in html
    assert reverse("scans:detail", args=[scan.id]) in html
    assert "12 ms" in html


def test_another_users_scan_is_not_linked_from_a_repository_page(logged_in, other_user):
    r = repo("acme/tool")
    scan = ScanJob.objects.create(total=1, requested_by=other_user, status=ScanJob.Status.COMPLETED)
    scan.results.create(repository=r, full_name="acme/tool", outcome=Health.HEALTHY)
    html = logged_in.get(reverse("catalog:detail", args=[r.pk])).content.decode()
    assert reverse("scans:detail", args=[scan.id]) not in html
    assert "badge--healthy" in html


def test_accepting_a_new_name_stops_the_repository_showing_moved(logged_in, owner):
    owner.user_permissions.add(Permission.objects.get(codename="change_repository"))
    r = repo("new-owner/tool", imported_name="old-owner/tool", health=Health.MOVED,
             pushed_at=timezone.now() - timedelta(days=1), last_checked_at=timezone.now())
    response = logged_in.post(reverse("catalog:accept_name", args=[r.pk]))
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.imported_name == "new-owner/tool"
    assert r.health != Health.MOVED
    assert "Accept new name" not in logged_in.get(reverse("catalog:detail", args=[r.pk])).content.decode()


def test_checking_one_repository_starts_a_scan_of_it(logged_in, owner):
    r = repo("acme/tool")
    response = logged_in.post(reverse("catalog:scan", args=[r.pk]))
    assert response.status_code == 302
    scan = ScanJob.objects.get()
    assert scan.repository_ids == [r.pk]
    assert scan.requested_by == owner


def test_an_unknown_repository_is_404(logged_in):
    assert logged_in.get(reverse("catalog:detail", args=[999999])).status_code == 404


def test_accept_name_needs_post(logged_in):
    r = repo("acme/tool")
    assert logged_in.get(reverse("catalog:accept_name", args=[r.pk])).status_code == 405


# --- import --------------------------------------------------------------------------------------------------
def import_through_the_preview(client, data: dict, then: str = "scan"):
    """Post the form (the preview answers, nothing saved), then confirm it."""
    preview = client.post(reverse("catalog:import"), data)
    assert preview.status_code == 200
    assert "nothing is saved yet" in preview.content.decode()
    return client.post(reverse("catalog:import_confirm"), {"token": preview.context["token"], "then": then})


def test_importing_a_pasted_list_redirects_to_the_report_and_the_scan_panel(logged_in, owner):
    repo("acme/known")
    text = "acme/new-one\nhttps://github.com/acme/new-two\nacme/known\nacme/new-one\nnot a repo at all!\n"

    response = import_through_the_preview(logged_in, {"text": text, "label": "my-list"})

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:import")
    page = logged_in.get(reverse("catalog:import"))
    html = page.content.decode()
    report = page.context["report"]
    assert (report["created"], report["existing"], report["duplicates"]) == (2, 1, 1)
    assert report["invalid_total"] == 1
    assert report["invalid"][0]["line"] == 5
    assert "not a repo at all!" in html
    scan = ScanJob.objects.get(requested_by=owner)
    assert f'id="scan-{scan.id}"' in html
    assert 'role="progressbar"' in html
    assert set(Label.objects.get(name="my-list").repositories.values_list("full_name", flat=True)) == {
        "acme/new-one", "acme/new-two", "acme/known"}
    # The report shows once; a reload still shows the panel of the running scan.
    again = logged_in.get(reverse("catalog:import")).content.decode()
    assert "Invalid lines" not in again
    assert f'id="scan-{scan.id}"' in again


def test_an_uploaded_file_is_imported(logged_in):
    upload = SimpleUploadedFile("list.txt", b"acme/one\nacme/two\n", content_type="text/plain")
    response = import_through_the_preview(logged_in, {"file": upload, "label": ""})
    assert response.status_code == 302
    assert set(Repository.objects.values_list("full_name", flat=True)) == {"acme/one", "acme/two"}


def test_invalid_lines_from_an_upload_are_escaped(logged_in):
    import_through_the_preview(logged_in, {"text": f"acme/ok\n{SCRIPT}\n<img src=x onerror=alert(1)>\n"})
    html = logged_in.get(reverse("catalog:import")).content.decode()
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_refused_import_says_why_on_the_form_and_saves_nothing(logged_in):
    upload = SimpleUploadedFile("blob.bin", b"\x00\x01\x02\x89PNG\x00\x00" * 100,
                                content_type="application/octet-stream")
    response = logged_in.post(reverse("catalog:import"), {"file": upload, "label": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "alert--error" in html
    assert "Nothing was imported" in html
    assert not Repository.objects.exists()
    assert not ScanJob.objects.exists()
    assert not Label.objects.exists()


def test_an_import_needs_a_file_or_a_list_but_not_both(logged_in):
    neither = logged_in.post(reverse("catalog:import"), {"text": "  "})
    assert "Choose a file or paste a list" in neither.content.decode()
    upload = SimpleUploadedFile("list.txt", b"acme/one\n")
    both = logged_in.post(reverse("catalog:import"), {"file": upload, "text": "acme/two"})
    assert both.status_code == 400
    assert "not both" in both.content.decode()
    assert not Repository.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read(logged_in, settings):
    settings.IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("list.txt", b"acme/one\n" * 50)
    response = logged_in.post(reverse("catalog:import"), {"file": upload})
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not Repository.objects.exists()
