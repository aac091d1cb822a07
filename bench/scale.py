"""The scale rows: the catalog at `Sizes.scale` repositories, the bench's catalog size in `make bench`
and BENCH_SCALE (1,000,000 unless set) in `make bench-scale` (`python -m bench --scale N`).
bench/README.md explains each row.

The scale catalog is the bench's catalog (the fake GitHub's import names, in file order) followed,
past its size, by generated names: realistic `owner/name` strings that need not exist on GitHub.
Only `health_first` (bench/health_first.py, run with them) asks GitHub, and it scans the
catalog's first `health_first_repos` repositories, which are the fake's. Every generated owner ends
in a dash and a number of at least 1,000 (`acme-labs-1042`), which no login of the fake does, so
the two parts share no name, and a search for one of the fake's owners (`zoe25`) finds what it
finds among the fake's names alone.

`scale_import` measures an import into an empty catalog. In `make bench` it runs right after row 5,
`import` (same names at the bench's size), and first empties the catalog, untimed, through the
catalog's own services; the other scale rows import the scale catalog unmeasured when it is not
there yet, as `Bench.seed_catalog` does for the other rows.
"""

from __future__ import annotations

import gc
import math
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import override_settings

from bench import QUERIES_HEADER, load
from bench.harness import WEB_WORKERS, Bench
from bench.pages import logged_in, prepare_browsers
from bench.report import Line, Row, ratio

MILLION = 1_000_000
# The goals at 1,000,000 repositories. Times and points that grow with the catalog are scaled to N
# (`_scaled`); a page's time and the export's pace are goals whatever N.
GOALS = {
    "import_seconds": {"sqlite": 60.0, "postgresql": 90.0},
    "first_page_ms": 150.0, "search_ms": 300.0, "deep_page_ms": 1000.0,
    "walk_seconds": 420.0, "page_ratio": 2.0,  # every page within 2x the first
    "export_rows_per_s": 50_000,
    "health_pass_points": 10_500,
}
POINTS_PER_HOUR = 5_000  # one token's GitHub hour
PAGE_REPEATS = 5         # timed GETs of each catalog page, after one untimed a gunicorn worker
DEEP_PAGE = 2_000        # or the last page, or the deepest the catalog page shows (MAX_PAGES)
WALK_PAGE_SIZE = 1_000   # the API's largest page
# A walk that has taken twice its goal at 1,000,000 stops there, saying so: page numbers make
# each page slower than the one before, and the whole walk would take over an hour.
WALK_BUDGET_SECONDS = 2 * GOALS["walk_seconds"]
SCALE_LABEL = "bench-scale"
IMPORT_FILENAME = "bench-scale.txt"
EMPTYING_CHUNK = 5_000   # repositories removed a call when the catalog is emptied
SEARCHED_MATCHES = (3, 50)  # how many names the search term may match: a realistic handful
_PERSON_LOGIN = re.compile(r"[a-z]+[0-9]+")
# `health_first` (bench/health_first.py) is the fifth: it measures a first scan of `health_first_repos`
# and extrapolates to 1,000,000.
SCALE_ROWS = ("scale_import", "scale_pages", "scale_api_walk", "scale_export", "health_first")


# --- the scale catalog -------------------------------------------------------------------------------
def names(bench: Bench) -> list[str]:
    """The scale catalog's N names: the bench's catalog first, then generated ones."""
    count = bench.sizes.scale
    head = bench.catalog.names[:count]
    return head + list(islice(generated(), count - len(head)))


def generated() -> Iterator[str]:
    """Endless, deterministic, unique `owner/name` strings made of the fake GitHub's words: owners
    (`acme-labs-1042`, `maya-chen-1000`) with 1 to 12 repositories each (`fast-json-rs`)."""
    from fakegithub import words

    bases = ([f"{p}-{s}" for p in words.OWNER_PREFIXES for s in words.OWNER_SUFFIXES]
             + [f"{f}-{la}" for f in words.PERSON_FIRST for la in words.PERSON_LAST])
    stems = [f"{a}-{n}" for a in words.REPO_ADJECTIVES for n in words.REPO_NOUNS] + list(words.REPO_NOUNS)
    repos = [f"{stem}-{suffix}" if suffix else stem for stem in stems for suffix in dict.fromkeys(words.REPO_SUFFIXES)]
    owner = 0
    while True:
        login = f"{bases[owner % len(bases)]}-{1000 + owner // len(bases)}"
        for index in range(1 + owner * 7 % 12):
            # A prime stride no multiple of which below 12 is a multiple of len(repos): an owner's
            # names are distinct.
            yield f"{login}/{repos[(owner * 7919 + index * 104_729) % len(repos)]}"
        owner += 1


