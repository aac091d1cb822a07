"""The repositories API: list, filters, detail, delete, accept-name, import, export, schema."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from repositories.export import EXPORT_FIELDS, TOTAL_HEADER
from repositories.models import Label, Repository
from scans.models import ScanJob
from tests.counting import recounted

pytestmark = pytest.mark.django_db
Health = Repository.Health
ITEM_KEYS = {"id", "full_name", "html_url", "health", "health_detail", "description", "stars", "forks",
             "open_issues", "watchers", "language", "topics", "license", "default_branch", "archived", "fork",
             "pushed_at", "previous_names", "last_checked_at"}


@pytest.fixture
def catalog():
    now = timezone.now()
    python = Label.objects.create(name="awesome-python")
    rows = [
        Repository(imported_name="psf/requests", full_name="psf/requests", language="Python", stars=50000,
                   health=Health.HEALTHY, pushed_at=now - timedelta(days=2), description="HTTP for Humans"),
        Repository(imported_name="old/tool", full_name="new/tool", language="Go", stars=10, health=Health.MOVED,
                   previous_names=["old/tool"], health_detail="transferred to new/tool"),
        Repository(imported_name="acme/frozen", full_name="acme/frozen", language="Python", stars=300,
                   health=Health.ARCHIVED, archived=True, description="=HYPERLINK(\"http://evil\")"),
        Repository(imported_name="acme/gone", full_name="acme/gone", health=Health.NOT_FOUND, stars=0),
    ]
    repos = Repository.objects.bulk_create(rows)
    repos[0].labels.add(python)
    repos[2].labels.add(python)
    recounted()
    return repos


def names(response) -> list[str]:
    return [item["full_name"] for item in response.json()["results"]]


def test_the_list_is_paginated_with_every_documented_field(api, catalog):
    body = api.get("/api/repositories/").json()
    assert set(body) == {"next", "previous", "results"}, "no count: the list pages by cursor"
    assert len(body["results"]) == 4
    assert set(body["results"][0]) >= ITEM_KEYS


@pytest.mark.parametrize(("query", "expected"), [
    ("health=archived", ["acme/frozen"]),
    ("health=archived,not_found", ["acme/frozen", "acme/gone"]),
    ("language=Python", ["acme/frozen", "psf/requests"]),
    ("label=awesome-python", ["acme/frozen", "psf/requests"]),
    ("archived=true", ["acme/frozen"]),
    ("archived=false", ["acme/gone", "new/tool", "psf/requests"]),
    ("search=humans", ["psf/requests"]),
    ("ordering=-stars", ["psf/requests", "acme/frozen", "new/tool", "acme/gone"]),
    ("ordering=full_name", ["acme/frozen", "acme/gone", "new/tool", "psf/requests"]),
])
def test_the_list_filters_and_orders_as_the_query_asks(api, catalog, query, expected):
    assert names(api.get(f"/api/repositories/?{query}")) == expected


def test_page_size_goes_up_to_1000(api):
    Repository.objects.bulk_create([Repository(imported_name=f"o/r{i}", full_name=f"o/r{i}") for i in range(1005)])
    assert len(api.get("/api/repositories/?page_size=5000").json()["results"]) == 1000
    assert len(api.get("/api/repositories/?page_size=7").json()["results"]) == 7


@pytest.mark.usefixtures("counts_hold")
def test_a_repository_can_be_read_its_new_name_accepted_and_then_deleted(api, owner, catalog):
    owner.user_permissions.add(*Permission.objects.filter(
        codename__in=["change_repository", "delete_repository"], content_type__app_label="repositories"))
    moved = catalog[1]
    assert api.get(f"/api/repositories/{moved.id}/").json()["previous_names"] == ["old/tool"]

    accepted = api.post(f"/api/repositories/{moved.id}/accept-name")
    assert accepted.status_code == 200
    assert accepted.json()["health"] == Health.HEALTHY
    assert Repository.objects.get(id=moved.id).imported_name == "new/tool"

    assert api.delete(f"/api/repositories/{moved.id}/").status_code == 204
    assert not Repository.objects.filter(id=moved.id).exists()
    assert api.get(f"/api/repositories/{moved.id}/").status_code == 404


@pytest.mark.usefixtures("counts_hold")
def test_import_as_json_answers_201_with_the_report_and_starts_a_scan(api, catalog):
    text = "psf/requests\nhttps://github.com/django/django\nhttps://gitlab.com/x/y\nDjango/Django\n"
    response = api.post("/api/repositories/import", {"text": text, "label": "mine"}, format="json")

    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["created"], report["existing"], report["duplicates"]) == (1, 1, 1)
    assert report["invalid"] == [{"line": 3, "text": "https://gitlab.com/x/y",
                                  "reason": "not a GitHub URL (host gitlab.com)"}]
    assert len(report["repository_ids"]) == 2
    assert report["job_id"]
    assert report["progress_url"].endswith(f"/api/bulk/health-check/{report['job_id']}/progress")
    assert ScanJob.objects.get(id=report["job_id"]).total == 2
    assert set(Label.objects.get(name="mine").repositories.values_list("full_name", flat=True)) == {
        "psf/requests", "django/django"}


def test_an_import_as_a_multipart_file_may_skip_the_scan(api):
    upload = SimpleUploadedFile("list.csv", b"name,url,stars\nrequests,https://github.com/psf/requests,5\n")
    response = api.post("/api/repositories/import", {"file": upload, "scan": "false"}, format="multipart")

    assert response.status_code == 201, response.content
    assert response.json()["format"] == "csv"
    assert response.json()["created"] == 1
    assert response.json()["job_id"] is None
    assert not ScanJob.objects.exists()


def test_an_import_refused_whole_answers_400_and_saves_nothing(api, settings):
    settings.IMPORT_MAX_ENTRIES = 2
    response = api.post("/api/repositories/import", {"text": "a/b\nc/d\ne/f\n"}, format="json")
    assert response.status_code == 400
    assert "200,000" not in response.json()["detail"]
    assert "2" in response.json()["detail"]
    assert not Repository.objects.exists()

    binary = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    response = api.post("/api/repositories/import", {"file": binary}, format="multipart")
    assert response.status_code == 400
    assert "binary" in response.json()["detail"]


def test_an_import_without_a_list_answers_400(api):
    response = api.post("/api/repositories/import", {"label": "x"}, format="json")
    assert response.status_code == 400
    assert "file" in response.json()["detail"]


def test_csv_export_streams_the_filtered_catalog_and_neutralises_formulas(api, catalog):
    response = api.get("/api/repositories/export?format=csv&language=Python")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="repositories.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["full_name"] for r in rows] == ["acme/frozen", "psf/requests"]
    assert rows[0]["description"] == "'=HYPERLINK(\"http://evil\")"


def test_csv_export_writes_every_kind_of_cell_as_it_always_has(api):
    Repository.objects.create(
        imported_name="a/b", full_name="a/b", description='+1 ,"quoted"\nnewline', stars=5, topics=["x", "y"],
        previous_names=["o/p", "q/r"], archived=True, pushed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        last_checked_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), commits_last_year=0,
        maintenance_reasons=[{"signal": "s", "value": 1, "text": "-why"}, {"signal": "t"}], declared="=bad",
        successor="@x/y", maintenance_note="\tnote", health_detail="\rdetail", last_release_tag="v1")
    response = api.get("/api/repositories/export?format=csv")
    assert response[TOTAL_HEADER] == "1"
    header, row = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    cells = dict(zip(header, row, strict=True))
    assert (cells["description"], cells["health_detail"], cells["declared"], cells["successor"],
            cells["maintenance_note"]) == ("'+1 ,\"quoted\"\nnewline", "'\rdetail", "'=bad", "'@x/y", "'\tnote")
    assert (cells["topics"], cells["previous_names"], cells["maintenance_reasons"]) \
        == ("x y", "o/p q/r", "'-why; {'signal': 't'}"), "lists as words, a reason by its text"
    assert (cells["pushed_at"], cells["last_checked_at"], cells["last_commit_at"]) \
        == ("2026-01-02T03:04:05+00:00", "2026-01-02T03:04:05.123456+00:00", ""), "times in ISO 8601"
    assert (cells["stars"], cells["commits_last_year"], cells["archived"], cells["fork"], cells["last_release_tag"]) \
        == ("5", "0", "True", "False", "v1")


def test_an_export_says_how_many_rows_it_sends_before_the_first(api, catalog):
    for fmt in ("csv", "json"):
        response = api.get(f"/api/repositories/export?format={fmt}&language=Python")
        assert response[TOTAL_HEADER] == "2"
    empty = api.get("/api/repositories/export?format=csv&language=Cobol")
    assert empty[TOTAL_HEADER] == "0"
    assert b"".join(empty.streaming_content).decode().splitlines() == [",".join(EXPORT_FIELDS)], "the header alone"


def test_json_export_streams_the_filtered_catalog_and_an_unknown_format_answers_400(api, catalog):
    response = api.get("/api/repositories/export?format=json&health=moved")
    assert response["Content-Disposition"] == 'attachment; filename="repositories.json"'
    items = json.loads(b"".join(response.streaming_content))
    assert [i["full_name"] for i in items] == ["new/tool"]
    assert items[0]["previous_names"] == ["old/tool"]
    assert api.get("/api/repositories/export?format=xml").status_code == 400


def test_the_schema_and_the_docs_are_served_without_a_cdn(api):
    schema = api.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/bulk/health-check" in paths
    assert "/api/bulk/health-check/{job_id}/progress" in paths
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
