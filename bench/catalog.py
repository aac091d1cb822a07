"""The catalog every row shares: fakegithub's generated mix of repositories, and our database copy.

The fake GitHub serves `generate_catalog(...)` with its `flaky` repositories made reliable:
random 502s would make runs differ and punish the retrying scanner against a baseline that
does not retry; fault handling is the test suite's business, not the bench's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SEED = 8


@dataclass(frozen=True)
class Catalog:
    names: list[str]   # what a user imports, file order (moved ones under their old name)
    path: Path         # the fake GitHub's catalog file

    def import_file(self, lines: int | None = None) -> bytes:
        return ("\n".join(self.names[:lines]) + "\n").encode()


def generate(count: int, folder: Path) -> Catalog:
    from fakegithub import generate_catalog

    generated = generate_catalog(count=count, seed=SEED)
    repositories = [{**repo, "flaky": 0.0} for repo in generated["repositories"]]
    path = folder / "catalog.json"
    path.write_text(json.dumps({"repositories": repositories}))
    return Catalog(names=generated["import_names"], path=path)


# --- the database side (Django must be set up) ---------------------------------------------------
def seed(catalog: Catalog) -> None:
    """Make sure every catalog name is tracked (row 5 does this as its measurement when it runs)."""
    from repositories.models import Repository
    from repositories.services import repositories_import

    if Repository.objects.count() < len(catalog.names):
        repositories_import(source=catalog.import_file(), filename="bench-catalog.txt")


def first_ids(count: int) -> list[int]:
    from repositories.models import Repository

    ids = list(Repository.objects.order_by("id").values_list("id", flat=True)[:count])
    if len(ids) < count:
        raise RuntimeError(f"the catalog holds {len(ids)} repositories, {count} are needed")
    return ids


def reset(*, full_metadata_due: bool = True) -> None:
    """Every repository back to its just-imported state (no ETag, original name), results gone,
    so that each scan sees the same catalog whatever ran before it. `full_metadata_due=False`:
    as if the full metadata (with the maintenance signals) had just been fetched, so a scan asks
    only what it asks on every scan."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from repositories import counts
    from repositories.models import Repository
    from scans.models import ScanResult

    with transaction.atomic():
        ScanResult.objects.all().delete()
        Repository.objects.filter(last_checked_at__isnull=False).update(
            full_name=F("imported_name"), etag="", previous_names=[], health=Repository.Health.UNKNOWN,
            health_detail="", last_checked_at=None, github_id=None,
        )
        Repository.objects.update(metadata_fetched_at=None if full_metadata_due else timezone.now())
        counts.recount()  # the healths it set back, for the catalog page (bench rows read it)


def bench_user() -> tuple[object, str]:
    """The user that starts and polls scans, and its DRF token key."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"email": "bench@localhost"})
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key