def search_term(catalog_names: list[str]) -> tuple[str, int]:
    """A search a user would type: the login of a person (`zoe25`) that matches a realistic
    handful of names, the first such in the catalog; and how many names it matches."""
    lowered = [name.lower() for name in catalog_names]
    for owner in dict.fromkeys(name.split("/", 1)[0] for name in lowered):
        if _PERSON_LOGIN.fullmatch(owner):
            matches = sum(1 for name in lowered if owner in name)
            if SEARCHED_MATCHES[0] <= matches <= SEARCHED_MATCHES[1]:
                return owner, matches
    raise RuntimeError("no person's login in the catalog matches a handful of names")


def source(catalog_names: list[str]) -> bytes:
    return ("\n".join(catalog_names) + "\n").encode()


@contextmanager
def import_limits(lines: int, size: int) -> Iterator[None]:
    """The import limits raised to this file where it exceeds them (IMPORT_MAX_ENTRIES is 200,000
    and IMPORT_MAX_BYTES 20 MB): what an operator importing a million names sets."""
    from django.conf import settings

    with override_settings(IMPORT_MAX_ENTRIES=max(settings.IMPORT_MAX_ENTRIES, lines),
                           IMPORT_MAX_BYTES=max(settings.IMPORT_MAX_BYTES, size)):
        yield


def seed(bench: Bench) -> int:
    """Make sure the catalog holds the scale catalog (unmeasured); its size."""
    from repositories.models import Repository
    from repositories.services import repositories_import

    count = bench.sizes.scale
    if Repository.objects.count() < count:
        bench.say(f"  importing the scale catalog of {count:,} names (unmeasured)")
        text = source(names(bench))
        with import_limits(count, len(text)):
            repositories_import(source=text, filename=IMPORT_FILENAME, label=SCALE_LABEL)
    return Repository.objects.count()


def _empty() -> int:
    """Every repository and kept document gone (untimed), through the catalog's services, so that
    whatever the catalog keeps beside its rows (its counts, its labels) follows; how many went."""
    from repositories.models import Repository, Source
    from repositories.services import repositories_delete

    Source.objects.all().delete()  # first: their entries then need no update
    ids = list(Repository.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), EMPTYING_CHUNK):
        repositories_delete(ids=ids[start:start + EMPTYING_CHUNK])
    return len(ids)


def _database() -> str:
    from django.db import connection

    return connection.vendor


def _scaled(goal: float, count: int) -> float:
    return round(goal * count / MILLION, 3)


def _verdict(within: bool, goal: str) -> str:
    return f"{'[green]within[/]' if within else '[red]outside[/]'} the goal ({goal})"


# --- scale 1: import -----------------------------------------------------------------------------------
def scale_import(bench: Bench) -> Row:
    from repositories.services import repositories_import

    catalog_names = names(bench)
    count, text = len(catalog_names), source(catalog_names)
    removed = _empty()
    if removed:
        bench.say(f"  emptied the catalog first ({removed:,} repositories, untimed)")
    with import_limits(count, len(text)):
        started = time.perf_counter()
        report = repositories_import(source=text, filename=IMPORT_FILENAME, label=SCALE_LABEL)
        seconds = time.perf_counter() - started
    database = _database()
    at_million = GOALS["import_seconds"].get(database, GOALS["import_seconds"]["sqlite"])
    goal = _scaled(at_million, count)
    data = {"repositories": count, "generated": count - min(count, len(bench.catalog.names)), "bytes": len(text),
            "label": SCALE_LABEL, "database": database, "emptied_first": removed, "seconds": round(seconds, 3),
            "lines_per_s": round(count / seconds), "created": report.created, "existing": report.existing,
            "invalid": len(report.invalid), "goal_seconds": goal, "goal_seconds_at_million": at_million}
    data["within_goal"] = seconds <= goal and report.created == count
    note = _verdict(data["within_goal"], f"≤ {goal:,g} s: {at_million:g} s at 1,000,000 on {database}, scaled")
    if report.created != count:
        note += f" [red]{report.created:,} created of {count:,}[/]"
    return Row("scale_import", f"scale 1: import of {count:,}", data, [
        Line(f"{count:,} names, empty catalog", {"seconds": data["seconds"], "lines_per_s": data["lines_per_s"],
                                                 "created": report.created}, note=note)])


