"""The progress payload is what `ProgressSerializer` (and so /api/schema/) says: a real payload,
running and failed, against the served schema, key for key and type for type."""

from __future__ import annotations

import pytest
from django.utils import timezone

from repositories.models import Repository
from scans import services
from scans.models import ScanJob
from scans.run.progress import progress_payload

pytestmark = pytest.mark.django_db
TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict}


@pytest.fixture
def schema(api) -> dict:
    document = api.get("/api/schema/", {"format": "json"}).json()
    return document["components"]["schemas"]["Progress"]


def _check(payload: dict, schema: dict) -> None:
    properties = schema["properties"]
    required = set(schema.get("required", []))
    assert set(payload) <= set(properties), f"keys the schema lacks: {set(payload) - set(properties)}"
    assert required <= set(payload), f"required keys missing: {required - set(payload)}"
    for key, value in payload.items():
        spec = properties[key]
        if value is None:
            assert spec.get("nullable"), f"{key} is null but not nullable in the schema"
        elif "type" in spec:
            assert isinstance(value, TYPES[spec["type"]]), f"{key}: {value!r} is not {spec['type']}"


def test_a_live_and_a_failed_payload_match_the_schema_exactly(owner, schema):
    repo = Repository.objects.create(imported_name="a/b", full_name="a/b")
    scan = services.scan_start(repositories=[repo.id], requested_by=owner, enqueue=False)
    live = progress_payload(scan, waiting=("Rate limited by GitHub", timezone.now().timestamp() + 60))
    _check(live, schema)
    assert live["waiting_reason"] == "Rate limited by GitHub"
    assert live["waiting_until"]

    ScanJob.objects.filter(id=scan.id).update(status=ScanJob.Status.FAILED, error="boom", finished_at=timezone.now())
    scan.refresh_from_db()
    failed = progress_payload(scan)
    _check(failed, schema)
    assert set(failed) == set(schema["properties"]), "a failed payload has every key, `error` included"
    assert set(live) == set(schema["properties"]) - {"error"}
