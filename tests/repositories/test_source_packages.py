"""The page of an SBOM or a lockfile (`/sources/{id}/`): every package with its repository, how that
is known and the repository's verdicts; the counts on top; the filters (the same as
`/api/sources/{id}/dependencies`'); pages; and the CSV and JSON downloads of the same rows."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from repositories.packages import CSV_FIELDS
from tests.repositories.packaging import Health, Maintenance, dependency_source, repository

pytestmark = pytest.mark.django_db
ARCHIVED = [{"signal": "archived", "value": True, "text": "archived on GitHub"}]
QUIET_SINCE = [{"signal": "last_commit_at", "value": "2022-01-01", "text": "no commit on main since 2022-01-01"}]
ROW_NAME = re.compile(r'data-label="Package"><strong>([^<]+)</strong>')
EVERY = {"left-pad", "@babel/core", "@babel/parser", "requests", "golang.org/x/text", "nothing-known", "django"}


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def document():
    """7 packages → 5 repositories: left-pad's is archived (so deprecated), requests' inactive,
    golang/text's name re-used, babel/babel behind two packages; one package maps to none."""
    source = dependency_source(
        ("npm", "left-pad", "1.3.0", "stevemao/left-pad", "resolver:UNVERIFIED_METADATA"),
        ("npm", "@babel/core", "7.24.0", "babel/babel", "declared"),
        ("npm", "@babel/parser", "7.24.0", "babel/babel", "declared"),
        ("pypi", "requests", "2.32.3", "psf/requests", "resolver:PYPI_PUBLISH_ATTESTATION"),
        ("golang", "golang.org/x/text", "v0.14.0", "golang/text", "module_path"),
        ("pypi", "nothing-known", "0.1.0", None, ""),
        ("pypi", "django", None, "django/django", "resolver:PYPI_PUBLISH_ATTESTATION"),
    )
    repository("stevemao/left-pad", health=Health.ARCHIVED, archived=True, maintenance=Maintenance.DEPRECATED,
               maintenance_reasons=ARCHIVED)
    repository("psf/requests", health=Health.STALE, maintenance=Maintenance.INACTIVE, maintenance_reasons=QUIET_SINCE)
    repository("golang/text", name_reused=True, health_detail="golang/text now answers for another repository")
    return source


def names_on(page: str) -> set[str]:
    return set(ROW_NAME.findall(page))


def test_the_page_shows_every_package_with_its_repository_provenance_and_verdicts(logged_in, document):
    answer = logged_in.get(f"/sources/{document.id}/")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert names_on(page) == EVERY
    left_pad = repository("stevemao/left-pad")
    assert f'<a class="name__link" href="/repositories/{left_pad.id}/">stevemao/left-pad</a>' in page
    assert re.search(r'<span class="badge badge--stale" title="[^"]*how repo-jacking starts">unverified</span>', page)
    assert '<span class="tag" title="the document itself names the repository">declared</span>' in page
    assert ">deps.dev: pypi publish attestation</span>" in page
    assert ">module path</span>" in page
    assert "<li class=\"small\">archived on GitHub</li>" in page
    assert "<li class=\"small\">no commit on main since 2022-01-01</li>" in page
    assert '<span class="badge badge--reused"' in page
    assert "not mapped: no repository known" in page
    assert '<span class="tag" title="the document pins no version">not pinned</span>' in page
    assert "pkg:npm/%40babel/core@7.24.0" in page
    assert "style=" not in page.split("<main", 1)[-1]


def test_the_counts_on_top_are_the_api_summary_s_and_each_lists_its_packages(logged_in, api, document):
    line = "7 packages → 5 repositories: 1 archived, 1 deprecated, 1 inactive, 1 name re-used, 1 not mapped"
    page = logged_in.get(f"/sources/{document.id}/").content.decode()
    assert f'<p class="lead">{line}</p>' in page
    summary = api.get(f"/api/sources/{document.id}").json()["summary"]
    assert summary["text"] == line
    assert summary["name_reused"] == 1
    assert summary["repositories"] == 5
    for query, names in (("health=archived", {"left-pad"}), ("maintenance=inactive", {"requests"}),
                         ("name_reused=yes", {"golang.org/x/text"}), ("mapped=no", {"nothing-known"})):
        assert f'href="?{query}"' in page
        assert names_on(logged_in.get(f"/sources/{document.id}/?{query}").content.decode()) == names, query


