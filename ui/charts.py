"""Plotly figures of training curves: losses, accuracies, SWD, run overlays, 1-D histograms."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from dcgan_core import ema_smooth

__all__ = [
    "CHART_CONFIG",
    "METRIC_LABELS",
    "loss_figure",
    "accuracy_figure",
    "swd_figure",
    "overlay_figure",
    "histogram_figure",
    "has_values",
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
_G_COLOUR = "#7c5cff"
_D_COLOUR = "#ff8a5c"
_PALETTE = ("#7c5cff", "#ff8a5c", "#3ccf91", "#f5c542", "#4cb6ff", "#ff5c8a", "#b0b0c0")


def has_values(history: Mapping[str, Sequence[float]], key: str) -> bool:
    """True when ``history[key]`` holds at least one finite number."""
    return any(_finite(v) for v in history.get(key, ()) or ())


def _finite(value: float) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _epochs(history: Mapping[str, Sequence[float]], key: str) -> list[float]:
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
    values = [float(v) if _finite(v) else None for v in y]
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
        smooth = ema_smooth([v if v is not None else math.nan for v in values], smoothing)
        values = [v if _finite(v) else None for v in smooth]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=values,
            name=name,
            mode="lines+markers" if len(x) < 30 else "lines",
            line=dict(color=colour, width=2.5),
        )
    )


def loss_figure(history: Mapping[str, Sequence[float]], smoothing: float = 0.0) -> go.Figure:
    """Generator and discriminator loss per epoch, optionally smoothed (raw kept faint)."""
    fig = go.Figure()
    for key, name, colour in (("g_loss", "Generator loss", _G_COLOUR), ("d_loss", "Discriminator loss", _D_COLOUR)):
        _add_curve(fig, _epochs(history, key), history.get(key, ()) or (), name, colour, smoothing)
    return _layout(fig, "Losses", "loss")


def accuracy_figure(history: Mapping[str, Sequence[float]]) -> go.Figure:
    """Discriminator accuracy on real and on generated images per epoch."""
    fig = go.Figure()
    for key, name, colour in (
        ("d_acc_real", "on real images", "#3ccf91"),
        ("d_acc_fake", "on generated images", _D_COLOUR),
    ):
        _add_curve(fig, _epochs(history, key), history.get(key, ()) or (), name, colour, 0.0)
    fig.add_hline(y=0.5, line_dash="dot", line_color="#888", annotation_text="coin flip")
    fig.update_yaxes(range=[0, 1.02])
    return _layout(fig, "Discriminator accuracy (how often the judge is right)", "accuracy")


def swd_figure(
    history: Mapping[str, Sequence[float]], key: str = "swd", title: str = "Quality score (lower is better)"
) -> go.Figure:
    """A quality number (SWD or KL) on the epochs where it was measured.

    With a single measurement the chart shows one marked point on a readable axis and
    says that a curve needs two.
    """
    xs = _epochs(history, key)
    points = [(x, float(v)) for x, v in zip(xs, history.get(key, ()) or ()) if _finite(v)]
    name = "quality score" if key == "swd" else "distance"
    fig = go.Figure(
        go.Scatter(
            x=[p[0] for p in points],
            y=[p[1] for p in points],
            name=name,
            mode="lines+markers",
            line=dict(color="#3ccf91", width=2.5),
            marker=dict(size=9),
        )
    )
    fig = _layout(fig, title, name)
    if len(points) == 1:
        x, y = points[0]
        fig.update_xaxes(range=[max(0.0, x - 1.5), x + 1.5])
        fig.update_yaxes(range=[0, y * 1.5 if y > 0 else 1.0])
        fig.add_annotation(
            text="One measurement so far: the curve needs two.",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.1,
            font=dict(color="#aaa"),
        )
    return fig


def overlay_figure(
    histories: Mapping[str, Mapping[str, Sequence[float]]], key: str, smoothing: float = 0.0, title: str | None = None
) -> go.Figure:
    """One metric of several runs on one chart (legend = run label)."""
    fig = go.Figure()
    for i, (label, history) in enumerate(histories.items()):
        _add_curve(
            fig, _epochs(history, key), history.get(key, ()) or (), label, _PALETTE[i % len(_PALETTE)], smoothing
        )
    label = METRIC_LABELS.get(key, key)
    return _layout(fig, title or f"{label} across runs", label, height=380)


def histogram_figure(histograms: Mapping[str, Sequence[float]]) -> go.Figure:
    """Real and generated densities of the 1-D toy: ``edges`` (n+1), ``real`` and ``fake`` (n)."""
    edges = [float(e) for e in histograms.get("edges", ())]
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
    width = (edges[1] - edges[0]) if len(edges) > 1 else 1.0
    fig = go.Figure()
    for key, name, colour in (("real", "real N(0, 1)", "#3ccf91"), ("fake", "generated", _G_COLOUR)):
        fig.add_trace(
            go.Bar(x=centres, y=list(histograms.get(key, ())), name=name, width=width, marker_color=colour, opacity=0.6)
        )
    fig.update_layout(barmode="overlay")
    fig = _layout(fig, "Real and generated densities", "density")
    fig.update_xaxes(title_text="value")
    return fig
