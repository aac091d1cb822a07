"""The health vocabulary: every outcome a check can have, defined once, and the rule that gives a
repository its health from what the catalog knows of it.

`OUTCOMES` is the one table of outcomes. The scan counters (model fields and progress payload
keys), the serializers, the progress panel, the health cards and donut, the outcome bar and
`runscan`'s summary are all derived from it. How a GitHub answer becomes facts stays with the
scanner (`scans.run.apply`).
"""

from __future__ import annotations

from dataclasses import dataclass

from repositories.models import Repository

Health = Repository.Health


@dataclass(frozen=True)
class Outcome:
    health: Health
    counter: str | None  # its count in a scan's progress payload; None: a scan never ends in it
    css: str  # the colour class, `badge--<health>` (static/css/app.css)
    dead: bool = False  # the repository is gone for us (rechecked before it counts: repositories/history.py)

    @property
    def label(self) -> str:
        return self.health.label

    def count_text(self, n: int) -> str:
        """'3 archived', '1 error', '2 errors'."""
        if self.health == Health.ERROR:
            return f"{n:,} error{'' if n == 1 else 's'}"
        return f"{n:,} {self.label.lower()}"


def _outcome(health: Health, counter: str | None, *, dead: bool = False) -> Outcome:
    return Outcome(health=health, counter=counter, css=f"badge--{health.value}", dead=dead)


# In the order pages, summaries and charts show them.
OUTCOMES: tuple[Outcome, ...] = (
    _outcome(Health.HEALTHY, "healthy"),
    _outcome(Health.STALE, "stale"),
    _outcome(Health.ARCHIVED, "archived"),
    _outcome(Health.MOVED, "moved"),
    _outcome(Health.NOT_FOUND, "not_found", dead=True),
    _outcome(Health.BLOCKED, "blocked", dead=True),
    _outcome(Health.ERROR, "errors"),  # the API contract names this count `errors`
    _outcome(Health.UNKNOWN, None),
)
BY_HEALTH: dict[str, Outcome] = {outcome.health.value: outcome for outcome in OUTCOMES}
SCAN_OUTCOMES: tuple[Outcome, ...] = tuple(outcome for outcome in OUTCOMES if outcome.counter)
COUNTERS: tuple[str, ...] = tuple(outcome.counter for outcome in SCAN_OUTCOMES)
COUNTER_OF: dict[str, str] = {outcome.health.value: outcome.counter for outcome in SCAN_OUTCOMES}
DEAD: frozenset[Health] = frozenset(outcome.health for outcome in OUTCOMES if outcome.dead)


def outcome_of(value) -> Outcome:
    """The outcome for a health value; unknown values read as `unknown`."""
    return BY_HEALTH.get(str(value), BY_HEALTH[Health.UNKNOWN.value])


def moved_detail(old: str, new: str) -> str:
    """'renamed: acme/old → acme/new' (or transferred, or moved: both changed)."""
    old_owner, _, old_name = old.partition("/")
    new_owner, _, new_name = new.partition("/")
    if old_owner.lower() == new_owner.lower():
        how = "renamed"
    elif old_name.lower() == new_name.lower():
        how = "transferred"
    else:
        how = "moved"
    return f"{how}: {old} \u2192 {new}"


def health_from_metadata(repo: Repository) -> tuple[str, str]:
    """Health of a repository GitHub answered for, by the precedence rule: blocked, archived,
    moved, stale, healthy. A moved repository shows `moved` until a person accepts the new name,
    because its list still holds the old link. `stale` is exactly the maintenance verdict
    `inactive` (repositories/maintenance.py judges it first): one rule, no second clock."""
    if repo.disabled:
        return Health.BLOCKED, "disabled by GitHub"
    if repo.archived:
        return Health.ARCHIVED, "archived on GitHub"
    if repo.has_moved:
        return Health.MOVED, moved_detail(repo.imported_name, repo.full_name)
    if repo.maintenance == Repository.Maintenance.INACTIVE:
        texts = "; ".join(reason["text"] for reason in repo.maintenance_reasons or () if reason.get("text"))
        return Health.STALE, f"inactive: {texts}"[:300] if texts else "inactive"
    return Health.HEALTHY, "active"
