"""Server-rendered SVG charts (no script, no CDN): the stars of a repository over time.

Snapshots are written only when a count changed, so between two of them the count held: the line
is drawn in steps, and runs on to today at the current count.
"""

from __future__ import annotations

from datetime import date

WIDTH, HEIGHT, PAD_X, PAD_Y = 720, 160, 48, 20


def step_chart(points: list[tuple[date, int]], *, today: date, current: int) -> dict | None:
    """The polyline and axis labels of `points` (day, value), oldest first; None without any."""
    if not points:
        return None
    if points[-1][0] < today:
        points = [*points, (today, current)]
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    low, high = min(v for _, v in points), max(v for _, v in points)
    spread = max(high - low, 1)

    def x(day: date) -> float:
        return round(PAD_X + (day - first).days / span * (WIDTH - 2 * PAD_X), 1)

    def y(value: int) -> float:
        return round(HEIGHT - PAD_Y - (value - low) / spread * (HEIGHT - 2 * PAD_Y), 1)

    coordinates, previous = [], None
    for day, value in points:
        if previous is not None:
            coordinates.append(f"{x(day)},{y(previous)}")
        coordinates.append(f"{x(day)},{y(value)}")
        previous = value
    if len(points) == 1:
        coordinates.append(f"{WIDTH - PAD_X},{y(points[0][1])}")
    return {"width": WIDTH, "height": HEIGHT, "points": " ".join(coordinates), "low": low, "high": high,
            "first": first, "last": last, "left": PAD_X, "right": WIDTH - PAD_X, "top": PAD_Y,
            "bottom": HEIGHT - PAD_Y, "label_x": PAD_X - 6, "label_low_y": HEIGHT - PAD_Y + 4,
            "label_high_y": PAD_Y + 4,
            "label_date_y": HEIGHT - 4}
