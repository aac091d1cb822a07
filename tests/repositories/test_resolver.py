"""From a package to its repository (repositories/resolver.py, repositories/depsdev.py) over
HTTP against the fake deps.dev: provenance, the request bound, the cache, retries, the deadline
and an unreachable deps.dev."""

from __future__ import annotations

import json

import pytest

from repositories.dependencies import Package
from repositories.models import ResolverAnswer, SourcePackage
from repositories.resolver import UNREACHABLE, resolve
from repositories.services import repositories_import

pytestmark = pytest.mark.django_db


def sbom(*components: dict) -> str:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": list(components)})


def component(name: str, version: str, purl: str, **extra) -> dict:
    return {"type": "library", "name": name, "version": version, "purl": purl, **extra}


DOCUMENT = sbom(
    component("requests", "2.32.3", "pkg:pypi/requests@2.32.3",
              externalReferences=[{"type": "vcs", "url": "https://github.com/psf/requests"}]),
    component("colors", "1.6.0", "pkg:npm/%40colors/colors@1.6.0"),
    component("left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0"),
    component("nothing-known", "0.1.0", "pkg:npm/nothing-known@0.1.0"),
    component("serde", "1.0.210", "pkg:cargo/serde@1.0.210"),
)


@pytest.fixture
def packages(fake_depsdev):
    fake_depsdev.add("npm", "@colors/colors", {"1.6.0": ("github.com/DABH/colors.js", "SLSA_ATTESTATION")})
    fake_depsdev.add("npm", "left-pad", {"1.3.0": ("github.com/stevemao/left-pad", "UNVERIFIED_METADATA")})
    fake_depsdev.add("cargo", "serde", {"1.0.210": [
        {"projectKey": {"id": "gitlab.com/x/serde"}, "relationProvenance": "UNVERIFIED_METADATA",
         "relationType": "SOURCE_REPO"},
        {"projectKey": {"id": "github.com/serde-rs/serde"}, "relationProvenance": "UNVERIFIED_METADATA",
         "relationType": "SOURCE_REPO"},
        {"projectKey": {"id": "github.com/serde-rs/serde"}, "relationProvenance": "CRATES_IO_PUBLISH_ATTESTATION",
         "relationType": "SOURCE_REPO"}]})
    fake_depsdev.add("pypi", "django", {"5.1.0": ("github.com/django/django", "PYPI_PUBLISH_ATTESTATION"),
                                        "5.2.1": ("github.com/django/django", "PYPI_PUBLISH_ATTESTATION")},
                     default="5.2.1")
    return fake_depsdev


def mapped(source_id: int) -> dict[str, tuple]:
    return {p.name: (p.repository.full_name if p.repository else None, p.provenance, p.reason)
            for p in SourcePackage.objects.filter(source_id=source_id).select_related("repository")}


def test_each_package_maps_with_how_it_is_known(packages):
    report = repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    assert report.format == "cyclonedx-json"
    assert report.packages == 5
    assert report.unmapped == 1
    assert mapped(report.source_id) == {
        "requests": ("psf/requests", "declared", ""),
        "colors": ("DABH/colors.js", "resolver:SLSA_ATTESTATION", ""),
        "left-pad": ("stevemao/left-pad", "resolver:UNVERIFIED_METADATA", ""),  # kept, and said so
        "nothing-known": (None, "", "no repository known"),  # a 404
        "serde": ("serde-rs/serde", "resolver:CRATES_IO_PUBLISH_ATTESTATION", ""),  # verified first
    }
    assert report.created == 4
    assert report.resolver == {"requests": 4, "cached": 0, "unreachable": 0}


def test_names_are_percent_encoded_whole(packages):
    repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    assert "/v3/systems/NPM/packages/%40colors%2Fcolors/versions/1.6.0" in packages.requests


def test_an_unpinned_package_asks_its_default_version_first_two_requests_at_most(packages):
    report = repositories_import(source="Django>=5.1,<6\nDjango>=5.0\nrequests==2.32.3\n", filename="requirements.txt")
    assert sorted(packages.requests) == ["/v3/systems/PYPI/packages/django",
                                         "/v3/systems/PYPI/packages/django/versions/5.2.1",
                                         "/v3/systems/PYPI/packages/requests/versions/2.32.3"]
    assert report.resolver["requests"] <= 2 * 2
    assert mapped(report.source_id)["Django"] == ("django/django", "resolver:PYPI_PUBLISH_ATTESTATION", "")


