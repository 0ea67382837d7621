"""The Explore page's renderer: saved generators drawn from plain arguments, cached, and small views.

A :class:`Renderer` names one saved generator (run folder, epoch, and the class drawn for a
run that draws by class) and returns images, values, directions and download bytes for
the latents it is given; it reads no page state. The loaded generator lives in
``st.cache_resource`` (keyed by the run folder, the epoch and the file's modification
time, so a re-saved epoch reloads); every drawing lives in ``st.cache_data``. Nothing here
imports TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dcgan_core import (
    Sampler,
    encode_png,
    generator_epochs,
    image_png,
    interpolation_gif,
    make_grid,
    upscale,
    walk_gif,
)

__all__ = [
    "MAX_DIRECTIONS",
    "DISPLAY_PX",
    "Renderer",
    "stamp",
    "sampler",
    "display_png",
    "gaussian_figure",
    "newest_epoch",
]

MAX_DIRECTIONS = 10
DISPLAY_PX = 384


def stamp(run_dir: Path, epoch: int) -> float:
    """Modification time of the saved generator of ``epoch`` (0.0 when it is missing)."""
    try:
        return (Path(run_dir) / "generators" / f"epoch_{int(epoch):04d}.npz").stat().st_mtime
    except OSError:
        return 0.0


@st.cache_resource(show_spinner="Loading the generator…", max_entries=4)
def _sampler(run_dir: str, epoch: int, mtime: float) -> Any:
    return Sampler.from_run(Path(run_dir), epoch)


def sampler(run_dir: Path, epoch: int) -> Any:
    """The cached :class:`dcgan_core.Sampler` of a run at a saved epoch (DcganError when unusable)."""
    return _sampler(str(run_dir), int(epoch), stamp(run_dir, epoch))


def _drawer(run_dir: str, epoch: int, mtime: float, mix: tuple[float, ...] | None) -> Any:
    """The cached generator drawing the class ``mix`` (the generator itself without classes)."""
    base = _sampler(run_dir, epoch, mtime)
    return base if mix is None else base.for_class(np.asarray(mix, np.float32))


@st.cache_data(show_spinner=False, max_entries=32)
def _class_strip(
    run_dir: str, epoch: int, mtime: float, z: np.ndarray, first: str, second: str, frames: int
) -> np.ndarray:
    base = _sampler(run_dir, epoch, mtime)
    steps = np.linspace(0.0, 1.0, frames)
    return np.concatenate([base.for_class(base.class_mix(first, second, t)).images(z[None, :]) for t in steps])


@st.cache_data(show_spinner="Finding the main directions of this generator…", max_entries=16)
def _directions(run_dir: str, epoch: int, mtime: float, mix: tuple | None) -> tuple[np.ndarray, np.ndarray]:
    found = _drawer(run_dir, epoch, mtime, mix).discover_directions(MAX_DIRECTIONS)
    return np.asarray(found.vectors), np.asarray(found.explained_variance_ratio)


@st.cache_data(show_spinner=False, max_entries=256)
def _images(run_dir: str, epoch: int, mtime: float, mix: tuple | None, latents: np.ndarray) -> np.ndarray:
    return _drawer(run_dir, epoch, mtime, mix).images(latents)


@st.cache_data(show_spinner=False, max_entries=256)
def _values(run_dir: str, epoch: int, mtime: float, mix: tuple | None, latents: np.ndarray) -> np.ndarray:
    return _drawer(run_dir, epoch, mtime, mix).values(latents)


@st.cache_data(show_spinner="Drawing the animation…", max_entries=32)
def _gif(
    run_dir: str, epoch: int, mtime: float, mix: tuple | None, keys: np.ndarray, frames: int, method: str, factor: int
) -> bytes:
    return interpolation_gif(_drawer(run_dir, epoch, mtime, mix), keys, frames, method, upscale=factor)


@st.cache_data(show_spinner=False, max_entries=32)
def _export_png(run_dir: str, epoch: int, mtime: float, mix: tuple | None, latents: np.ndarray, factor: int) -> bytes:
    return image_png(_drawer(run_dir, epoch, mtime, mix).images(latents), factor)


@st.cache_data(show_spinner="Drawing the random walk…", max_entries=16)
def _walk(
    run_dir: str, epoch: int, mtime: float, mix: tuple | None, start: np.ndarray, seed: int, factor: int
) -> bytes:
    return walk_gif(_drawer(run_dir, epoch, mtime, mix), start, 32, 0.15, seed, upscale=factor)


@dataclass(frozen=True)
class Renderer:
    """Draws one saved generator (of a run, at an epoch, as a class): plain arguments in, results out.

    Every result is cached under what it depends on: the generator file (its modification
    time, so a re-saved epoch redraws), the class drawn and the arguments.
    """

    run_dir: Path
    epoch: int
    mix: tuple[float, ...] | None = None

    @property
    def _at(self) -> tuple[str, int, float, tuple[float, ...] | None]:
        return str(self.run_dir), int(self.epoch), stamp(self.run_dir, self.epoch), self.mix

    def directions(self) -> tuple[np.ndarray, np.ndarray]:
        """Discovered directions (k, dim) and their variance shares (k,), strongest first."""
        return _directions(*self._at)

    def images(self, latents: np.ndarray) -> np.ndarray:
        """uint8 (n, H, W, C) images of ``latents`` (one batched generator call, cached)."""
        return _images(*self._at, np.asarray(latents, np.float32))

    def values(self, latents: np.ndarray) -> np.ndarray:
        """float32 (n,) numbers of the 1-D toy for ``latents`` (cached)."""
        return _values(*self._at, np.asarray(latents, np.float32))

    def value_sample(self, n: int = 2000) -> np.ndarray:
        """Generated numbers of ``n`` fixed latents: the generator's distribution (1-D toy)."""
        return self.values(sampler(self.run_dir, self.epoch).sample_latents(n, seed=12345))

    def class_strip(self, z: np.ndarray, first: str, second: str, frames: int) -> np.ndarray:
        """uint8 (frames, H, W, C): one latent drawn as a blend going from class ``first`` to ``second``."""
        run_dir, epoch, mtime, _ = self._at
        return _class_strip(run_dir, epoch, mtime, np.asarray(z, np.float32), first, second, int(frames))

    def interpolation_gif(self, keys: np.ndarray, frames: int, method: str, factor: int) -> bytes:
        """GIF bytes of the interpolation through ``keys`` (cached)."""
        return _gif(*self._at, np.asarray(keys, np.float32), int(frames), method, int(factor))

    def export_png(self, latents: np.ndarray, factor: int) -> bytes:
        """PNG bytes of the images of ``latents`` enlarged ``factor`` times (cached).

        Downloads get their bytes up front, not from a callable: a deferred download is
        forgotten by Streamlit at the next rerun, so a click after one got "file not found".
        The buttons do not rerun the page either (``on_click="ignore"``): a rerun racing the
        browser's fetch of the file could drop it before it was read.
        """
        return _export_png(*self._at, np.asarray(latents, np.float32), int(factor))

    def walk_gif(self, start: np.ndarray, seed: int, factor: int) -> bytes:
        """GIF bytes of a 32-step seeded random walk from ``start`` (cached)."""
        return _walk(*self._at, np.asarray(start, np.float32), int(seed), int(factor))


