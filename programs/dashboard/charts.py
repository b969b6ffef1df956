"""Charts drawn on the server as inline SVG: nothing to load from elsewhere, readable without
JavaScript, printable. Every text that comes from data is escaped."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 68
AXIS = HEIGHT - BOTTOM


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    css: str  # a class name: colours live in the style sheet


def _x(value: float, x_max: float) -> float:
    """Week w is drawn in the middle of its slot: slots 1 to x_max fill the width."""
    return LEFT + (value - 0.5) / max(x_max, 1) * (WIDTH - LEFT - RIGHT)


def _y(value: float, y_max: float) -> float:
    return TOP + (1 - value / y_max) * (HEIGHT - TOP - BOTTOM)


def _frame(x_max: int, y_max: float, y_ticks: Sequence[float], y_format, x_title: str) -> list[str]:
    parts = []
    for tick in y_ticks:
        y = _y(tick, y_max)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(y_format(tick))}</text>"
        )
    for week in range(1, x_max + 1):
        x = _x(week, x_max)
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{week}</text>"
        )
    parts.append(
        f'<text class="axis-title" x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{AXIS + 32}" '
        f'text-anchor="middle">{escape(x_title)}</text>'
    )
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
        f'y2="{HEIGHT - BOTTOM}"/>'
    )
    return parts


def line_chart(
    *, series: Sequence[Series], x_max: int, y_max: float, title: str, x_title: str, css: str
) -> SafeString:
    """Lines over programme weeks (x from 1 to ``x_max``), y from 0 to ``y_max``."""
    parts = [
        f'<svg class="chart {escape(css)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        *_frame(x_max, y_max, range(0, int(y_max) + 1, 2), str, x_title),
    ]
    legend_x = LEFT
    for item in series:
        points = [(x, y) for x, y in item.points if y is not None]
        if points:
            path = " ".join(f"{_x(x, x_max):.1f},{_y(y, y_max):.1f}" for x, y in points)
            parts.append(f'<polyline class="line {escape(item.css)}" points="{path}"/>')
            for x, y in points:
                parts.append(
                    f'<circle class="dot {escape(item.css)}" cx="{_x(x, x_max):.1f}" '
                    f'cy="{_y(y, y_max):.1f}" r="3"><title>{escape(item.label)}: {y:g}</title>'
                    "</circle>"
                )
        parts.append(
            f'<rect class="swatch {escape(item.css)}" x="{legend_x}" y="{AXIS + 42}" '
            'width="10" height="10"/>'
        )
        label = escape(item.label)
        parts.append(f'<text class="legend" x="{legend_x + 14}" y="{AXIS + 51}">{label}</text>')
        legend_x += 24 + 7 * len(item.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data-derived text above is escaped


def bar_chart(
    *,
    bars: Sequence[tuple[int, float | None]],
    x_max: int,
    threshold: float,
    title: str,
    x_title: str,
    css: str,
) -> SafeString:
    """Bars per programme week of a share from 0 to 1 (adherence), with the threshold line."""
    parts = [
        f'<svg class="chart {escape(css)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        *_frame(x_max, 1.0, (0, 0.25, 0.5, 0.75, 1.0), lambda t: f"{t:.0%}", x_title),
    ]
    width = (WIDTH - LEFT - RIGHT) / max(x_max, 1) * 0.6
    for week, share in bars:
        if share is None:
            continue
        x = _x(week, x_max) - width / 2
        top = _y(share, 1.0)
        state = "good" if share >= threshold else "low"
        parts.append(
            f'<rect class="bar {state}" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
            f'height="{HEIGHT - BOTTOM - top:.1f}"><title>{week}: {share:.0%}</title></rect>'
        )
    y = _y(threshold, 1.0)
    parts.append(
        f'<line class="threshold" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data-derived text above is escaped