def test_a_second_import_asks_nothing_the_answers_are_kept_in_the_database(packages):
    first = repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    asked = len(packages.requests)
    second = repositories_import(source=DOCUMENT, filename="bom.cdx.json", label="again")
    assert len(packages.requests) == asked
    assert second.resolver == {"requests": 0, "cached": 4, "unreachable": 0}
    assert mapped(second.source_id) == mapped(first.source_id)
    assert ResolverAnswer.objects.filter(system="NPM", name="nothing-known", repository="").exists()


def test_kept_answers_expire_after_the_cache_hours(packages, settings):
    repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    settings.DEPSDEV_CACHE_HOURS = 0
    report = repositories_import(source=DOCUMENT, filename="bom.cdx.json", label="again")
    assert report.resolver["requests"] == 4
    assert report.resolver["cached"] == 0


def test_server_errors_are_retried(packages):
    packages.configure(fail_first=2)
    report = repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    assert report.unmapped == 1
    assert report.resolver["requests"] == 6


def test_what_is_not_answered_in_time_is_unmapped_then_mapped_on_the_next_import(packages, settings):
    settings.DEPSDEV_TIMEOUT_SECONDS = 1
    packages.configure(latency_ms=5000)
    report = repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    rows = mapped(report.source_id)
    assert rows["requests"] == ("psf/requests", "declared", "")
    assert rows["colors"] == (None, "", UNREACHABLE)
    assert report.resolver["unreachable"] == 4
    packages.configure(latency_ms=0)
    again = repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    assert again.source_id == report.source_id  # the same document: its packages take the new mappings
    assert mapped(again.source_id)["colors"] == ("DABH/colors.js", "resolver:SLSA_ATTESTATION", "")


def test_an_unreachable_resolver_never_fails_an_import(settings, db):
    settings.DEPSDEV_API_URL = "http://127.0.0.1:9"  # nothing listens there
    report = repositories_import(source=DOCUMENT, filename="bom.cdx.json")
    assert report.packages == 5
    assert report.unmapped == 4
    assert report.resolver["unreachable"] == 4
    assert {reason for _, _, reason in mapped(report.source_id).values()} == {"", UNREACHABLE}
    assert report.resolver["requests"] <= 3 + 8 * 3  # down after one package's retries


def test_an_ecosystem_deps_dev_does_not_cover_is_not_asked(fake_depsdev):
    resolution = resolve([Package("composer", "laravel/framework", "11.0.0", "pkg:composer/laravel/framework@11.0.0")])
    assert resolution.requests == 0
    assert fake_depsdev.requests == []
    assert resolution.mappings[0].reason.startswith("no repository known")


def test_answers_of_another_shape_map_to_nothing_and_never_fail_the_import(fake_depsdev):
    fake_depsdev.add("npm", "odd", {"1.0.0": [{"projectKey": "github.com/a/b", "relationType": "SOURCE_REPO"},
                                              {"relationType": "SOURCE_REPO"}]})
    resolution = resolve([Package("npm", "odd", "1.0.0", "pkg:npm/odd@1.0.0")])
    assert resolution.mappings[0].repository is None
    assert resolution.mappings[0].reason == "no repository known"


def test_a_maintenance_pass_maps_what_deps_dev_did_not_answer_at_the_import(fake_depsdev, settings):
    from repositories.services import packages_remap_unreachable

    settings.DEPSDEV_API_URL = "http://127.0.0.1:9"
    report = repositories_import(source=DOCUMENT, filename="bom.cdx.json", label="platform")
    assert mapped(report.source_id)["colors"] == (None, "", UNREACHABLE)
    settings.DEPSDEV_API_URL = fake_depsdev.url
    fake_depsdev.add("npm", "@colors/colors", {"1.6.0": ("github.com/DABH/colors.js", "SLSA_ATTESTATION")})

    assert packages_remap_unreachable() == {"asked": 4, "mapped": 1, "requests": 4}
    rows = mapped(report.source_id)
    assert rows["colors"] == ("DABH/colors.js", "resolver:SLSA_ATTESTATION", "")
    assert rows["left-pad"] == (None, "", "no repository known")  # answered now: deps.dev knows none here
    assert list(SourcePackage.objects.get(name="colors").repository.labels.values_list("name", flat=True)) == [
        "platform"]
    assert packages_remap_unreachable() == {"asked": 0, "mapped": 0}
