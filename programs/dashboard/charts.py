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
    # Line style as SVG attributes, so lines that meet stay told apart (also in print and
    # without the style sheet): width, dash pattern ("" for solid) and the marker's shape.
    width: float = 2
    dash: str = ""
    marker: str = "circle"  # or "square"


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


def _marker(item: Series, x: float, y: float, title: str = "") -> str:
    """A point of the series, a circle or a square; ``title`` (escaped here) names it."""
    label = f"<title>{escape(title)}</title>" if title else ""
    css = f"dot {escape(item.css)}"
    if item.marker == "square":
        square = f'x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8"'
        return f'<rect class="{css}" {square}>{label}</rect>'
    return f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="3">{label}</circle>'


def _stroke(item: Series) -> str:
    dash = f' stroke-dasharray="{escape(item.dash)}"' if item.dash else ""
    return f'stroke-width="{item.width:g}"{dash}'


def line_chart(
    *, series: Sequence[Series], x_max: int, y_max: float, title: str, x_title: str, css: str
) -> SafeString:
    """Lines over programme weeks (x from 1 to ``x_max``), y from 0 to ``y_max``. Series are
    drawn in the order given, so the last one lies on top where lines meet."""
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
            parts.append(
                f'<polyline class="line {escape(item.css)}" {_stroke(item)} points="{path}"/>'
            )
            parts.extend(
                _marker(item, _x(x, x_max), _y(y, y_max), f"{item.label}: {y:g}") for x, y in points
            )
        y = AXIS + 47
        parts.append(
            f'<line class="swatch line {escape(item.css)}" {_stroke(item)} x1="{legend_x}" '
            f'y1="{y}" x2="{legend_x + 22}" y2="{y}"/>'
        )
        parts.append(_marker(item, legend_x + 11, y))
        label = escape(item.label)
        parts.append(f'<text class="legend" x="{legend_x + 28}" y="{AXIS + 51}">{label}</text>')
        legend_x += 40 + 7 * len(item.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data-derived text above is escaped


@dataclass(frozen=True)
class CurrentWeek:
    """The running week, drawn apart: its sessions done so far of those planned."""

    week: int
    done: int
    planned: int
    due: int
    label: str  # e.g. "this week: 1 of 2 planned sessions done"


def bar_chart(
    *,
    bars: Sequence[tuple[int, float | None]],
    x_max: int,
    threshold: float,
    title: str,
    x_title: str,
    css: str,
    current: CurrentWeek | None = None,
) -> SafeString:
    """Bars per programme week of a share from 0 to 1 (adherence), with the threshold line.
    The running week (``current``) is drawn as an outline of its planned sessions filled
    with those done so far, not judged against the threshold while it runs."""
    parts = [
        f'<svg class="chart {escape(css)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        *_frame(x_max, 1.0, (0, 0.25, 0.5, 0.75, 1.0), lambda t: f"{t:.0%}", x_title),
    ]
    width = (WIDTH - LEFT - RIGHT) / max(x_max, 1) * 0.6
    for week, share in bars:
        if share is None or (current is not None and week == current.week):
            continue
        x = _x(week, x_max) - width / 2
        top = _y(share, 1.0)
        state = "good" if share >= threshold else "low"
        parts.append(
            f'<rect class="bar {state}" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
            f'height="{HEIGHT - BOTTOM - top:.1f}"><title>{week}: {share:.0%}</title></rect>'
        )
    if current is not None and current.planned:
        x = _x(current.week, x_max) - width / 2
        full = _y(1.0, 1.0)
        top = _y(current.done / current.planned, 1.0)
        label = escape(current.label)
        parts.append(
            f'<rect class="bar-planned" x="{x:.1f}" y="{full:.1f}" width="{width:.1f}" '
            f'height="{HEIGHT - BOTTOM - full:.1f}" fill="none" stroke-dasharray="4 3">'
            f"<title>{label}</title></rect>"
        )
        parts.append(
            f'<rect class="bar current" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
            f'height="{HEIGHT - BOTTOM - top:.1f}"><title>{label}</title></rect>'
        )
        parts.append(
            f'<text class="tick current-label" x="{x + width / 2:.1f}" y="{full - 4:.1f}" '
            f'text-anchor="middle">{current.done}/{current.planned}</text>'
        )
    y = _y(threshold, 1.0)
    parts.append(
        f'<line class="threshold" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data-derived text above is escaped
