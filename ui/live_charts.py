"""The live view's charts, as SVG strings: losses, the judge's accuracy, quality, augmentation, 1-D densities.

Drawn on the server by :mod:`ui.svg_chart`, so the Train page loads no charting library
(see there for the measured difference).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ui.charts import D_COLOUR, G_COLOUR, REAL_COLOUR, epoch_axis, finite_values, smoothed
from ui.svg_chart import Guide, Series, svg_chart

__all__ = ["loss_chart", "accuracy_chart", "quality_chart", "histogram_chart"]

History = Mapping[str, Sequence[float]]


def _curves(history: History, key: str, name: str, colour: str, smoothing: float = 0.0) -> list[Series]:
    """A curve; with smoothing, the smoothed one over the raw one drawn faint."""
    x, values = epoch_axis(history, key), finite_values(history.get(key))
    if smoothing <= 0:
        return [Series(name, x, values, colour)]
    return [
        Series(f"{name} (raw)", x, values, colour, faint=True),
        Series(name, x, smoothed(values, smoothing), colour),
    ]


def loss_chart(history: History, smoothing: float = 0.0) -> str:
    """Generator and discriminator loss per epoch, optionally smoothed (the raw curves kept faint)."""
    series = _curves(history, "g_loss", "Generator", G_COLOUR, smoothing)
    series += _curves(history, "d_loss", "Discriminator", D_COLOUR, smoothing)
    return svg_chart(series, "Losses", "loss")


def accuracy_chart(history: History) -> str:
    """How often the judge is right, on real and on generated images, per epoch."""
    series = _curves(history, "d_acc_real", "on real images", REAL_COLOUR)
    series += _curves(history, "d_acc_fake", "on generated", D_COLOUR)
    return svg_chart(
        series,
        "Judge's accuracy (how often it is right)",
        "accuracy",
        y_range=(0.0, 1.02),
        guides=[Guide(0.5, "coin flip")],
    )


def quality_chart(history: History, key: str = "swd", title: str = "Quality score (lower is better)") -> str:
    """One number measured now and then (the quality score, a distance, a strength) on its epochs.

    With a single measurement the chart shows one marked point and says that a curve needs two.
    """
    name = {"swd": "quality score", "kl": "distance", "augment_p": "strength"}.get(key, key)
    series = _curves(history, key, name, REAL_COLOUR)
    note = "One measurement so far: the curve needs two." if len(series[0].points()) == 1 else ""
    return svg_chart(series, title, name, note=note)


def histogram_chart(histograms: Mapping[str, Sequence[float]]) -> str:
    """Real and generated densities of the 1-D toy: ``edges`` (n+1), ``real`` and ``fake`` (n)."""
    edges = [float(e) for e in histograms.get("edges", ())]
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
    series = [
        Series("real N(0, 1)", centres, finite_values(histograms.get("real")), REAL_COLOUR, bars=True),
        Series("generated", centres, finite_values(histograms.get("fake")), G_COLOUR, bars=True),
    ]
    return svg_chart(series, "Real and generated densities", "density", x_title="value", integer_x=False)
