"""What every chart of a run's history shares, and the Runs page's comparison (Plotly, interactive).

The live view's own charts are drawn as SVG on the server (``ui/live_charts.py``); the
comparison keeps Plotly for zooming across runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from dcgan_core import ema_smooth

__all__ = [
    "CHART_CONFIG",
    "METRIC_LABELS",
    "G_COLOUR",
    "D_COLOUR",
    "REAL_COLOUR",
    "overlay_figure",
    "has_values",
    "epoch_axis",
    "finite_values",
    "smoothed",
]

#: Plotly options of every chart: no toolbar over the legend (zoom by dragging, double-click resets).
CHART_CONFIG = {"displayModeBar": False}
#: The words a person reads for each metric column.
METRIC_LABELS = {
    "g_loss": "Generator loss",
    "d_loss": "Discriminator loss",
    "swd": "Quality score (lower is better)",
    "d_acc_real": "Judge's accuracy on real images",
    "d_acc_fake": "Judge's accuracy on generated images",
    "images_per_sec": "Images per second",
    "kl": "Distance from the real curve (1-D toy)",
}
G_COLOUR = "#7c5cff"  # the generator, and generated images
D_COLOUR = "#ff8a5c"  # the discriminator (the judge)
REAL_COLOUR = "#3ccf91"  # real images, and the quality score
_PALETTE = (G_COLOUR, D_COLOUR, REAL_COLOUR, "#f5c542", "#4cb6ff", "#ff5c8a", "#b0b0c0")


def has_values(history: Mapping[str, Sequence[float]], key: str) -> bool:
    """True when ``history[key]`` holds at least one finite number."""
    return any(_finite(v) for v in history.get(key, ()) or ())


def _finite(value: float) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def finite_values(values: Sequence[object] | None) -> list[float | None]:
    """The values as floats, with ``None`` where one is missing or not a finite number (a gap)."""
    return [float(v) if _finite(v) else None for v in values or ()]  # type: ignore[arg-type]


def smoothed(values: Sequence[float | None], weight: float) -> list[float | None]:
    """``values`` smoothed with the app's moving average (:func:`dcgan_core.ema_smooth`); gaps stay gaps."""
    return finite_values(ema_smooth([math.nan if v is None else v for v in values], weight))


def epoch_axis(history: Mapping[str, Sequence[float]], key: str) -> list[float]:
    """The epoch of each value of ``history[key]`` (1, 2, ... when the history has no epochs)."""
    epochs = list(history.get("epoch", ()) or ())
    n = len(history.get(key, ()) or ())
    return epochs[:n] if len(epochs) >= n else list(range(1, n + 1))


def _layout(fig: go.Figure, title: str, y_title: str, height: int = 320) -> go.Figure:
    last_epoch = max(
        (
            max((x for x in trace.x if x is not None), default=0)
            for trace in fig.data
            if getattr(trace, "x", None) is not None and len(trace.x)
        ),
        default=0,
    )
    fig.update_xaxes(tickformat="d", dtick=1 if last_epoch <= 12 else None)
    fig.update_layout(
        title=dict(text=title, x=0.0, font=dict(size=15)),
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis_title="epoch",
        yaxis_title=y_title,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hovermode="x unified",
        template="plotly_dark",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def _add_curve(fig: go.Figure, x: list[float], y: Sequence[float], name: str, colour: str, smoothing: float) -> None:
    values = finite_values(y)
    if smoothing > 0:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=f"{name} (raw)",
                mode="lines",
                line=dict(color=colour, width=1),
                opacity=0.3,
                showlegend=False,
                hoverinfo="skip",
            )
        )
        values = smoothed(values, smoothing)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=values,
            name=name,
            mode="lines+markers" if len(x) < 30 else "lines",
            line=dict(color=colour, width=2.5),
        )
    )


def overlay_figure(
    histories: Mapping[str, Mapping[str, Sequence[float]]], key: str, smoothing: float = 0.0, title: str | None = None
) -> go.Figure:
    """One metric of several runs on one chart (legend = run label)."""
    fig = go.Figure()
    for i, (label, history) in enumerate(histories.items()):
        _add_curve(
            fig, epoch_axis(history, key), history.get(key, ()) or (), label, _PALETTE[i % len(_PALETTE)], smoothing
        )
    label = METRIC_LABELS.get(key, key)
    return _layout(fig, title or f"{label} across runs", label, height=380)
