"""The import service: the catalog grows, labels stick, nothing good is lost, nothing is
saved from a refused file. (Import then scan: tests/scans/test_import_and_scan.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from repositories import services
from repositories.importers import ImportRefused
from repositories.models import Label, Repository
from repositories.services import repositories_import
from tests.counting import recounted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]  # the kept counts follow
DATA = Path(__file__).resolve().parent.parent / "data"


def test_an_awesome_list_import_reports_every_count():
    report = repositories_import(source=(DATA / "awesome-list.md").read_bytes(), label="awesome-python",
                                 filename="awesome-list.md")

    assert report.format == "markdown"
    assert (report.created, report.existing, report.duplicates, report.skipped) == (37, 0, 6, 20)
    assert [i["line"] for i in report.invalid] == [39]
    assert Repository.objects.count() == 37 == len(report.repository_ids)
    assert Label.objects.get(name="awesome-python").repositories.count() == 37


def test_a_second_import_merges_with_the_catalog_case_insensitively():
    Repository.objects.create(imported_name="PSF/Requests", full_name="PSF/Requests")
    Repository.objects.create(imported_name="old/name", full_name="new/name")  # moved, not yet accepted
    recounted()

    report = repositories_import(source="psf/requests\nold/name\nnew/name\nbrand/new\n")

    assert (report.created, report.existing) == (1, 3)
    assert Repository.objects.count() == 3


def test_new_and_tracked_repositories_are_labelled_and_listed_in_file_order():
    tracked = Repository.objects.create(imported_name="b/tracked", full_name="b/tracked")
    recounted()
    report = repositories_import(source="z/new\nB/Tracked\na/new\n", label="mixed")
    ids = dict(Repository.objects.values_list("full_name", "id"))
    assert report.repository_ids == [ids["z/new"], tracked.id, ids["a/new"]]
    assert (report.created, report.existing) == (2, 1)
    assert set(Label.objects.get(name="mixed").repositories.values_list("id", flat=True)) == set(ids.values())


def test_a_name_imported_by_two_moved_repositories_finds_the_first_in_the_catalogs_order():
    Repository.objects.create(imported_name="old/name", full_name="zeta/name")
    first = Repository.objects.create(imported_name="Old/Name", full_name="alpha/name")
    recounted()
    report = repositories_import(source="old/name\n")
    assert (report.created, report.existing, report.repository_ids) == (0, 1, [first.id])


def test_a_name_another_import_added_meanwhile_is_tracked_not_created(monkeypatch):
    meanwhile = Repository.objects.create(imported_name="a/raced", full_name="a/raced")
    recounted()
    looked_up = services._ids_by_name
    calls = []

    def before_the_other_import_committed(names):
        calls.append(names)
        return {} if len(calls) == 1 else looked_up(names)  # the first lookup saw no a/raced yet

    monkeypatch.setattr(services, "_ids_by_name", before_the_other_import_committed)
    report = repositories_import(source="a/raced\nb/new\n", label="raced")
    assert (report.created, report.existing) == (1, 1)
    assert report.repository_ids[0] == meanwhile.id
    assert Label.objects.get(name="raced").repositories.count() == 2
    assert Repository.objects.count() == 2


def test_labels_accumulate_on_a_repository():
    repositories_import(source="a/one\nb/two\n", label="first")
    repositories_import(source="a/one\n", label="second")

    labels = set(Repository.objects.get(full_name="a/one").labels.values_list("name", flat=True))
    assert labels == {"first", "second"}


def test_bad_lines_are_reported_and_the_good_ones_kept():
    report = repositories_import(source="good/one\ngitlab.com/a/b\n???\ngood/two\n")

    assert report.created == 2
    assert [(i["line"], i["text"]) for i in report.invalid] == [(2, "gitlab.com/a/b"), (3, "???")]
    assert all(i["reason"] for i in report.invalid)


@pytest.mark.parametrize(("setting", "value", "source", "reason", "words"), [
    ("IMPORT_MAX_BYTES", 100, b"a/b\n" * 40, "too_large", "MB"),
    ("IMPORT_MAX_ENTRIES", 3, b"a/b\nc/d\ne/f\ng/h\n", "too_many_entries", "3"),
    ("IMPORT_MAX_ENTRIES", 200_000, b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4, "binary", "binary"),
])
def test_a_refused_file_saves_nothing_and_says_which_limit(settings, setting, value, source, reason, words):
    setattr(settings, setting, value)
    with pytest.raises(ImportRefused) as refused:
        repositories_import(source=source, label="x")
    assert refused.value.reason == reason
    assert words in str(refused.value)
    assert not Repository.objects.exists()
    assert not Label.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_supported_encoding_and_line_end_imports_the_same(encoding, newline):
    text = newline.join(["# list", "psf/requests", "https://github.com/django/django", "gitlab.com/x/y", ""])
    report = repositories_import(source=text.encode(encoding))

    assert report.created == 2
    assert [i["line"] for i in report.invalid] == [4]


def test_a_label_longer_than_100_characters_is_refused():
    with pytest.raises(ImportRefused, match="label"):
        repositories_import(source="a/b\n", label="x" * 101)
    assert not Repository.objects.exists()


def test_a_large_import_uses_bulk_queries(django_assert_max_num_queries):
    source = "\n".join(f"owner{i}/repo{i}" for i in range(5000))
    with django_assert_max_num_queries(40):
        report = repositories_import(source=source, label="big")
    assert report.created == 5000
    assert len(report.repository_ids) == 5000
