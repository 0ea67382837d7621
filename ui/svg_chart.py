"""Small charts drawn as inline SVG on the server: lines, markers, bars, a legend and hover values.

The live view draws its curves with this instead of Plotly. A browser draws SVG natively, so
a page that shows only these charts loads no charting library. ``bench/viewers.py`` on the
2-core machine that trains (40 s windows, the browser on the same cores): with Plotly's
script (several MB to parse in every new tab) the Train page showed whole with a run active
in 4.8-5.6 s; with these charts in 2.6-3.7 s (three runs), and three open tabs kept 0.90-0.93
of the training speed instead of 0.87-0.92.
A chart is at most some tens of kilobytes of text (a long curve is thinned to the extremes of
short stretches), built once per new epoch and shared by every viewer.

Hovering anywhere over the plot shows the values at that x (a native tooltip per column);
the legend shows each curve's latest value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "Guide", "svg_chart", "nice_ticks", "tick_label"]

WIDTH = 540  # the drawing's own units; the chart scales to the width of its column
_LEFT, _RIGHT, _TOP, _BOTTOM = 58, 12, 56, 42
_TEXT, _MUTED, _GRID = "#e6e6f0", "#9a9aae", "#2c3040"
_MARKERS_UNDER = 30  # points per curve under which each point gets a marker
_LEGEND_CHAR = 6.8  # about the width of one character of the 13-unit legend text
_LINE_POINTS = 600  # a longer curve is thinned to the lowest and highest value of each stretch
_HOVER_COLUMNS = 240  # at most this many hover columns (tooltips), however long the run


@dataclass(frozen=True)
class Series:
    """One curve (or set of bars).

    Attributes:
        name: Shown in the legend and the tooltips.
        x: Positions (epochs, or values for a histogram).
        y: Values; ``None`` or a non-finite number leaves a gap (``ui.charts.finite_values`` makes
            these from a run's history).
        colour: A CSS colour.
        faint: Drawn thin and translucent, left out of the legend and tooltips (the raw curve
            behind a smoothed one).
        bars: Drawn as bars centred on each x, as wide as the x spacing (a histogram).
    """

    name: str
    x: Sequence[float]
    y: Sequence[float | None]
    colour: str
    faint: bool = False
    bars: bool = False

    def points(self) -> list[tuple[float, float]]:
        """The finite (x, y) pairs."""
        return [(float(x), float(y)) for x, y in zip(self.x, self.y) if _finite(x) and _finite(y)]


@dataclass(frozen=True)
class Guide:
    """A dotted horizontal reference line with a label (e.g. 0.5, "coin flip")."""

    y: float
    label: str


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def nice_ticks(low: float, high: float, count: int = 5, integer: bool = False) -> list[float]:
    """About ``count`` intervals' worth of round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) in [low, high]."""
    if not (_finite(low) and _finite(high)) or high <= low:
        return [low] if _finite(low) else []
    power = 10 ** math.floor(math.log10((high - low) / max(1, count)))
    steps = [m * p for p in (power, power * 10) for m in (1, 2, 2.5, 5)]
    if integer:
        steps = [s for s in steps if s >= 1 and float(s).is_integer()] or [1.0]
    step = min(steps, key=lambda s: abs((high - low) / s - count))  # the one closest to ``count`` intervals
    first = math.ceil(low / step - 1e-9) * step
    ticks, value = [], first
    while value <= high + step * 1e-9 and len(ticks) < 50:
        ticks.append(float(round(value, 12)))
        value += step
    return ticks


def tick_label(value: float, step: float) -> str:
    """``value`` with as many decimals as the tick step needs (``1,200``, ``7.5``, ``0.25``)."""
    decimals = next((d for d in range(7) if abs(round(step, d) - step) <= abs(step) * 1e-6), 6)
    text = f"{value:,.{decimals}f}"
    return text.lstrip("-") if text.strip("-0.,") == "" else text  # no "-0"


def _value_text(value: float) -> str:
    """A value for the legend and tooltips: three significant digits, thousands separated."""
    if value == 0 or not _finite(value):
        return f"{value:g}"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, 2 - magnitude)
    return f"{value:,.{decimals}f}"


def _span(values: list[float], fixed: tuple[float, float] | None, pad: float) -> tuple[float, float]:
    if fixed is not None:
        return fixed
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if high == low:
        half = abs(low) * 0.5 or 1.0
        return low - half, high + half
    margin = (high - low) * pad
    return low - margin, high + margin


