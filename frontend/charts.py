"""Charts as inline SVG, drawn on the server: no JavaScript library, no CDN, print-friendly.

Each function returns safe markup with a `viewBox` and `width="100%"`, so a chart scales from a
phone to a wall screen; colours come from CSS classes (`frontend/static/insights/insights.css`).
Every text is escaped; bars can link to the cases behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass
class Series:
    name: str
    values: Sequence[float]
    css: str = "s1"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 5 × 10^k)."""
    if value <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str) -> SafeString:
    """Lines over time (e.g. cases received and replied per day), with a legend."""
    width, height, left, right, top, bottom = 640, 280, 48, 28, 16, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    top_value = _nice_max(max([v for s in series for v in s.values] or [0]))

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [
        f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        value = top_value * k / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text class="axis" x="{left - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{_fmt(value)}</text>'
        )
    step = max(1, round(n / 8))
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text class="axis" x="{x(i):.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<polyline class="line {escape(s.css)}" points="{points}"/>')
        for i, v in enumerate(s.values):
            parts.append(
                f'<circle class="dot {escape(s.css)}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5">'
                f"<title>{escape(labels[i] if i < len(labels) else '')}: "
                f"{escape(s.name)} {_fmt(v)}</title></circle>"
            )
    for k, s in enumerate(series):
        lx = left + k * 150
        parts.append(
            f'<rect class="key {escape(s.css)}" x="{lx}" y="{height - 16}" width="12" height="12"/>'
            f'<text class="legend" x="{lx + 18}" y="{height - 6}">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    items: Sequence[tuple[str, float, str | None]], *, title: str, percent: bool = False
) -> SafeString:
    """Horizontal bars (label, value, link or None), largest scale at the longest bar.

    Horizontal bars keep long Chinese labels readable on a narrow phone screen.
    """
    row_h, label_w, width, value_w = 26, 120, 420, 52
    height = max(row_h * len(items), row_h) + 8
    top_value = 1.0 if percent else _nice_max(max([v for _l, v, _h in items] or [0]))
    bar_w = width - label_w - value_w
    parts = [
        f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value, href) in enumerate(items):
        y = 4 + i * row_h
        length = bar_w * (value / top_value if top_value else 0)
        shown = f"{value * 100:.1f}%" if percent else _fmt(value)
        short = label if len(label) <= 8 else label[:7] + "…"
        bar = (
            f'<text class="label" x="{label_w - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(short)}<title>{escape(label)}</title></text>"
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}"/>'
            f'<text class="value" x="{label_w + length + 6:.1f}" y="{y + 17}">{shown}</text>'
        )
        if href:
            bar = format_html('<a href="{}">{}</a>', href, mark_safe(bar))  # noqa: S308
        parts.append(bar)
    if not items:
        parts.append(f'<text class="axis" x="{label_w}" y="18">–</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def lorenz_chart(points: Sequence[tuple[float, float]], *, title: str) -> SafeString:
    """The Lorenz curve against the line of equality, on a square."""
    size, pad = 300, 36
    plot = size - 2 * pad

    def px(v: float) -> float:
        return pad + plot * v

    def py(v: float) -> float:
        return size - pad - plot * v

    curve = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in points)
    area = f"{px(0):.1f},{py(0):.1f} {curve} {px(1):.1f},{py(0):.1f}"
    parts = [
        f'<svg class="chart lorenz" viewBox="0 0 {size} {size}" width="100%" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect class="frame" x="{pad}" y="{pad}" width="{plot}" height="{plot}"/>',
        f'<polygon class="gap" points="{px(0)},{py(0)} {px(1)},{py(1)} {curve}"/>',
        f'<polygon class="under" points="{area}"/>',
        f'<line class="equality" x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}"/>',
        f'<polyline class="line s1" points="{curve}"/>',
    ]
    for v in (0, 0.5, 1):
        parts.append(
            f'<text class="axis" x="{px(v):.1f}" y="{size - pad + 16}" text-anchor="middle">'
            f"{v:.0%}</text>"
            f'<text class="axis" x="{pad - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.0%}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