def test_dead_repositories_join_the_counts_line_only_when_there_are_some(logged_in, document):
    repository("psf/requests", health=Health.NOT_FOUND)
    page = logged_in.get(f"/sources/{document.id}/").content.decode()
    assert "1 inactive, 1 not found, 1 name re-used" in page
    assert "blocked" not in page.split('<p class="lead">', 1)[1].split("</p>", 1)[0]


def test_a_monorepo_counts_once_and_lists_each_of_its_packages(logged_in, api, document):
    page = logged_in.get(f"/sources/{document.id}/?ecosystem=npm&provenance=declared").content.decode()
    assert names_on(page) == {"@babel/core", "@babel/parser"}
    assert page.count("behind 2 packages: @babel/core@7.24.0, @babel/parser@7.24.0") == 2
    # Even when a filter shows only one of them, the row names them all.
    page = logged_in.get(f"/sources/{document.id}/?ecosystem=npm&provenance=declared&page=1").content.decode()
    assert "behind 2 packages" in page
    assert api.get(f"/api/sources/{document.id}").json()["summary"]["health"] == {"healthy": 3, "archived": 1,
                                                                                    "stale": 1}


FILTERED = [
    ("ecosystem=pypi", {"requests", "nothing-known", "django"}),
    ("ecosystem=npm,golang", {"left-pad", "@babel/core", "@babel/parser", "golang.org/x/text"}),
    ("provenance=unverified", {"left-pad"}),
    ("provenance=declared,module_path", {"@babel/core", "@babel/parser", "golang.org/x/text"}),
    ("provenance=verified", {"requests", "django"}),
    ("provenance=resolver", {"left-pad", "requests", "django"}),
    ("provenance=none", {"nothing-known"}),
    ("health=archived,stale", {"left-pad", "requests"}),
    ("maintenance=deprecated", {"left-pad"}),
    ("mapped=no", {"nothing-known"}),
    ("mapped=yes", EVERY - {"nothing-known"}),
    ("name_reused=yes", {"golang.org/x/text"}),
    ("name_reused=no", EVERY - {"golang.org/x/text", "nothing-known"}),
    ("ecosystem=npm&maintenance=active", {"@babel/core", "@babel/parser"}),
    ("ecosystem=&health=", EVERY),
]


@pytest.mark.parametrize(("query", "names"), FILTERED)
def test_each_filter_narrows_the_page_the_api_and_the_downloads_alike(logged_in, api, document, query, names):
    page = logged_in.get(f"/sources/{document.id}/?{query}")
    assert page.status_code == 200
    assert names_on(page.content.decode()) == names
    rows = api.get(f"/api/sources/{document.id}/dependencies?{query}").json()["results"]
    assert {row["name"] for row in rows} == names
    exported = json.loads(b"".join(logged_in.get(f"/sources/{document.id}/?{query}&download=json")))
    assert exported == rows, "the JSON download is the API's rows"
    lines = list(csv.reader(io.StringIO(b"".join(logged_in.get(f"/sources/{document.id}/?{query}&download=csv"))
                                        .decode())))
    assert {name.lstrip("'") for _, name, *_ in lines[1:]} == names


BAD = [
    ("ecosystem=cargo", "ecosystem: 'cargo' is not one of golang, npm, pypi."),
    ("provenance=guessed", "provenance: 'guessed' is not one of declared, module_path, resolver, verified, "
                           "unverified, none."),
    ("health=dying", "health: 'dying' is not one of"),
    ("maintenance=healthy,abandoned", "maintenance: 'healthy' is not one of"),
    ("mapped=maybe", "mapped: 'maybe' is not one of true, yes, 1, false, no, 0."),
    ("name_reused=perhaps", "name_reused: 'perhaps' is not one of"),
]


