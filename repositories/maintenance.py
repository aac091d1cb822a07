"""Is a repository still looked after? The verdict (`maintenance`) from several signals, each
shown with the figure behind it, and what a project's own words say about it.

One rule, `verdict`, over the signals the catalog keeps on a repository:

| verdict      | when                                                                                 |
|--------------|--------------------------------------------------------------------------------------|
| `finished`   | a person said so (an override), or it carries one of MAINTAINED_FINISHED_TOPICS      |
| `deprecated` | archived, or its description or a topic declares it over (whatever the activity)    |
| `active`     | at least `min_commits` default-branch commits in the last `active_days`, or a release |
| `quiet`      | some commit or release within `inactive_days`, but not active                        |
| `inactive`   | no default-branch commit and no release within `inactive_days`                        |
| `unknown`    | not checked yet, its commits not asked yet, or its last answer was no repository     |

A person's override (`finished`, `inactive` or `deprecated`) wins over everything the signals say.
Each verdict comes with its reasons: `{"signal", "value", "text"}`, dates as ISO dates.
Plain values in, plain values out: the scan, the pages and the tests call it alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from repositories.models import Repository

Verdict = Repository.Maintenance
OVERRIDES = tuple(Repository.Override.values)


@dataclass(frozen=True)
class Thresholds:
    min_commits: int = 6
    active_days: int = 365
    inactive_days: int = 730
    finished_topics: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(min_commits=settings.MAINTAINED_MIN_COMMITS, active_days=settings.MAINTAINED_ACTIVE_DAYS,
                   inactive_days=settings.MAINTAINED_INACTIVE_DAYS,
                   finished_topics=tuple(t.lower() for t in settings.MAINTAINED_FINISHED_TOPICS))


@dataclass(frozen=True)
class Signals:
    """What the catalog knows of one repository. `answered`: GitHub last answered with the
    repository itself (not not-found, blocked or failing); `last_commit_at` None with `answered`
    means the default branch has no commit (or its date was not asked yet: `commits_known`)."""

    answered: bool
    archived: bool = False
    last_commit_at: datetime | None = None
    commits_last_year: int | None = None
    last_release_at: datetime | None = None
    last_release_tag: str = ""
    default_branch: str = ""
    description: str = ""
    topics: tuple[str, ...] = ()
    declared: str | None = None
    successor: str | None = None
    override: str | None = None
    override_note: str = ""
    override_by: str = ""


@dataclass
class Result:
    verdict: str
    reasons: list[dict] = field(default_factory=list)


def _reason(signal: str, value, text: str) -> dict:
    return {"signal": signal, "value": value, "text": text}


def _date(value: datetime) -> str:
    return value.date().isoformat()


def _age(since: datetime, now: datetime) -> str:
    """'2 years 8 months', '3 months', '12 days'."""
    days = max((now - since).days, 0)
    years, rest = divmod(days, 365)
    months = rest // 30
    parts = []
    if years:
        parts.append(f"{years} year{'' if years == 1 else 's'}")
    if months:
        parts.append(f"{months} month{'' if months == 1 else 's'}")
    if not parts:
        parts.append(f"{days} day{'' if days == 1 else 's'}")
    return " ".join(parts)


def verdict(signals: Signals, *, now: datetime, thresholds: Thresholds = Thresholds()) -> Result:
    """The verdict and the reasons that decided it (see the module's table)."""
    if signals.override in OVERRIDES:
        return _overridden(signals)
    if not signals.answered:
        return Result(Verdict.UNKNOWN, [_reason("health", None, "GitHub has not answered with this repository")])
    if finished := _finished_topic(signals, thresholds):
        return Result(Verdict.FINISHED, [_reason("topics", finished, f"the topic '{finished}' marks it finished")])
    if signals.archived or signals.declared:
        return Result(Verdict.DEPRECATED, _deprecation_reasons(signals))
    if signals.last_commit_at is None and signals.commits_last_year is None and signals.last_release_at is None:
        return Result(Verdict.UNKNOWN, [_reason("last_commit_at", None, "its commits have not been asked yet")])
    return _by_activity(signals, now=now, thresholds=thresholds)


def _overridden(signals: Signals) -> Result:
    who = f" by {signals.override_by}" if signals.override_by else ""
    note = f": '{signals.override_note}'" if signals.override_note else ""
    text = f"marked {signals.override}{who}{note}"
    return Result(Verdict(signals.override), [_reason("override", signals.override, text)])


def _finished_topic(signals: Signals, thresholds: Thresholds) -> str | None:
    wanted = set(thresholds.finished_topics)
    return next((topic for topic in signals.topics if topic.lower() in wanted), None)


def _deprecation_reasons(signals: Signals) -> list[dict]:
    reasons = []
    if signals.archived:
        reasons.append(_reason("archived", True, "archived on GitHub"))
    if signals.declared:
        where = "a topic" if signals.declared.lower() in {t.lower() for t in signals.topics} else "the description"
        said = f"'{signals.description}'" if where == "the description" else f"'{signals.declared}'"
        reasons.append(_reason("declared", signals.declared, f"{where} says: {said}"))
    if signals.successor:
        reasons.append(_reason("successor", signals.successor, f"its successor is {signals.successor}"))
    return reasons


def _by_activity(signals: Signals, *, now: datetime, thresholds: Thresholds) -> Result:
    active_since = now - timedelta(days=thresholds.active_days)
    inactive_since = now - timedelta(days=thresholds.inactive_days)
    branch = signals.default_branch or "the default branch"
    commit, release = signals.last_commit_at, signals.last_release_at
    commits = signals.commits_last_year or 0
    if commits >= thresholds.min_commits:
        reasons = [_commits_reason(commits, branch, thresholds)]
        return Result(Verdict.ACTIVE, reasons + ([_commit_reason(commit, branch, now)] if commit else []))
    if release is not None and release >= active_since:
        return Result(Verdict.ACTIVE, [_release_reason(signals)])
    if any(when is not None and when >= inactive_since for when in (commit, release)):
        reasons = [_commit_reason(commit, branch, now)] if commit else []
        if commits:
            reasons.append(_commits_reason(commits, branch, thresholds))
        if release is not None:
            reasons.append(_release_reason(signals))
        return Result(Verdict.QUIET, reasons)
    reasons = [_commit_reason(commit, branch, now) if commit else
               _reason("last_commit_at", None, f"no commit on {branch}")]
    reasons.append(_release_reason(signals) if release is not None else _reason("last_release_at", None, "no release"))
    return Result(Verdict.INACTIVE, reasons)


def _commit_reason(commit: datetime, branch: str, now: datetime) -> dict:
    return _reason("last_commit_at", _date(commit),
                   f"no commit on {branch} since {_date(commit)} ({_age(commit, now)})"
                   if (now - commit).days >= 30 else f"last commit on {branch} on {_date(commit)}")


def _commits_reason(commits: int, branch: str, thresholds: Thresholds) -> dict:
    return _reason("commits_last_year", commits,
                   f"{commits} commit{'' if commits == 1 else 's'} on {branch} "
                   f"in the last {thresholds.active_days} days")


def _release_reason(signals: Signals) -> dict:
    tag = signals.last_release_tag or "a release"
    when = _date(signals.last_release_at)
    return _reason("last_release_at", when, f"last release {tag} on {when}")


# --- what a project says about itself --------------------------------------------------------------
# Words that declare a project over, whole words, any case. `use X instead` is matched with its X.
_DECLARING = re.compile(
    r"\b(deprecated|unmaintained|no longer maintained|not maintained|obsolete|superseded by|moved to)\b"
    r"|\buse\s+\S+\s+instead\b", re.IGNORECASE)
_DECLARING_TOPICS = {"deprecated", "unmaintained", "obsolete", "no-longer-maintained", "not-maintained"}
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}"
_REPO = rf"(?:(?:https?://)?(?:www\.)?github\.com/)?({_NAME})"
_SUCCESSOR = [
    re.compile(rf"\b(?:moved to|superseded by)\s+{_REPO}", re.IGNORECASE),
    re.compile(rf"\buse\s+{_REPO}\s+instead\b", re.IGNORECASE),
]
_GITHUB_HOMEPAGE = re.compile(rf"^https?://(?:www\.)?github\.com/({_NAME})/?$", re.IGNORECASE)