# --- scale 2: the catalog page ---------------------------------------------------------------------------
def deep_page(count: int) -> int:
    """DEEP_PAGE, or the last page when there are fewer, or the deepest the page shows when the
    catalog stops its pages (repositories.presentation.MAX_PAGES, when it has one)."""
    from repositories import presentation

    last = max(1, math.ceil(count / presentation.PER_PAGE))
    return min(DEEP_PAGE, last, getattr(presentation, "MAX_PAGES", last))


def _timed_get(session: requests.Session, url: str) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.get(url, timeout=600)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
    return elapsed, response


def _page_figures(browser: requests.Session, url: str) -> dict[str, Any]:
    for _ in range(WEB_WORKERS):  # each gunicorn worker's first answer, untimed
        _timed_get(browser, url)
    samples = [_timed_get(browser, url) for _ in range(PAGE_REPEATS)]
    timings = [ms for ms, _ in samples]
    return {"median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1),
            "queries": int(samples[-1][1].headers.get(QUERIES_HEADER, 0)),
            "samples_ms": [round(ms, 1) for ms in timings]}


def _search_caught_up() -> dict[str, Any]:
    """What the upkeep task does after an import: bring SQLite's search index up to date (nothing
    to do on PostgreSQL), so the search is measured as a running service answers it."""
    from repositories.search import index_pending

    started, indexed = time.monotonic(), 0
    while done := index_pending():
        indexed += done
    return {"indexed": indexed, "seconds": round(time.monotonic() - started, 1)}


def scale_pages(bench: Bench) -> Row:
    from repositories.filters import filter_repositories

    count = seed(bench)
    caught_up = _search_caught_up()
    web = bench.web()
    prepare_browsers(bench)
    browser = logged_in(web.url)
    term, _ = search_term(names(bench))
    deep = deep_page(count)
    pages = {"first": ("first page", "/", GOALS["first_page_ms"]),
             "search": (f"?search={term}", f"/?search={term}", GOALS["search_ms"]),
             "deep": (f"page {deep:,}", f"/?page={deep}", GOALS["deep_page_ms"])}
    data: dict[str, Any] = {"repositories": count, "repeats": PAGE_REPEATS, "search_term": term,
                            "search_index_caught_up": caught_up,
                            "search_matches": filter_repositories({"search": term}).count(), "deep_page": deep,
                            "client": "a browser logged in through the login form, on gunicorn bench.wsgi"}
    lines = []
    for key, (variant, path, goal) in pages.items():
        bench.say(f"  {variant}: {PAGE_REPEATS} GETs")
        figures = _page_figures(browser, web.url + path)
        figures.update(goal_ms=goal, within_goal=figures["median_ms"] <= goal)
        data[key] = figures
        note = _verdict(figures["within_goal"], f"median ≤ {goal:,g} ms")
        if key == "search":
            note += (f"; {data['search_matches']} matches (the search index caught up first: "
                     f"{caught_up['indexed']:,} repositories in {caught_up['seconds']:g} s, the upkeep's work)")
        lines.append(Line(variant, {k: figures[k] for k in ("median_ms", "max_ms", "queries")}, note=note))
    data["within_goal"] = all(data[key]["within_goal"] for key in pages)
    return Row("scale_pages", f"scale 2: catalog page at {count:,}", data, lines)


# --- scale 3: the API, every page -------------------------------------------------------------------------
def _api_session(bench: Bench) -> requests.Session:
    return load.session({"Authorization": f"Token {bench.api_token}"})


def _walk(session: requests.Session, url: str) -> tuple[list[float], int, str | None, list[str]]:
    """Follow `next` from `url` to the end, or until WALK_BUDGET_SECONDS have passed: each page's
    ms, the rows read, the link not followed (None: the end), and the parameters `next` carries."""
    timings: list[float] = []
    rows, started, paging = 0, time.perf_counter(), []
    while url and time.perf_counter() - started < WALK_BUDGET_SECONDS:
        elapsed, response = _timed_get(session, url)
        body = response.json()
        timings.append(elapsed)
        rows += len(body["results"])
        url = body.get("next")
        if url and not paging:
            paging = sorted(parse_qs(urlsplit(url).query))
    return timings, rows, url, paging


