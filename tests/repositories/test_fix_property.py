"""The fix changes nothing but the links it edits: a hypothesis property over generated
Markdown documents that hold moved, archived and dead links in list items (nested too, with CI
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
from repositories.fixes import ARCHIVED_POLICIES, DEAD_POLICIES, Fix, fix_text
from repositories.models import Repository
from repositories.sources import link_places

Health = Repository.Health
FORMS = ["https://github.com/{}", "http://github.com/{}", "https://www.github.com/{}/", "https://github.com/{}.git",
         "https://github.com/{}#readme", "https://github.com/{}/tree/main/docs", "github.com/{}"]
KINDS = ["healthy", "moved", "archived", "dead", "suspected"]
MARKS = {"archived": " (archived)", "dead": " (dead)"}
BADGE = "[![CI](https://github.com/{0}/actions/workflows/ci.yml/badge.svg)](https://github.com/{0}/actions)"
LOGO = "https://github.com/{}/raw/main/logo.png"
WORDS = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "widgets", "fast", "tiny", "—", "*bold*"]),
                 min_size=1, max_size=6).map(" ".join)


def repo_for(kind: str, index: int) -> tuple[str, str, SimpleNamespace]:
    """(name written in the document, its name now, the repository as the catalog holds it)."""
    old = f"{kind}{index}/lib{index}"
    new = f"renamed{index}/lib-{index}" if kind == "moved" else old
    health = {"healthy": Health.HEALTHY, "moved": Health.MOVED, "archived": Health.ARCHIVED, "dead": Health.NOT_FOUND,
              "suspected": Health.BLOCKED}[kind]
    repo = SimpleNamespace(id=1000 + index, full_name=new, health=health, suspected=kind == "suspected",
                           name_reused=False)
    return old, new, repo


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


def _pair(draw, repos: dict, *, index: int, written: tuple[str, str], fixed: tuple[str, str, str],
          words: str) -> list[tuple[str, str | None]]:
    """Two repositories on one line: a marker each."""
    (label, url), (new_label, new_url, mark) = written, fixed
    other_kind = draw(st.sampled_from(KINDS))
    other, other_new, other_repo = repo_for(other_kind, index + 100)
    repos[other.lower()] = repos[other_new.lower()] = other_repo
    return [(f"- [{label}]({url}) or [that](https://github.com/{other}) - {words}",
             (f"- [{new_label}]({new_url}){mark} or [that](https://github.com/{other_new})"
              f"{MARKS.get(other_kind, '')} - {words}"))]


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
    """(text, expected text under archived=mark/dead=delete, repositories by lower-cased name)."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[tuple[str, str | None]] = []  # (line as written, as expected); expected None: deleted
    repos: dict[str, SimpleNamespace] = {}
    for index in range(draw(st.integers(min_value=1, max_value=14))):
        block, kind, form = draw(st.sampled_from(BLOCKS)), draw(st.sampled_from(KINDS)), draw(st.sampled_from(FORMS))
        old, new, repo = repo_for(kind, index)
        repos[old.lower()] = repos[new.lower()] = repo
        label = draw(st.sampled_from([old, "Project", "the lib"]))
        written = (label, form.format(old))
        fixed = (new if label == old else label, form.format(new), MARKS.get(kind, ""))
        words = draw(WORDS)
        if block == "pair":
            lines += _pair(draw, repos, index=index, written=written, fixed=fixed, words=words)
        else:
            lines += _block(draw, block, index=index, names=(old, new), written=written, fixed=fixed, words=words)
    _keep_dead_items_with_nested_lines(lines)
    bom = "\ufeff" if draw(st.booleans()) else ""
    final = draw(st.booleans())  # a line end after the last line or not
    text = bom + newline.join(w for w, _ in lines) + (newline if final else "")
    kept = [e for _, e in lines if e is not None]
    expected = newline.join(kept) + (newline if final and kept else "")
    return text, bom + expected, repos  # the BOM stays in front of whatever is left


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
    text, expected, repos = document
    assert fix_of(text, repos, archived="mark", dead="delete") == expected


@settings(max_examples=200, deadline=None)
@given(documents())
def test_leaving_everything_but_renames_keeps_every_other_byte(document):
    text, _, repos = document
    fixed = fix_of(text, repos, archived="leave", dead="leave")
    unmoved = {key: repo for key, repo in repos.items() if repo.health != Health.MOVED}
    assert fix_of(text, unmoved, archived="leave", dead="leave") == text
    assert len(fixed.splitlines()) == len(text.splitlines())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_fixing_a_fixed_document_changes_nothing_under_every_policy(document):
    text, _, repos = document
    for archived, dead in itertools.product(ARCHIVED_POLICIES, DEAD_POLICIES):
        once = fix_of(text, repos, archived=archived, dead=dead)
        again = fixed(once, repos, archived=archived, dead=dead)
        assert (again.text, again.changes) == (once, []), (archived, dead)