def _thin(xs: Sequence[float], ys: Sequence[float | None], limit: int = _LINE_POINTS) -> tuple[list, list]:
    """At most about ``limit`` points of a long curve: per stretch its lowest and highest value in
    their order, so the noise band looks as it does in full; a stretch with a missing value keeps the gap."""
    if len(xs) <= limit:
        return list(xs), list(ys)
    size = math.ceil(len(xs) / (limit // 2))
    out_x: list = []
    out_y: list = []
    for start in range(0, len(xs), size):
        chunk = list(zip(xs[start : start + size], ys[start : start + size]))
        finite = [(x, y) for x, y in chunk if _finite(x) and _finite(y)]
        if finite:
            low, high = min(finite, key=lambda p: float(p[1])), max(finite, key=lambda p: float(p[1]))
            for x, y in sorted({low, high}, key=lambda p: float(p[0])):
                out_x.append(x)
                out_y.append(y)
        if len(finite) < len(chunk):
            out_x.append(chunk[-1][0])
            out_y.append(None)  # the curve breaks here
    return out_x, out_y


def _path(xs: Sequence[float], ys: Sequence[float | None], sx, sy) -> str:
    """An SVG path through the points, broken where a value is missing."""
    parts, pen_down = [], False
    for x, y in zip(*_thin(xs, ys)):
        if not (_finite(x) and _finite(y)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{sx(float(x)):.1f} {sy(float(y)):.1f}")
        pen_down = True
    return "".join(parts)


def svg_chart(
    series: Sequence[Series],
    title: str,
    y_title: str,
    x_title: str = "epoch",
    y_range: tuple[float, float] | None = None,
    guides: Sequence[Guide] = (),
    note: str = "",
    integer_x: bool = True,
    height: int = 280,
) -> str:
    """The chart as an ``<svg>`` element (a string) that scales to the width of its container.

    Args:
        series: The curves, drawn in order (faint ones first is the caller's choice).
        title: Shown top left, and read out by screen readers.
        y_title: The vertical axis' title.
        x_title: The horizontal axis' title.
        y_range: A fixed vertical range; ``None`` fits the data (and the guides).
        guides: Horizontal reference lines.
        note: A line of text in the plot (e.g. why a curve is a single point).
        integer_x: Ticks on whole numbers only (epochs).
        height: The drawing's height in its own units (the width is :data:`WIDTH`).
    """
    all_points = [p for s in series for p in s.points()]
    xs = sorted({x for x, _ in all_points})
    x_low, x_high = (xs[0], xs[-1]) if xs else (0.0, 1.0)
    bar_half = 0.0
    if any(s.bars for s in series) and len(xs) > 1:
        bar_half = min(b - a for a, b in zip(xs, xs[1:])) / 2
        x_low, x_high = x_low - bar_half, x_high + bar_half
    elif x_high == x_low:
        x_low, x_high = max(0.0, x_low - 1.5) if integer_x else x_low - 1.5, x_high + 1.5
    y_values = [y for _, y in all_points] + [g.y for g in guides]
    if any(s.bars for s in series):
        y_values.append(0.0)
    y_low, y_high = _span(y_values, y_range, 0.06)
    if len(all_points) == 1 and y_range is None and all_points[0][1] > 0:
        y_low = 0.0  # a single positive measurement: an axis from zero, the point two thirds up

    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def sx(x: float) -> float:
        return _LEFT + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return _TOP + (1 - (y - y_low) / (y_high - y_low)) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" style="display:block;max-width:100%;font-family:sans-serif">',
        f'<text x="2" y="20" fill="{_TEXT}" font-size="16" font-weight="600">{escape(title)}</text>',
    ]
    out += _axes(x_low, x_high, y_low, y_high, sx, sy, plot_w, plot_h, height, x_title, y_title, integer_x)
    for guide in guides:
        y = sy(guide.y)
        out.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_MUTED}" '
            'stroke-dasharray="3 4"/>'
            f'<text x="{_LEFT + plot_w - 4}" y="{y - 5:.1f}" fill="{_MUTED}" font-size="12" '
            f'text-anchor="end">{escape(guide.label)}</text>'
        )
    for s in series:
        out += _draw(s, sx, sy, bar_half)
    if note:
        out.append(
            f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_TOP + plot_h - 14:.1f}" fill="{_MUTED}" font-size="13" '
            f'text-anchor="middle">{escape(note)}</text>'
        )
    out += _legend(series)
    out += _hover(series, xs, sx, plot_h, x_title)
    out.append("</svg>")
    return "".join(out)


