"""The catalog's kept counts (repositories/counts.py): every write path keeps them in its own
transaction, so that they always equal a count of the table. A hypothesis property runs random
sequences of the write paths (imports, scan batches, overrides, accepted names, labels,
deletions) and compares after each step; the helpers, `recount` and the migration that fills the
counts are tested beside it."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repositories import counts, history, services
from repositories.models import CatalogCount, Label, Repository
from scans.run.writer import Batch, write
from tests.counting import assert_counts_hold

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counts_hold")]
Health, Verdict, Override = Repository.Health, Repository.Maintenance, Repository.Override
Kind = CatalogCount.Kind
LANGUAGES = ["", "Python", "Go", "Rust"]
LABELS = ["awesome", "work"]


# --- the property -------------------------------------------------------------------------------
def _chosen(picks: list[int]) -> list[int]:
    """The repositories these picks name (indexes into the catalog as it is now, any size)."""
    ids = list(Repository.objects.order_by("id").values_list("id", flat=True))
    return sorted({ids[p % len(ids)] for p in picks}) if ids else []


def _import(names: list[int], label: str | None) -> None:
    services.repositories_import(source="\n".join(f"acme/r{n}" for n in names), label=label)


def _scan(picks: list[tuple[int, str, str, str, bool, bool]]) -> None:
    """A scan's batch, written as the scan writes it: checked repositories with a new health,
    verdict and language (a move too), failed checks with only their failure."""
    batch, seen = Batch(), set()
    for pick, health, verdict, language, failed, moved in picks:
        [pk] = _chosen([pick]) or [None]
        if pk is None or pk in seen:
            continue
        seen.add(pk)
        repo = Repository.objects.get(id=pk)
        if failed:
            repo.health = Health.ERROR if repo.last_checked_at is None else repo.health
            repo.last_check_error = "HTTP 502"
            batch.failed.append(repo)
            continue
        batch.before[pk] = history.capture(repo)
        repo.health, repo.maintenance, repo.language = health, verdict, language
        repo.last_checked_at = repo.last_checked_at or timezone.now()
        if moved:
            repo.full_name = f"moved/r{pk}"
        batch.checked.append(repo)
    write(uuid.uuid4(), batch)


def _override(picks: list[int], override: str | None) -> None:
    services.repositories_set_maintenance(ids=_chosen(picks), override=override, note="said so")


def _one_override(pick: int, override: str | None) -> None:
    for repository in Repository.objects.filter(id__in=_chosen([pick])):
        services.repository_set_maintenance(repository=repository, override=override)


def _accept(picks: list[int]) -> None:
    services.repositories_accept_names(ids=_chosen(picks))


def _label(picks: list[int], label: str, add: bool) -> None:
    services.repositories_label(ids=_chosen(picks), label=label, add=add)


def _delete(picks: list[int]) -> None:
    services.repositories_delete(ids=_chosen(picks))


def _delete_one(pick: int) -> None:
    for repository in Repository.objects.filter(id__in=_chosen([pick])):
        services.repository_delete(repository=repository)


PICKS = st.lists(st.integers(0, 40), max_size=6)
OVERRIDES = st.sampled_from([None, *Override.values])
STEPS = st.one_of(
    st.tuples(st.just(_import), st.lists(st.integers(0, 12), min_size=1, max_size=8),
              st.sampled_from([None, *LABELS])),
    st.tuples(st.just(_scan), st.lists(st.tuples(
        st.integers(0, 40), st.sampled_from(Health.values), st.sampled_from(Verdict.values),
        st.sampled_from(LANGUAGES), st.booleans(), st.booleans()), max_size=6)),
    st.tuples(st.just(_override), PICKS, OVERRIDES),
    st.tuples(st.just(_one_override), st.integers(0, 40), OVERRIDES),
    st.tuples(st.just(_accept), PICKS),
    st.tuples(st.just(_label), PICKS, st.sampled_from(LABELS), st.booleans()),
    st.tuples(st.just(_delete), PICKS),
    st.tuples(st.just(_delete_one), st.integers(0, 40)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(first=st.lists(st.integers(0, 12), min_size=1, max_size=8), steps=st.lists(STEPS, min_size=1, max_size=8))
def test_after_any_sequence_of_writes_the_kept_counts_are_a_count_of_the_table(first, steps):
    with transaction.atomic():  # each example starts from an empty catalog, then imports a list
        for step, *args in [(_import, first, LABELS[0]), *steps]:
            step(*args)
            assert_counts_hold()
        transaction.set_rollback(True)


# --- the helpers --------------------------------------------------------------------------------
def test_an_import_counts_what_it_inserted_and_the_links_it_made():
    services.repositories_import(source="acme/a\nacme/b", label="awesome")
    report = services.repositories_import(source="acme/b\nacme/c\nACME/A", label="awesome")

    assert report.created == 1
    awesome = Label.objects.get(name="awesome")
    assert counts.kept() == Counter({(Kind.HEALTH, Health.UNKNOWN): 3, (Kind.MAINTENANCE, Verdict.UNKNOWN): 3,
                                     (Kind.LANGUAGE, ""): 3, (Kind.LABEL, str(awesome.id)): 3})


def test_a_block_that_fails_changes_no_count():
    services.repositories_import(source="acme/a")
    pk = Repository.objects.get().pk
    before = counts.kept()

    def failing_write():
        with counts.tracked([pk]):
            Repository.objects.filter(id=pk).update(health=Health.HEALTHY)
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()

    assert counts.kept() == before
    assert Repository.objects.get().health == Health.UNKNOWN


def test_differences_add_up_and_a_value_that_did_not_change_writes_nothing(django_assert_num_queries):
    counts.apply(Counter({(Kind.LANGUAGE, "Go"): 2}))
    counts.apply(Counter({(Kind.LANGUAGE, "Go"): 3, (Kind.LANGUAGE, "C"): 1}))
    counts.apply(Counter({(Kind.LANGUAGE, "C"): -1}))
    with django_assert_num_queries(0):
        counts.apply(Counter({(Kind.LANGUAGE, "Go"): 0}))

    assert counts.kept() == Counter({(Kind.LANGUAGE, "Go"): 5})
    CatalogCount.objects.all().delete()  # not a catalog's: the check after the test would fail


@pytest.mark.django_db(transaction=True)
def test_writers_at_once_add_up():
    CatalogCount.objects.all().delete()
    threads, each = 4, 10

    def writer():
        try:
            for _ in range(each):
                with transaction.atomic():
                    counts.apply(Counter({(Kind.HEALTH, Health.HEALTHY): 1, (Kind.HEALTH, Health.UNKNOWN): -1}))
        finally:
            connection.close()

    started = [threading.Thread(target=writer) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()

    assert counts.kept() == Counter({(Kind.HEALTH, Health.HEALTHY): threads * each,
                                     (Kind.HEALTH, Health.UNKNOWN): -threads * each})
    CatalogCount.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_writers_changing_the_same_rows_at_once_keep_the_counts():
    services.repositories_import(source="\n".join(f"acme/r{i}" for i in range(20)))
    ids = list(Repository.objects.values_list("id", flat=True))
    healths = [Health.HEALTHY, Health.STALE, Health.ARCHIVED, Health.MOVED]

    def writer(health):
        try:
            for n in range(15):
                with counts.tracked(ids[n % 5:]):  # overlapping, in another order each time
                    Repository.objects.filter(id__in=ids[n % 5:]).update(health=health)
        finally:
            connection.close()

    started = [threading.Thread(target=writer, args=(health,)) for health in healths]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()

    assert_counts_hold()


def test_recount_rebuilds_the_counts_and_says_what_was_wrong():
    services.repositories_import(source="acme/a\nacme/b", label="awesome")
    Repository.objects.filter(full_name="acme/a").update(health=Health.HEALTHY, language="Go")  # behind their back

    wrong = counts.recount()

    assert wrong == {(Kind.HEALTH, Health.HEALTHY): (0, 1), (Kind.HEALTH, Health.UNKNOWN): (2, 1),
                     (Kind.LANGUAGE, ""): (2, 1), (Kind.LANGUAGE, "Go"): (0, 1)}
    assert counts.recount() == {}


def test_manage_py_recount_prints_what_it_corrected(capsys):
    services.repositories_import(source="acme/a")
    Repository.objects.update(language="Go")
    call_command("recount")
    assert capsys.readouterr().out.splitlines() == ["language (none): 1 kept, 0 counted",
                                                    "language Go: 0 kept, 1 counted", "Corrected 2 counts."]
    call_command("recount")
    assert capsys.readouterr().out == "The kept counts were right.\n"


# --- the admin --------------------------------------------------------------------------------
def _form(repository: Repository, **changes) -> dict:
    fields = {"imported_name": repository.imported_name, "full_name": repository.full_name, "health": repository.health,
              "maintenance": repository.maintenance, "language": repository.language, "stars": 0, "forks": 0,
              "open_issues": 0, "watchers": 0, "suspect_checks": 0, "topics": "[]", "previous_names": "[]",
              "maintenance_reasons": "[]", "signal_etags": "{}"}
    return {**fields, **changes}


def test_the_admin_keeps_the_counts_when_it_adds_changes_and_deletes(admin_client):
    services.repositories_import(source="acme/a\nacme/b", label="awesome")
    a, b = Repository.objects.order_by("full_name")
    awesome = Label.objects.get(name="awesome")

    changed = admin_client.post(f"/admin/repositories/repository/{a.pk}/change/",
                                _form(a, health=Health.HEALTHY, maintenance=Verdict.ACTIVE, language="Go", labels=[]))
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert_counts_hold()
    added = admin_client.post("/admin/repositories/repository/add/",
                              _form(Repository(imported_name="acme/c", full_name="acme/c"), language="C",
                                    labels=[awesome.pk]))
    assert added.status_code == 302
    assert_counts_hold()
    admin_client.post(f"/admin/repositories/repository/{b.pk}/delete/", {"post": "yes"})
    assert_counts_hold()
    admin_client.post("/admin/repositories/repository/", {"action": "delete_selected", "post": "yes",
                                                          "_selected_action": [a.pk]})
    assert_counts_hold()
    admin_client.post(f"/admin/repositories/label/{awesome.pk}/delete/", {"post": "yes"})

    assert list(Repository.objects.values_list("full_name", flat=True)) == ["acme/c"]
    assert not Label.objects.exists()


# --- the migration ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_repositories_already_there():
    before, after = [("repositories", "0011_signal_etags")], [("repositories", "0012_catalog_counts")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        label = old.get_model("repositories", "Label").objects.create(name="awesome")
        for i, (health, language) in enumerate([("healthy", "Go"), ("healthy", ""), ("archived", "Go")]):
            repository = old.get_model("repositories", "Repository").objects.create(
                imported_name=f"acme/r{i}", full_name=f"acme/r{i}", health=health, language=language)
            repository.labels.add(label)

        executor = MigrationExecutor(connection)
        executor.migrate(after)

        assert counts.kept() == counts.counted() == Counter({
            (Kind.HEALTH, "healthy"): 2, (Kind.HEALTH, "archived"): 1, (Kind.MAINTENANCE, "unknown"): 3,
            (Kind.LANGUAGE, "Go"): 2, (Kind.LANGUAGE, ""): 1, (Kind.LABEL, str(label.id)): 3})
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
