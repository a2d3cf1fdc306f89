"""Bar charts as inline SVG, drawn on the server: no chart library, no script, nothing fetched.

Two shapes cover the dashboard: columns over days (questions, handoffs) and
labelled horizontal bars (top intents, answer rates, star ratings). Every bar
carries its number as text where it fits (a day's column that is too narrow for
its number keeps it in its <title>), so the chart reads without hovering and
prints well; each chart has a <title> for screen readers. Colours come from
console.css through class names, since the page's CSP forbids inline styles.

Charts are drawn for a phone: WIDTH user units are about as many CSS pixels on a
360-pixel screen, so the 15-unit type stays at least 12 px there; on a wide
screen console.css puts the charts side by side instead of blowing them up.
"""

from __future__ import annotations

import datetime as dt
from html import escape

WIDTH = 360
FONT = 15  # user units, as console.css sets it: ≥ 12 px on a 360-pixel phone (tests/console/test_console_times_browser.py)
GLYPH = FONT * 0.6  # the width of a digit, for deciding whether a day's number fits above its column
DAY_LABEL = 5 * GLYPH + 4  # "MM-DD" under a column


def _svg(height: int, title: str, body: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>')


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def every_day(per_day: dict[str, int], days: int, today: dt.date) -> list[tuple[str, int]]:
    """The last `days` dates in order, with 0 where nothing happened, so gaps show as gaps."""
    start = today - dt.timedelta(days=days - 1)
    return [((start + dt.timedelta(days=n)).isoformat(), per_day.get((start + dt.timedelta(days=n)).isoformat(), 0))
            for n in range(days)]


def columns(points: list[tuple[str, float]], title: str, height: int = 220) -> str:
    """One column per day (ISO dates as labels, shown as MM-DD), with the value on top of each non-empty column."""
    if not points:
        return _svg(40, title, '<text x="8" y="24" class="empty">还没有数据</text>')
    top, bottom, left = 24, 30, 6
    plot = height - top - bottom
    peak = max(value for _, value in points) or 1
    step = (WIDTH - 2 * left) / len(points)
    bar = max(1.0, step * 0.7)
    label_every = max(1, round(len(points) / 5))  # "MM-DD" is about 45 units: five fit
    parts = [f'<line class="axis" x1="{left}" x2="{WIDTH - left}" y1="{top + plot}" y2="{top + plot}"/>']
    for index, (day, value) in enumerate(points):
        x = left + index * step + (step - bar) / 2
        h = plot * value / peak
        y = top + plot - h
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                     f'<title>{escape(day)}: {_number(value)}</title></rect>')
        if value and len(_number(value)) * GLYPH <= step + 2:
            parts.append(f'<text class="value" x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{_number(value)}</text>')
        if index % label_every == 0 or index == len(points) - 1:
            middle = min(max(x + bar / 2, DAY_LABEL / 2), WIDTH - DAY_LABEL / 2)  # the first and last stay whole
            parts.append(f'<text class="label" x="{middle:.1f}" y="{height - 8}" text-anchor="middle">{escape(day[5:])}</text>')
    return _svg(height, title, "".join(parts))


def bars(rows: list[tuple[str, float]], title: str, *, percent: bool = False, label_width: int = 110) -> str:
    """Labelled horizontal bars, in the order given; `percent` shows fractions (0.25) as 25%."""
    if not rows:
        return _svg(40, title, '<text x="8" y="24" class="empty">还没有数据</text>')
    row_height, gap = 26, 8
    height = len(rows) * (row_height + gap) + gap
    peak = 1.0 if percent else (max(value for _, value in rows) or 1)
    room = WIDTH - label_width - 50
    parts = []
    for index, (label, value) in enumerate(rows):
        y = gap + index * (row_height + gap)
        w = room * value / peak
        shown = f"{value:.0%}" if percent else _number(value)
        parts.append(f'<text class="label" x="{label_width - 8}" y="{y + row_height * 0.7:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y}" width="{w:.1f}" height="{row_height}"/>')
        parts.append(f'<text class="value" x="{label_width + w + 6:.1f}" y="{y + row_height * 0.7:.1f}">{shown}</text>')
    return _svg(height, title, "".join(parts))