def _axes(x_low, x_high, y_low, y_high, sx, sy, plot_w, plot_h, height, x_title, y_title, integer_x) -> list[str]:
    out = []
    y_ticks = nice_ticks(y_low, y_high)
    y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1.0
    for tick in y_ticks:
        y = sy(tick)
        out.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}"/>'
            f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" fill="{_MUTED}" font-size="12" text-anchor="end">'
            f"{tick_label(tick, y_step)}</text>"
        )
    x_ticks = nice_ticks(x_low, x_high, count=8, integer=integer_x)
    x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else 1.0
    base = _TOP + plot_h
    for tick in x_ticks:
        x = sx(tick)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 5}" stroke="{_MUTED}"/>'
            f'<text x="{x:.1f}" y="{base + 19}" fill="{_MUTED}" font-size="12" text-anchor="middle">'
            f"{tick_label(tick, x_step)}</text>"
        )
    out.append(f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{base}" y2="{base}" stroke="{_MUTED}"/>')
    out.append(
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{height - 4}" fill="{_MUTED}" font-size="13" '
        f'text-anchor="middle">{escape(x_title)}</text>'
        f'<text transform="translate(14 {_TOP + plot_h / 2:.1f}) rotate(-90)" fill="{_MUTED}" font-size="13" '
        f'text-anchor="middle">{escape(y_title)}</text>'
    )
    return out


def _draw(s: Series, sx, sy, bar_half: float) -> list[str]:
    points = s.points()
    colour = escape(s.colour)
    if s.bars:
        base = sy(0.0)
        return [
            f'<rect x="{sx(x - bar_half):.1f}" y="{min(sy(y), base):.1f}" width="{sx(x + bar_half) - sx(x - bar_half):.1f}" '
            f'height="{abs(base - sy(y)):.1f}" fill="{colour}" fill-opacity="0.55"/>'
            for x, y in points
        ]
    width, opacity = (1.2, 0.35) if s.faint else (2.5, 1.0)
    out = [
        f'<path d="{_path(s.x, s.y, sx, sy)}" fill="none" stroke="{colour}" stroke-width="{width}" '
        f'stroke-opacity="{opacity}" stroke-linejoin="round"/>'
    ]
    if not s.faint and len(points) < _MARKERS_UNDER:
        radius = 5 if len(points) == 1 else 3.5
        out += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{radius}" fill="{colour}"/>' for x, y in points]
    return out


def _legend(series: Sequence[Series]) -> list[str]:
    """Right-aligned entries under the title: a swatch, the name and the latest value."""
    entries = []
    for s in series:
        if s.faint:
            continue
        points = s.points()
        label = s.name if s.bars or not points else f"{s.name} {_value_text(points[-1][1])}"
        entries.append((label, s.colour))
    out, right = [], WIDTH - _RIGHT
    for label, colour in reversed(entries):
        out.append(
            f'<text x="{right:.1f}" y="{_TOP - 14}" fill="{_TEXT}" font-size="13" text-anchor="end">'
            f'<tspan fill="{escape(colour)}">\u25a0</tspan> {escape(label)}</text>'
        )
        right -= _LEGEND_CHAR * (len(label) + 2) + 22
    return out


def _hover(series: Sequence[Series], xs: list[float], sx, plot_h: float, x_title: str) -> list[str]:
    """Invisible columns, one per x (grouped when there are many), whose tooltip lists the values there."""
    shown = [s for s in series if not s.faint]
    if not xs or not shown:
        return []
    lookup = [{float(x): float(y) for x, y in s.points()} for s in shown]
    group = max(1, math.ceil(len(xs) / _HOVER_COLUMNS))
    columns = [xs[i : i + group] for i in range(0, len(xs), group)]
    edges = [sx(xs[0]) - (sx(xs[1]) - sx(xs[0])) / 2 if len(xs) > 1 else _LEFT]
    for before, after in zip(columns, columns[1:]):
        edges.append((sx(before[-1]) + sx(after[0])) / 2)
    edges.append(sx(xs[-1]) + (sx(xs[-1]) - sx(xs[-2])) / 2 if len(xs) > 1 else WIDTH - _RIGHT)
    out = ['<g fill="#fff" fill-opacity="0">']  # invisible, yet they catch the pointer
    for column, left, right in zip(columns, edges, edges[1:]):
        x = column[-1]
        lines = [f"{x_title} {x:g}" if float(x).is_integer() else f"{x_title} {_value_text(x)}"]
        lines += [f"{s.name}: {_value_text(values[x])}" for s, values in zip(shown, lookup) if x in values]
        left, right = max(_LEFT, left), min(WIDTH - _RIGHT, right)
        out.append(
            f'<rect x="{left:.1f}" y="{_TOP}" width="{max(1.0, right - left):.1f}" height="{plot_h:.1f}">'
            f"<title>{'&#10;'.join(escape(line) for line in lines)}</title></rect>"
        )
    out.append("</g>")
    return out