def display_png(batch: np.ndarray, target: int = DISPLAY_PX, cols: int | None = None) -> bytes:
    """PNG of one image or a grid, enlarged with crisp pixels to at least ``target`` pixels.

    The enlargement rounds up, so a grid of 64x64 faces is drawn about as large as a grid
    of 28x28 digits (never smaller than ``target``), and every pixel stays a crisp square.
    """
    arr = np.asarray(batch)
    picture = arr[0] if arr.shape[0] == 1 else make_grid(arr, cols=cols)
    factor = max(1, -(-target // max(picture.shape[0], picture.shape[1])))
    return encode_png(upscale(picture, factor))


# ---- the 1-D toy ------------------------------------------------------------------------
def gaussian_figure(
    sample: np.ndarray, current: float, sweep: np.ndarray, sweep_values: np.ndarray, sweep_name: str
) -> go.Figure:
    """The real N(0, 1) density, the generator's histogram, the current value and a sweep."""
    xs = np.linspace(-4.0, 4.0, 241)
    fig = go.Figure()
    fig.add_trace(
        go.Histogram(
            x=sample, histnorm="probability density", nbinsx=60, name="generated", marker_color="#7c5cff", opacity=0.55
        )
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=np.exp(-(xs**2) / 2) / math.sqrt(2 * math.pi),
            name="real N(0, 1)",
            line=dict(color="#3ccf91", width=3),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=sweep_values,
            y=np.full(len(sweep_values), 0.02),
            mode="markers",
            name=f"moving along {sweep_name}",
            marker=dict(
                color=sweep, colorscale="Plasma", size=9, showscale=True, colorbar=dict(title="amount", thickness=10)
            ),
            hovertemplate="amount %{marker.color:.2f} → value %{x:.3f}<extra></extra>",
        )
    )
    fig.add_vline(
        x=float(current),
        line_color="#ff8a5c",
        line_width=3,
        annotation_text=f"current {float(current):.3f}",
        annotation_position="top",
    )
    fig.update_layout(
        height=380,
        template="plotly_dark",
        barmode="overlay",
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_title="generated value",
        yaxis_title="density",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    fig.update_xaxes(range=[-4.5, 4.5])
    return fig


def newest_epoch(run_dir: Path) -> int | None:
    """The newest saved generator epoch of a run (None when there is none)."""
    epochs = generator_epochs(run_dir)
    return epochs[-1] if epochs else None