def declared(description: str, topics: tuple[str, ...] | list[str]) -> str | None:
    """The words of the description or a topic that declare the project over, quoted as found."""
    if match := _DECLARING.search(description or ""):
        return match.group(0)
    return next((topic for topic in topics or () if topic.lower() in _DECLARING_TOPICS), None)


def successor(*, full_name: str, description: str, homepage: str, archived: bool) -> str | None:
    """The `owner/name` the project names as its successor next to declaring words, or (archived)
    a github.com homepage that is another repository. Never a guess."""
    for pattern in _SUCCESSOR:
        if match := pattern.search(description or ""):
            return _other(_clean(match.group(1)), full_name)
    if archived and (match := _GITHUB_HOMEPAGE.match((homepage or "").strip())):
        return _other(_clean(match.group(1)), full_name)
    return None


def _clean(name: str) -> str:
    name = name.rstrip(".,;:)")
    return name[:-4] if name.lower().endswith(".git") else name


def _other(name: str, full_name: str) -> str | None:
    return None if name.lower() == (full_name or "").lower() else name


# --- the catalog's side ----------------------------------------------------------------------------
# The healths of a repository GitHub last answered with itself: its signals speak for it.
ANSWERED = frozenset({Repository.Health.HEALTHY, Repository.Health.STALE, Repository.Health.ARCHIVED,
                      Repository.Health.MOVED})
# Fields `judge` writes.
VERDICT_FIELDS = ("declared", "successor", "maintenance", "maintenance_reasons")


def signals_of(repo: Repository, *, answered: bool) -> Signals:
    """What the catalog knows of `repo`, as the rule reads it. `answered`: GitHub's last answer was
    the repository itself (the caller knows: a scan from the answer, a page from the health)."""
    return Signals(
        answered=answered, archived=repo.archived, last_commit_at=repo.last_commit_at,
        commits_last_year=repo.commits_last_year, last_release_at=repo.last_release_at,
        last_release_tag=repo.last_release_tag, default_branch=repo.default_branch,
        description=repo.description or "", topics=tuple(repo.topics or ()), declared=repo.declared,
        successor=repo.successor, override=repo.maintenance_override or None,
        override_note=repo.maintenance_note, override_by=repo.maintenance_override_by,
    )


def judge(repo: Repository, *, now: datetime, answered: bool | None = None,
          thresholds: Thresholds | None = None) -> str:
    """Set `repo`'s declared words, successor, verdict and reasons (in memory) from what it knows;
    returns the verdict. `answered` defaults to what its health says."""
    repo.declared = declared(repo.description or "", repo.topics or ())
    repo.successor = successor(full_name=repo.full_name, description=repo.description or "",
                               homepage=repo.homepage or "", archived=repo.archived)
    if answered is None:
        answered = repo.health in ANSWERED
    result = verdict(signals_of(repo, answered=answered), now=now, thresholds=thresholds or Thresholds.from_settings())
    repo.maintenance, repo.maintenance_reasons = result.verdict, result.reasons
    return result.verdict