@pytest.mark.parametrize(("query", "said"), BAD)
def test_a_value_a_filter_cannot_take_is_a_400_naming_it(logged_in, api, document, query, said):
    page = logged_in.get(f"/sources/{document.id}/?{query}")
    assert page.status_code == 400
    assert '<div class="alert alert--error" role="alert"><p>' + said.replace("'", "&#x27;") in page.content.decode()
    assert names_on(page.content.decode()) == set()
    answer = api.get(f"/api/sources/{document.id}/dependencies?{query}")
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(said)
    assert logged_in.get(f"/sources/{document.id}/?{query}&download=csv").status_code == 400, "no file of a bad filter"


def test_an_unknown_download_is_a_400_naming_it(logged_in, document):
    page = logged_in.get(f"/sources/{document.id}/?download=xml")
    assert page.status_code == 400
    assert "download: &#x27;xml&#x27; is not one of csv, json." in page.content.decode()


def test_the_downloads_are_named_after_the_document_and_neutralise_formulas(logged_in, document):
    answer = logged_in.get(f"/sources/{document.id}/?download=csv&ecosystem=npm")
    assert answer["Content-Disposition"] == 'attachment; filename="package-lock.json.packages.csv"'
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["X-Total-Count"] == "3", "the npm packages, said before the first row"
    lines = list(csv.reader(io.StringIO(b"".join(answer).decode())))
    assert lines[0] == list(CSV_FIELDS)
    assert lines[1] == ["npm", "left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0", "stevemao/left-pad",
                        str(repository("stevemao/left-pad").id), "archived", "deprecated", "archived on GitHub",
                        "False", "resolver:UNVERIFIED_METADATA", ""]
    assert lines[2][1] == "'@babel/core", "a cell a spreadsheet would run is quoted"
    answer = logged_in.get(f"/sources/{document.id}/?download=json")
    assert answer["Content-Disposition"] == 'attachment; filename="package-lock.json.packages.json"'
    assert len(json.loads(b"".join(answer))) == 7 == int(answer["X-Total-Count"]), "all of them, not a page"


def test_the_api_row_carries_the_verdict_s_reasons_and_a_re_used_name(api, document):
    rows = api.get(f"/api/sources/{document.id}/dependencies?ecosystem=npm&page_size=1").json()["results"]
    assert rows == [{"ecosystem": "npm", "name": "left-pad", "version": "1.3.0", "purl": "pkg:npm/left-pad@1.3.0",
                     "repository": {"id": repository("stevemao/left-pad").id, "full_name": "stevemao/left-pad",
                                    "health": "archived", "maintenance": "deprecated",
                                    "maintenance_reasons": ARCHIVED, "name_reused": False},
                     "provenance": "resolver:UNVERIFIED_METADATA", "reason": None}]


@pytest.fixture
def long_document():
    return dependency_source(*(("npm", f"p{i:03}", "1.0.0", None, "") for i in range(120)))


def test_the_packages_come_fifty_a_page_keeping_the_filters(logged_in, long_document):
    page = logged_in.get(f"/sources/{long_document.id}/?mapped=no&page=2").content.decode()
    assert names_on(page) == {f"p{i:03}" for i in range(50, 100)}
    assert "Page 2 of 3" in page
    assert 'href="?mapped=no&amp;page=1" rel="prev"' in page
    assert 'href="?mapped=no&amp;page=3" rel="next"' in page
    assert 'href="?mapped=no&amp;download=csv"' in page
    assert "120 packages match" in page
    assert names_on(logged_in.get(f"/sources/{long_document.id}/?page=99").content.decode()) == {
        f"p{i:03}" for i in range(100, 120)}, "past the last page: the last page"
    assert logged_in.get(f"/sources/{long_document.id}/?page=x").status_code == 200


def test_the_list_of_sources_counts_a_document_s_packages(logged_in, document):
    page = logged_in.get("/sources/").content.decode()
    assert f'href="/sources/{document.id}/"' in page
    assert '<td class="num" data-label="Packages">7</td>' in page


def test_a_document_of_no_package_says_so(logged_in):
    empty = dependency_source()
    page = logged_in.get(f"/sources/{empty.id}/").content.decode()
    assert "This document names no package." in page
    assert "0 packages → 0 repositories" in page


def test_the_page_needs_a_login(client, document):
    assert client.get(f"/sources/{document.id}/").status_code == 302