@contextmanager
def _collector_still() -> Iterator[None]:
    """The bench's own garbage collector kept off what it times: this process holds the scale
    catalog's names and Django, which a full collection would walk in the middle of a page's
    answer. Frozen objects are never collected; the pages' own garbage still is."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def scale_api_walk(bench: Bench) -> Row:
    count = seed(bench)
    web = bench.web()
    session = _api_session(bench)
    first = f"{web.url}/api/repositories?page_size={WALK_PAGE_SIZE}"
    for _ in range(WEB_WORKERS):  # each gunicorn worker's first answer, untimed
        _timed_get(session, first)
    with _collector_still():
        first_ms = [_timed_get(session, first)[0] for _ in range(PAGE_REPEATS)]
        bench.say(f"  following next from {first} (at most {WALK_BUDGET_SECONDS / 60:g} min)")
        started = time.perf_counter()
        timings, rows, left, paging = _walk(session, first)
        seconds = time.perf_counter() - started
    slowest = max(range(len(timings)), key=timings.__getitem__)
    goal = _scaled(GOALS["walk_seconds"], count)
    data = {"repositories": count, "page_size": WALK_PAGE_SIZE, "next_carries": paging, "complete": left is None,
            "pages": len(timings), "rows": rows, "seconds": round(seconds, 1),
            "first_ms": round(statistics.median(first_ms), 1), "first_samples_ms": [round(ms, 1) for ms in first_ms],
            "last_ms": round(timings[-1], 1), "median_ms": round(statistics.median(timings), 1),
            "p99_ms": round(load.percentile(sorted(timings), 99), 1), "slowest_ms": round(timings[slowest], 1),
            "slowest_page": slowest + 1, "goal_seconds": goal, "goal_page_ratio": GOALS["page_ratio"],
            "budget_seconds": WALK_BUDGET_SECONDS}
    data["ratio"] = ratio(timings[slowest], data["first_ms"])
    data["within_goal"] = (left is None and rows == count and seconds <= goal
                           and data["ratio"] is not None and data["ratio"] <= GOALS["page_ratio"])
    note = _verdict(data["within_goal"], f"every page ≤ {GOALS['page_ratio']:g}× the first, the walk ≤ {goal:,g} s: "
                                         f"{GOALS['walk_seconds']:g} s at 1,000,000, scaled")
    note += f"; slowest: page {slowest + 1:,}; next carries {', '.join(paging) or 'nothing'}"
    if left is not None:
        note += f" [red]stopped after {WALK_BUDGET_SECONDS / 60:g} min, {rows:,} of {count:,} rows read[/]"
    elif rows != count:
        note += f" [red]{rows:,} rows read of {count:,}[/]"
    figures = {k: data[k] for k in ("seconds", "pages", "rows", "first_ms", "p99_ms", "slowest_ms")}
    return Row("scale_api_walk", f"scale 3: API walk at {count:,}", data,
               [Line(f"page_size={WALK_PAGE_SIZE:,}, next to the end", figures, data["ratio"], note)],
               "slowest page ÷ first")


# --- scale 4: the export ------------------------------------------------------------------------------------
def scale_export(bench: Bench) -> Row:
    count = seed(bench)
    web = bench.web()
    session = _api_session(bench)
    for _ in range(WEB_WORKERS):  # each gunicorn worker's first answer, untimed
        _timed_get(session, f"{web.url}/api/repositories?page_size=1")
    url = f"{web.url}/api/repositories/export?format=csv"
    bench.say(f"  GET {url}, read to the end")
    lines = size = 0
    first_byte = 0.0
    started = time.perf_counter()
    with session.get(url, stream=True, timeout=600) as response:
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
        for chunk in response.iter_content(chunk_size=1 << 16):
            if not size:
                first_byte = time.perf_counter() - started
            lines += chunk.count(b"\n")
            size += len(chunk)
    seconds = time.perf_counter() - started
    rows = lines - 1  # the header; the names imported have no cell with a line break
    goal = GOALS["export_rows_per_s"]
    data = {"repositories": count, "format": "csv", "rows": rows, "bytes": size, "seconds": round(seconds, 2),
            "first_byte_ms": round(first_byte * 1000, 1), "rows_per_s": round(rows / seconds),
            "goal_rows_per_s": goal}
    data["within_goal"] = data["rows_per_s"] >= goal and rows == count
    note = _verdict(data["within_goal"], f"≥ {goal:,} rows/s") + f"; first byte after {data['first_byte_ms']:,} ms"
    if rows != count:
        note += f" [red]{rows:,} rows of {count:,}[/]"
    return Row("scale_export", f"scale 4: CSV export of {count:,}", data, [
        Line("/api/repositories/export?format=csv", {k: data[k] for k in ("rows_per_s", "seconds", "rows")},
             note=note)])
