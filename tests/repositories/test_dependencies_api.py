"""Dependency documents through the import's doors (the API, runscan --file) and
GET /api/sources/{id}/dependencies with the source's summary, against the fake deps.dev."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from repositories.models import Repository
from tests.repositories.dependencies.helpers import read
from tests.repositories.test_resolver import component, sbom

pytestmark = pytest.mark.django_db
ROW = {"ecosystem", "name", "version", "purl", "repository", "provenance", "reason"}
MONOREPO = sbom(
    component("@babel/core", "7.24.0", "pkg:npm/%40babel/core@7.24.0",
              externalReferences=[{"type": "vcs", "url": "git+https://github.com/babel/babel.git"}]),
    component("@babel/parser", "7.24.0", "pkg:npm/%40babel/parser@7.24.0",
              externalReferences=[{"type": "vcs", "url": "https://github.com/babel/babel"}]),
    component("lonely", "1.0.0", "pkg:npm/lonely@1.0.0"),
)


def upload(api, name: str, content: bytes, **fields):
    return api.post("/api/repositories/import", {"file": SimpleUploadedFile(name, content), "scan": "false", **fields},
                    format="multipart")


def test_a_lockfile_uploaded_maps_each_package_and_answers_its_source(api, fake_depsdev):
    fake_depsdev.add("npm", "@babel/code-frame", {"7.23.5": ("github.com/babel/babel", "SLSA_ATTESTATION")})
    answer = upload(api, "package-lock.json", read("package-lock.json"))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["format"] == "package-lock"
    assert body["packages"] == 5
    assert body["unmapped"] == 4
    assert body["job_id"] is None
    assert body["resolver"]["requests"] == 5

    rows = api.get(f"/api/sources/{body['source_id']}/dependencies").json()
    assert len(rows["results"]) == 5
    assert all(set(row) == ROW for row in rows["results"])
    babel = next(row for row in rows["results"] if row["name"] == "@babel/code-frame")
    repository = Repository.objects.get(full_name="babel/babel")
    assert babel == {"ecosystem": "npm", "name": "@babel/code-frame", "version": "7.23.5",
                     "purl": "pkg:npm/%40babel/code-frame@7.23.5",
                     "repository": {"id": repository.id, "full_name": "babel/babel", "health": "unknown",
                                    "maintenance": "unknown", "maintenance_reasons": [], "name_reused": False},
                     "provenance": "resolver:SLSA_ATTESTATION", "reason": None}
    assert {row["reason"] for row in rows["results"] if row["repository"] is None} == {"no repository known"}


def test_text_and_format_import_a_manifest(api, fake_depsdev):
    answer = api.post("/api/repositories/import", {"text": "flask==3.0.0\n-r other.txt\n", "format": "requirements",
                                                   "scan": False}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["format"] == "requirements"
    assert body["packages"] == 1
    assert body["invalid"][0]["line"] == 2
    assert "-r" in body["invalid"][0]["text"]


def test_a_monorepo_counts_once_and_lists_each_package(api, fake_depsdev):
    body = upload(api, "bom.cdx.json", MONOREPO.encode()).json()
    assert body["created"] == 1
    assert body["packages"] == 3
    detail = api.get(f"/api/sources/{body['source_id']}").json()
    assert detail["summary"] == {"packages": 3, "repositories": 1, "not_mapped": 1, "health": {"unknown": 1},
                                 "maintenance": {"unknown": 1}, "name_reused": 0,
                                 "text": "3 packages → 1 repository: 0 archived, 0 deprecated, 0 inactive, "
                                         "0 name re-used, 1 not mapped"}
    page = api.get(f"/api/sources/{body['source_id']}/dependencies?page_size=2").json()
    assert len(page["results"]) == 2
    assert [row["repository"]["full_name"] for row in page["results"]] == ["babel/babel", "babel/babel"]
    assert [row["provenance"] for row in page["results"]] == ["declared", "declared"]
    last = api.get(page["next"]).json()
    assert [row["repository"] for row in last["results"]] == [None]
    assert last["next"] is None


def test_a_list_of_links_still_imports_as_a_list(api, fake_depsdev):
    body = upload(api, "repos.txt", b"https://github.com/psf/requests\n").json()
    assert body["format"] == "text"
    assert body["packages"] == 0
    assert body["resolver"] is None
    assert api.get(f"/api/sources/{body['source_id']}/dependencies").json()["results"] == []
    assert fake_depsdev.requests == []


def test_each_invalid_entry_is_reported_with_its_json_pointer(api, fake_depsdev):
    document = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
        {"type": "library", "name": "a", "version": "1", "purl": "pkg:npm/a@1"}, {"type": "library"}, 5]})
    body = upload(api, "bom.json", document.encode()).json()
    assert body["packages"] == 1
    assert [(item["line"], item["location"], item["reason"]) for item in body["invalid"]] == [
        (None, "/components/1", "no package name"), (None, "/components/2", "a component is an object")]
    assert {problem["location"] for problem in body["problems"]} == {"/components/1", "/components/2"}


@pytest.mark.parametrize(("name", "content", "named"), [
    ("bom.cdx.json", b'{"bomFormat": "CycloneDX", "components": [', "JSON"),
    ("bom.cdx.xml", b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                    b'<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>&lol2;</components></bom>', "entit"),
    ("package-lock.json", b"[" * 5000 + b"]" * 5000, "nested"),
])
def test_a_document_that_cannot_be_read_is_a_400_naming_the_problem(api, fake_depsdev, name, content, named):
    answer = upload(api, name, content)
    assert answer.status_code == 400, answer.content
    assert named.lower() in answer.json()["detail"].lower()
    assert fake_depsdev.requests == []


def test_an_unknown_format_is_a_400(api, fake_depsdev):
    answer = api.post("/api/repositories/import", {"text": "x", "format": "sbom-of-sorts", "scan": False},
                      format="json")
    assert answer.status_code == 400
    assert "format" in answer.content.decode()


def test_the_dependencies_of_no_source_is_a_404(api, db):
    assert api.get("/api/sources/999999/dependencies").status_code == 404


def test_runscan_file_imports_a_lockfile(app_env, fake_depsdev, tmp_path):
    from django.conf import settings

    fake_depsdev.add("pypi", "flask", {"3.0.0": ("github.com/pallets/flask", "PYPI_PUBLISH_ATTESTATION")})
    lockfile = tmp_path / "requirements.txt"
    lockfile.write_text("flask==3.0.0\nnot a requirement at all ==\n")
    env = {**app_env(), "DEPSDEV_API_URL": settings.DEPSDEV_API_URL}
    done = subprocess.run([sys.executable, "manage.py", "runscan", "--file", str(lockfile), "--import-only"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 package → 1 repository (0 not mapped)" in done.stdout
    assert "invalid, line 2:" in done.stdout
    assert Repository.objects.filter(full_name="pallets/flask").exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(api, fake_depsdev, settings):
    settings.IMPORT_MAX_BYTES = 1000
    for name in ("package-lock.json", "anything.json"):
        answer = upload(api, name, b'{"lockfileVersion": 3, "packages": {}, "pad": "' + b"x" * 2000 + b'"}')
        assert answer.status_code == 400, name
        assert answer.json()["reason"] == "too_large", name
