"""The import page's preview: a list is read and shown (to be created, already tracked, skipped,
invalid, what a scan of it takes) with nothing saved; then imported with a scan or without."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from repositories.models import Label, Repository
from scans.models import ScanJob
from tests.counting import recounted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow

AWESOME = """# Awesome things

- [tool](https://github.com/acme/tool) - a tool.
- [known](https://github.com/acme/known)
- [topic](https://github.com/topics/go)
- [gone](https://github.com/mindflayer--/python-mocket)
"""


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def preview(client, text=AWESOME, label="awesome"):
    return client.post(reverse("catalog:import"), {"text": text, "label": label})


def test_the_preview_shows_what_would_happen_and_saves_nothing(logged_in):
    Repository.objects.create(full_name="acme/known", imported_name="acme/known")
    recounted()

    response = preview(logged_in)

    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing is saved yet" in html
    report = response.context["report"]
    assert (report.created, report.existing, report.skipped, len(report.invalid)) == (1, 1, 1, 1)
    assert "acme/tool" in html
    assert "acme/known" in html
    assert "https://github.com/topics/go" in html
    assert "a GitHub page, not a repository (topics)" in html
    assert "mindflayer--" in html
    assert "Import and scan 2" in html
    assert "Import only" in html
    assert "rate-limit points" in html
    assert Repository.objects.count() == 1
    assert not Label.objects.exists()
    assert not ScanJob.objects.exists()


def test_import_and_scan_imports_the_previewed_list_and_starts_a_scan(logged_in, owner):
    token = preview(logged_in).context["token"]

    response = logged_in.post(reverse("catalog:import_confirm"), {"token": token, "then": "scan"})

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:import")
    scan = ScanJob.objects.get()
    assert (scan.total, scan.trigger, scan.scope) == (2, ScanJob.Trigger.PAGE, "import of a pasted list as awesome")
    page = logged_in.get(reverse("catalog:import"))
    assert page.context["report"]["skipped_entries"][0]["text"] == "https://github.com/topics/go"
    assert "Skipped links" in page.content.decode()
    again = logged_in.post(reverse("catalog:import_confirm"), {"token": token, "then": "scan"})
    assert again.status_code == 302, "a preview imports once"
    assert ScanJob.objects.count() == 1, "a preview imports once"


def test_import_only_imports_without_a_scan(logged_in):
    token = preview(logged_in).context["token"]

    logged_in.post(reverse("catalog:import_confirm"), {"token": token, "then": "import"})

    assert set(Repository.objects.values_list("full_name", flat=True)) == {"acme/tool", "acme/known"}
    assert not ScanJob.objects.exists()
    assert "no scan was started" in logged_in.get(reverse("catalog:import")).content.decode()


def test_another_users_or_an_expired_preview_imports_nothing(logged_in, other_user):
    token = preview(logged_in).context["token"]
    stranger = Client()
    stranger.force_login(other_user)

    stranger.post(reverse("catalog:import_confirm"), {"token": token, "then": "scan"})
    assert not Repository.objects.exists()

    cache.clear()
    logged_in.post(reverse("catalog:import_confirm"), {"token": token, "then": "scan"})
    assert not Repository.objects.exists()
    assert "That preview has expired" in logged_in.get(reverse("catalog:import")).content.decode()


def test_the_page_describes_the_formats_it_takes(logged_in):
    html = logged_in.get(reverse("catalog:import")).content.decode()
    for words in ("Text", "Markdown", "CSV, TSV", "JSON", "<code>full_name</code>", "<code>items</code>",
                  "200,000 entries", "Preview", "CycloneDX JSON", "package-lock.json", "go.mod"):
        assert words in html


def test_a_lockfile_is_previewed_then_imported_with_its_packages_mapped(logged_in, fake_depsdev):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from repositories.models import SourcePackage

    fake_depsdev.add("npm", "left-pad", {"1.3.0": ("github.com/stevemao/left-pad", "UNVERIFIED_METADATA")})
    lock = (b'{"name": "app", "lockfileVersion": 3, "packages": {"": {"name": "app"}, '
            b'"node_modules/left-pad": {"version": "1.3.0"}, "node_modules/unknown-pkg": {"version": "2.0.0"}, '
            b'"node_modules/broken": "not an object"}}')
    response = logged_in.post(reverse("catalog:import"), {"file": SimpleUploadedFile("package-lock.json", lock)})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["report"].packages == 2
    assert "/packages/node_modules~1broken" in html
    assert fake_depsdev.requests == []

    response = logged_in.post(reverse("catalog:import_confirm"), {"token": response.context["token"], "then": "import"})
    assert response.status_code == 302
    rows = SourcePackage.objects.order_by("name")
    assert [(p.name, p.repository and p.repository.full_name, p.provenance) for p in rows] == [
        ("left-pad", "stevemao/left-pad", "resolver:UNVERIFIED_METADATA"), ("unknown-pkg", None, "")]
    assert "2 packages → 1 repository (1 not mapped)" in logged_in.get(reverse("catalog:import")).content.decode()
