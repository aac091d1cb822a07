"""`POST /api/repositories/import`: one rule for `scan` (true unless sent false) whether the list
comes as JSON or as a multipart upload, and `skipped_entries` beside the `skipped` count."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scans.models import ScanJob

pytestmark = pytest.mark.django_db

AWESOME = b"# Awesome\n\n- [tool](https://github.com/acme/tool)\n- [topic](https://github.com/topics/go)\n"


def send(api, how: str, scan=None):
    if how == "json":
        body = {"text": AWESOME.decode()}
        if scan is not None:
            body["scan"] = scan
        return api.post("/api/repositories/import", body, format="json")
    body = {"file": SimpleUploadedFile("awesome.md", AWESOME)}
    if scan is not None:
        body["scan"] = "true" if scan else "false"
    return api.post("/api/repositories/import", body, format="multipart")


@pytest.mark.parametrize("how", ["json", "multipart"])
def test_an_import_starts_a_scan_unless_scan_is_false_in_json_and_multipart_alike(api, how):
    default = send(api, how)
    assert default.status_code == 201, default.content
    assert default.json()["job_id"]
    assert ScanJob.objects.filter(id=default.json()["job_id"]).exists()

    off = send(api, how, scan=False)
    assert off.status_code == 201
    assert off.json()["job_id"] is None
    assert off.json()["progress_url"] is None

    on = send(api, how, scan=True)
    assert on.json()["job_id"]
    assert ScanJob.objects.count() == 2


@pytest.mark.parametrize("how", ["json", "multipart"])
def test_the_report_lists_each_skipped_link_beside_the_count(api, how):
    report = send(api, how, scan=False).json()

    assert report["skipped"] == 1
    assert report["skipped_entries"] == [{"line": 4, "text": "https://github.com/topics/go",
                                          "reason": "a GitHub page, not a repository (topics)"}]


def test_the_schema_documents_skipped_entries_and_the_scan_default(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    report = next(body for name, body in components.items() if "skipped_entries" in body.get("properties", {}))
    assert report["properties"]["skipped_entries"]["type"] == "array"
    request = components["ImportAndScanRequest"]["properties"]["scan"]
    assert request["default"] is True
