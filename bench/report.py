"""What a row gives back, the table printed at the end, and bench/results/latest.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

# Units shown in the table, by the ending of a figure's name (the JSON keeps the full names).
UNITS = (
    ("repos_per_s", "repos/s"), ("lines_per_s", "lines/s"), ("requests_per_s", "req/s"),
    ("requests_per_repo", "req/repo"), ("points_per_repo", "pts/repo"),
    ("points_per_moved_repo", "pts/moved repo"), ("queries_per_request", "queries/req"),
    ("cpu_overhead_percent", "% CPU overhead"), ("overhead_percent", "% overhead"),
    ("cpu_seconds", "CPU s"), ("p50_ms", "ms p50"), ("p99_ms", "ms p99"), ("median_ms", "ms median"),
    ("max_ms", "ms max"), ("first_ms", "ms first"), ("last_ms", "ms last"), ("slowest_ms", "ms slowest"),
    ("rows_per_s", "rows/s"), ("hours", "h"),
    ("peak_mb", "MB peak"), ("idle_mb", "MB idle"), ("seconds", "s"), ("points", "points"),
)


@dataclass
class Line:
    variant: str
    figures: dict[str, Any]   # shown in the table, in this order
    ratio: float | None = None
    note: str = ""


@dataclass
class Row:
    key: str
    title: str
    data: dict[str, Any]      # the row's object in latest.json
    lines: list[Line] = field(default_factory=list)
    ratio_means: str = ""     # how to read the ratio column for this row
    seconds: float = 0.0      # wall time the row took

    @classmethod
    def failed(cls, key: str, title: str, error: str) -> Row:
        return cls(key, title, {"error": error}, [Line("-", {}, note=f"[red]failed:[/] {error}")])


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return round(value / reference, 2)


def _number(value: Any) -> str:
    if isinstance(value, float) and 0 < abs(value) < 0.1:
        return f"{value:.3g}"  # a cost per repository: 0.0095 is not 0.01
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _figure(name: str, value: Any) -> str:
    for ending, unit in UNITS:
        if name.endswith(ending):
            return f"{_number(value)} {unit}"
    return f"{name.replace('_', ' ')} {_number(value)}"


def table(rows: list[Row], *, title: str) -> Table:
    grid = Table(title=title, show_lines=True, title_justify="left")
    grid.add_column("row")
    grid.add_column("variant")
    grid.add_column("figures")
    grid.add_column("ratio", justify="right")
    grid.add_column("row time", justify="right")
    for row in rows:
        for index, line in enumerate(row.lines):
            figures = " · ".join(_figure(k, v) for k, v in line.figures.items() if v is not None)
            if line.note:
                figures = f"{figures}  {line.note}" if figures else line.note
            first = index == 0
            grid.add_row(
                f"[bold]{row.title}[/]\n[dim]{row.ratio_means}[/]" if first else "",
                line.variant,
                figures,
                f"{line.ratio:g}×" if line.ratio is not None else "",
                f"{row.seconds:.0f} s" if first else "",
            )
    return grid


def print_table(rows: list[Row], *, title: str, console: Console) -> None:
    console.print(table(rows, title=title))


def write_json(path: Path, rows: list[Row], meta: dict[str, Any]) -> None:
    document: dict[str, Any] = {"meta": meta}
    for row in rows:
        document[row.key] = {**row.data, "row_seconds": round(row.seconds, 1)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
