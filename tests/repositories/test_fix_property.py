"""The fix changes nothing but the links it edits: a hypothesis property over generated
Markdown documents that hold moved, archived, dead and inactive links, and links to archived or
deprecated repositories that name a successor (rewritten to it under `--archived replace`), in
list items (nested too, with CI
badges, as image-only links, two repositories on a line), tables (a badge cell too), HTML blocks
and reference definitions, links inside code that must stay, CRLF and a BOM. The expected text is
built beside each document from what it holds, line by line, so any byte the fix touches outside
an edit fails the property. And a fixed document is fixed: fixing it again, under any policy,
changes nothing."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repositories import importers
from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, INACTIVE_POLICIES, Fix, fix_text
from repositories.models import Repository
from repositories.sources import link_places

Health = Repository.Health
Verdict = Repository.Maintenance
FORMS = ["https://github.com/{}", "http://github.com/{}", "https://www.github.com/{}/", "https://github.com/{}.git",
         "https://github.com/{}#readme", "https://github.com/{}/tree/main/docs", "github.com/{}"]
# successor: archived, naming its successor; deprecated: says it is over and names its successor;
# jacked: moved, and its old name now belongs to another repository (rewritten as a move is)
KINDS = ["healthy", "moved", "jacked", "archived", "dead", "suspected", "inactive", "successor", "deprecated"]
MARKS = {"archived": " (archived)", "dead": " (dead)", "inactive": " (inactive)"}
REPLACED = ("successor", "deprecated")  # what `--archived replace` points at the successor
BADGE = "[![CI](https://github.com/{0}/actions/workflows/ci.yml/badge.svg)](https://github.com/{0}/actions)"
LOGO = "https://github.com/{}/raw/main/logo.png"
WORDS = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "widgets", "fast", "tiny", "—", "*bold*"]),
                 min_size=1, max_size=6).map(" ".join)


def catalogued(index: int, full_name: str, health: str = Health.HEALTHY, verdict: str = Verdict.ACTIVE, *,
               successor: str | None = None, suspected: bool = False, name_reused: bool = False) -> SimpleNamespace:
    """A repository as the catalog holds it (what the fix reads of one)."""
    return SimpleNamespace(id=index, full_name=full_name, health=health, archived=health == Health.ARCHIVED,
                           maintenance=verdict, successor=successor, suspected=suspected, name_reused=name_reused)


def repo_for(kind: str, index: int, policies: dict) -> tuple[str, str, str, dict[str, SimpleNamespace]]:
    """(name written in the document, the name the fix writes, the marker it adds, the catalog's
    repositories by lower-cased name: the one written, and its new name's or successor's)."""
    old = f"{kind}{index}/lib{index}"
    successor = f"next{index}/lib-{index}" if kind in REPLACED else None
    current = f"renamed{index}/lib-{index}" if kind in ("moved", "jacked") else old
    health, verdict = {"healthy": (Health.HEALTHY, Verdict.ACTIVE), "moved": (Health.MOVED, Verdict.QUIET),
                       "jacked": (Health.MOVED, Verdict.QUIET),
                       "archived": (Health.ARCHIVED, Verdict.DEPRECATED), "dead": (Health.NOT_FOUND, Verdict.UNKNOWN),
                       "suspected": (Health.BLOCKED, Verdict.UNKNOWN), "inactive": (Health.STALE, Verdict.INACTIVE),
                       "successor": (Health.ARCHIVED, Verdict.DEPRECATED),
                       "deprecated": (Health.HEALTHY, Verdict.DEPRECATED)}[kind]
    repo = catalogued(1000 + index, current, health, verdict, successor=successor, suspected=kind == "suspected",
                      name_reused=kind == "jacked")
    repos = {old.lower(): repo, current.lower(): repo}
    if successor:  # a repository of its own, active
        repos[successor.lower()] = catalogued(5000 + index, successor)
    if successor and policies["archived"] == "replace":
        return old, successor, "", repos
    mark = {"archived": MARKS["archived"], "successor": MARKS["archived"], "dead": MARKS["dead"],
            "inactive": MARKS["inactive"] if policies["inactive"] == "mark" else ""}.get(kind, "")
    return old, current, mark, repos


BLOCKS = ["item", "nested", "badge", "logo", "pair", "table", "html", "ref", "code", "inline", "prose", "heading"]


def _block(draw, block: str, *, index: int, names: tuple[str, str], written: tuple[str, str],
           fixed: tuple[str, str, str], words: str) -> list[tuple[str, str | None]]:
    """One block's lines, as written and as expected (None: deleted when dead): `names` is the
    repository's (old, new), `written` the (label, url) and `fixed` the label, url and mark the fix
    writes. A pair's second repository is the caller's."""
    (old, new), (label, url), (new_label, new_url, mark) = names, written, fixed
    if block in ("item", "nested"):
        indent = "  " if block == "nested" else ""
        expected = None if mark == MARKS["dead"] else f"{indent}- [{new_label}]({new_url}){mark} - {words}"
        lines = [(f"{indent}- [{label}]({url}) - {words}", expected)]
        if block == "item" and draw(st.booleans()):
            lines.append((f"  - {words}", f"  - {words}"))
        return lines
    badge, new_badge = BADGE.format(old), BADGE.format(new)
    if block == "badge":  # the project link and its CI badge: one marker, after the project link
        return [(f"- [{label}]({url}) {badge} - {words}", f"- [{new_label}]({new_url}){mark} {new_badge} - {words}")]
    if block == "logo":  # only an image inside a link: the marker goes after the whole link
        logo, new_logo = LOGO.format(old), LOGO.format(new)
        return [(f"- [![{label}]({logo})]({url}) - {words}",
                 f"- [![{new_label}]({new_logo})]({new_url}){mark} - {words}")]
    if block == "table":
        row = (f"| [{label}]({url}) | {words} |", f"| [{new_label}]({new_url}){mark} | {words} |")
        if draw(st.booleans()):  # a badge in a cell of its own: marked once per cell
            row = (f"| [{label}]({url}) | {badge} |", f"| [{new_label}]({new_url}){mark} | {new_badge}{mark} |")
        return [("| Name | About |", "| Name | About |"), ("|---|---|", "|---|---|"), row]
    return _plain_block(draw, block, index=index, written=written, fixed=fixed, words=words)


def _plain_block(draw, block: str, *, index: int, written: tuple[str, str], fixed: tuple[str, str, str],
                 words: str) -> list[tuple[str, str | None]]:
    """The blocks whose links are never marked in place by a list fix, or hold no link at all."""
    (label, url), (_, new_url, mark) = written, fixed
    if block == "html":
        return [(f'<p><a href="{url}">{words}</a></p>', f'<p><a href="{new_url}">{words}</a>{mark}</p>')]
    if block == "ref":
        return [(f"[ref{index}]: {url}", f"[ref{index}]: {new_url}")]
    if block == "code":
        fence = draw(st.sampled_from(["```", "~~~"]))
        return [(text, text) for text in (fence + "sh", f"git clone {url}", f"- [{label}]({url})", fence)]
    if block == "inline":
        text = f"Run `pip install {url}` to {words}."
        return [(text, text)]
    if block == "prose":
        return [(words, words)]
    return [(f"## {words}", f"## {words}")]


def _pair(draw, repos: dict, policies: dict, *, index: int, written: tuple[str, str], fixed: tuple[str, str, str],
          words: str) -> list[tuple[str, str | None]]:
    """Two repositories on one line: a marker each."""
    (label, url), (new_label, new_url, mark) = written, fixed
    other, other_new, other_mark, others = repo_for(draw(st.sampled_from(KINDS)), index + 100, policies)
    repos.update(others)
    return [(f"- [{label}]({url}) or [that](https://github.com/{other}) - {words}",
             (f"- [{new_label}]({new_url}){mark} or [that](https://github.com/{other_new})"
              f"{other_mark} - {words}"))]


def _keep_dead_items_with_nested_lines(lines: list[tuple[str, str | None]]) -> None:
    """A dead item with a line nested below it (one the fix keeps) is marked, not deleted."""
    below = ""
    for i in reversed(range(len(lines))):
        written, expected = lines[i]
        if expected is None and below.startswith("  ") and not written.startswith("  "):
            expected = written.replace(") - ", ") (dead) - ", 1)
            lines[i] = (written, expected)
        if expected is not None:
            below = written


@st.composite
def documents(draw):
    """(text, expected text under its policies, repositories by lower-cased name, the policies:
    dead=delete, archived mark or replace, inactive leave or mark)."""
    policies = {"archived": draw(st.sampled_from(["mark", "replace"])), "dead": "delete",
                "inactive": draw(st.sampled_from(INACTIVE_POLICIES))}
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[tuple[str, str | None]] = []  # (line as written, as expected); expected None: deleted
    repos: dict[str, SimpleNamespace] = {}
    for index in range(draw(st.integers(min_value=1, max_value=14))):
        block, kind, form = draw(st.sampled_from(BLOCKS)), draw(st.sampled_from(KINDS)), draw(st.sampled_from(FORMS))
        old, new, mark, catalog = repo_for(kind, index, policies)
        repos.update(catalog)
        label = draw(st.sampled_from([old, "Project", "the lib"]))
        written = (label, form.format(old))
        fixed = (new if label == old else label, form.format(new), mark)
        words = draw(WORDS)
        if block == "pair":
            lines += _pair(draw, repos, policies, index=index, written=written, fixed=fixed, words=words)
        else:
            lines += _block(draw, block, index=index, names=(old, new), written=written, fixed=fixed, words=words)
    _keep_dead_items_with_nested_lines(lines)
    bom = "\ufeff" if draw(st.booleans()) else ""
    final = draw(st.booleans())  # a line end after the last line or not
    text = bom + newline.join(w for w, _ in lines) + (newline if final else "")
    kept = [e for _, e in lines if e is not None]
    expected = newline.join(kept) + (newline if final and kept else "")
    return text, bom + expected, repos, policies  # the BOM stays in front of whatever is left


def fixed(text: str, repos: dict, **policies) -> Fix:
    parsed = importers.parse(text.encode("utf-8"), filename="README.md")
    entries = [SimpleNamespace(line=line, column=column, end_column=end, url=url, repository=repos.get(key))
               for line, column, end, url, key in link_places(parsed)]
    assert parsed.text == text  # the source keeps the document as written
    return fix_text(text=parsed.text, format="markdown", entries=entries, **policies)


def fix_of(text: str, repos: dict, **policies) -> str:
    return fixed(text, repos, **policies).text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_fix_edits_exactly_the_links_it_should_and_no_other_byte(document):
    text, expected, repos, policies = document
    assert fix_of(text, repos, **policies) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_replace_rewrites_only_links_whose_repository_names_a_successor(document):
    text, _, repos, _ = document
    fix = fixed(text, repos, archived="replace", dead="leave", inactive="leave")
    unmoved = {key: repo for key, repo in repos.items() if repo.health != Health.MOVED}
    alone = fixed(text, unmoved, archived="replace", dead="leave", inactive="leave")
    assert {c.kind for c in alone.changes} <= {"successor", "archived"}
    for change in (c for c in alone.changes if c.kind == "successor"):
        repo = next(repo for key, repo in repos.items() if key in change.old.lower() and repo.successor)
        assert change.new.lower().replace(repo.successor.lower(), repo.full_name.lower()) == change.old.lower()
    same = fixed(text, {k: SimpleNamespace(**{**vars(r), "successor": None}) for k, r in unmoved.items()},
                 archived="replace", dead="leave", inactive="leave")
    assert same.text == fixed(text, unmoved, archived="mark", dead="leave").text, "no successor: marked"
    assert len(fix.text.splitlines()) == len(text.splitlines())


@settings(max_examples=200, deadline=None)
@given(documents())
def test_leaving_everything_but_renames_keeps_every_other_byte(document):
    text, _, repos, _ = document
    fixed = fix_of(text, repos, archived="leave", dead="leave")
    unmoved = {key: repo for key, repo in repos.items() if repo.health != Health.MOVED}
    assert fix_of(text, unmoved, archived="leave", dead="leave") == text
    assert len(fixed.splitlines()) == len(text.splitlines())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_fixing_a_fixed_document_changes_nothing_under_every_policy(document):
    text, _, repos, _ = document
    for archived, dead, inactive in itertools.product(ARCHIVED_POLICIES, DEAD_POLICIES, INACTIVE_POLICIES):
        once = fix_of(text, repos, archived=archived, dead=dead, inactive=inactive)
        again = fixed(once, repos, archived=archived, dead=dead, inactive=inactive)
        assert (again.text, again.changes) == (once, []), (archived, dead, inactive)
