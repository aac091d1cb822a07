"""What a scan covered and where it was started, as the scans list shows them: `selection.describe`
puts a selection in a few words, and every way to start a scan records its trigger."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from repositories.models import Repository
from scans.models import ScanJob
from scans.selection import describe

pytestmark = pytest.mark.django_db
Trigger = ScanJob.Trigger


@pytest.mark.parametrize(("selection", "words"), [
    ({"all": True}, "all repositories"),
    ({"repository_ids": [3, 1, 3, 2] * 3 + list(range(10, 19))}, "12 selected"),
    ({"label": ["demo"]}, "label demo"),
    ({"health": ["not_found", "error"], "archived": False}, "health not found, error · not archived"),
    ({"health": "moved", "archived": "yes", "search": "cli", "unchecked_hours": 24},
     'matching "cli" · health moved · archived · not checked in 24 h'),
    ({"stale_hours": 24}, "not checked in 24 h"),  # the filter's former name
    ({"repository_ids": [1, 2], "language": ["Go", "Rust"]}, "2 selected · language Go,Rust"),
])
def test_a_selection_reads_as_a_few_words(selection, words):
    assert describe(selection) == words


def test_the_api_records_its_trigger_and_what_it_asked_for(api):
    Repository.objects.create(full_name="acme/a", imported_name="acme/a", language="Go")

    started = api.post("/api/bulk/health-check", {"language": ["Go"]}, format="json")
    imported = api.post("/api/repositories/import", {"text": "acme/b", "label": "mine"}, format="json")

    scan = ScanJob.objects.get(id=started.json()["job_id"])
    assert (scan.trigger, scan.scope) == (Trigger.API, "language Go")
    scan = ScanJob.objects.get(id=imported.json()["job_id"])
    assert (scan.trigger, scan.scope) == (Trigger.API, "import of a pasted list as mine")


def test_runscan_records_its_trigger_and_selection(fake_github, transactional_db):
    Repository.objects.create(full_name="acme/a", imported_name="acme/a")

    call_command("runscan", "--all", "--json")  # the scan runs in this process; it completes

    scan = ScanJob.objects.get()
    assert (scan.trigger, scan.scope) == (Trigger.RUNSCAN, "all repositories")
