"""Helpers of the Explore page: cached generators and previews, the latent state, small views.

The loaded generator of a run and epoch lives in ``st.cache_resource`` (keyed by the run
folder, the epoch and the file's modification time, so a re-saved epoch reloads); previews
and discovered directions live in ``st.cache_data``. The page's latent is a *base* latent
(``ex_base``: a seed's latent, or one the user adopted) moved along the direction sliders;
raw-dimension sliders edit the base itself. For a run that draws by class, every drawing
is of the class picked on the page (``ex_class``), which is part of each cache key; the
directions are discovered within that class. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
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
    latent_from_seed,
    make_grid,
    upscale,
    walk_gif,
)

__all__ = [
    "MAX_DIRECTIONS",
    "DISPLAY_PX",
    "stamp",
    "sampler",
    "directions",
    "images",
    "values",
    "value_sample",
    "interpolation_gif_cached",
    "export_png",
    "walk_gif_cached",
    "display_png",
    "set_base",
    "adopt",
    "zero_directions",
    "reset_context",
    "class_mix",
    "class_strip",
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


# ---- the class drawn (a run that draws by class) -----------------------------------------
def class_mix() -> tuple[float, ...] | None:
    """The class input the page draws: the chosen class as one-hot weights; None without classes."""
    names = st.session_state.get("ex_class_names") or ()
    chosen = st.session_state.get("ex_class")
    if not names or chosen not in names:
        return None
    return tuple(1.0 if name == chosen else 0.0 for name in names)


def _key(run_dir: Path, epoch: int) -> tuple:
    """Cache key of what a drawing depends on: the saved generator's file and the class drawn."""
    return stamp(run_dir, epoch), class_mix()


def _drawer(run_dir: str, epoch: int, key: tuple) -> Any:
    """The cached generator drawing the class of ``key`` (the generator itself without classes)."""
    base = _sampler(run_dir, epoch, key[0])
    return base if key[1] is None else base.for_class(np.asarray(key[1], np.float32))


@st.cache_data(show_spinner=False, max_entries=32)
def _class_strip(
    run_dir: str, epoch: int, mtime: float, z: np.ndarray, first: str, second: str, frames: int
) -> np.ndarray:
    base = _sampler(run_dir, epoch, mtime)
    steps = np.linspace(0.0, 1.0, frames)
    return np.concatenate([base.for_class(base.class_mix(first, second, t)).images(z[None, :]) for t in steps])


def class_strip(run_dir: Path, epoch: int, z: np.ndarray, first: str, second: str, frames: int) -> np.ndarray:
    """uint8 (frames, H, W, C): one latent drawn as a blend going from class ``first`` to ``second``."""
    return _class_strip(
        str(run_dir), int(epoch), stamp(run_dir, epoch), np.asarray(z, np.float32), first, second, int(frames)
    )


@st.cache_data(show_spinner="Finding the main directions of this generator…", max_entries=16)
def _directions(run_dir: str, epoch: int, key: tuple) -> tuple[np.ndarray, np.ndarray]:
    found = _drawer(run_dir, epoch, key).discover_directions(MAX_DIRECTIONS)
    return np.asarray(found.vectors), np.asarray(found.explained_variance_ratio)


def directions(run_dir: Path, epoch: int) -> tuple[np.ndarray, np.ndarray]:
    """Discovered directions (k, dim) and their variance shares (k,), strongest first."""
    return _directions(str(run_dir), int(epoch), _key(run_dir, epoch))


@st.cache_data(show_spinner=False, max_entries=256)
def _images(run_dir: str, epoch: int, key: tuple, latents: np.ndarray) -> np.ndarray:
    return _drawer(run_dir, epoch, key).images(latents)


def images(run_dir: Path, epoch: int, latents: np.ndarray) -> np.ndarray:
    """uint8 (n, H, W, C) images of ``latents`` (one batched generator call, cached)."""
    return _images(str(run_dir), int(epoch), _key(run_dir, epoch), np.asarray(latents, np.float32))


@st.cache_data(show_spinner=False, max_entries=256)
def _values(run_dir: str, epoch: int, key: tuple, latents: np.ndarray) -> np.ndarray:
    return _drawer(run_dir, epoch, key).values(latents)


def values(run_dir: Path, epoch: int, latents: np.ndarray) -> np.ndarray:
    """float32 (n,) numbers of the 1-D toy for ``latents`` (cached)."""
    return _values(str(run_dir), int(epoch), _key(run_dir, epoch), np.asarray(latents, np.float32))


def value_sample(run_dir: Path, epoch: int, n: int = 2000) -> np.ndarray:
    """Generated numbers of ``n`` fixed latents: the generator's distribution (1-D toy)."""
    return values(run_dir, epoch, sampler(run_dir, epoch).sample_latents(n, seed=12345))


@st.cache_data(show_spinner="Drawing the animation…", max_entries=32)
def _gif(run_dir: str, epoch: int, key: tuple, keys: np.ndarray, frames: int, method: str, factor: int) -> bytes:
    return interpolation_gif(_drawer(run_dir, epoch, key), keys, frames, method, upscale=factor)


def interpolation_gif_cached(
    run_dir: Path, epoch: int, keys: np.ndarray, frames: int, method: str, factor: int
) -> bytes:
    """GIF bytes of the interpolation through ``keys`` (cached)."""
    return _gif(
        str(run_dir), int(epoch), _key(run_dir, epoch), np.asarray(keys, np.float32), int(frames), method, int(factor)
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _export_png(run_dir: str, epoch: int, key: tuple, latents: np.ndarray, factor: int) -> bytes:
    return image_png(_drawer(run_dir, epoch, key).images(latents), factor)


def export_png(run_dir: Path, epoch: int, latents: np.ndarray, factor: int) -> bytes:
    """PNG bytes of the images of ``latents`` enlarged ``factor`` times (cached).

    Downloads get their bytes up front, not from a callable: a deferred download is
    forgotten by Streamlit at the next rerun, so a click after one got "file not found".
    The buttons do not rerun the page either (``on_click="ignore"``): a rerun racing the
    browser's fetch of the file could drop it before it was read.
    """
    return _export_png(str(run_dir), int(epoch), _key(run_dir, epoch), np.asarray(latents, np.float32), int(factor))


@st.cache_data(show_spinner="Drawing the random walk…", max_entries=16)
def _walk(run_dir: str, epoch: int, key: tuple, start: np.ndarray, seed: int, factor: int) -> bytes:
    return walk_gif(_drawer(run_dir, epoch, key), start, 32, 0.15, seed, upscale=factor)


def walk_gif_cached(run_dir: Path, epoch: int, start: np.ndarray, seed: int, factor: int) -> bytes:
    """GIF bytes of a 32-step seeded random walk from ``start`` (cached)."""
    return _walk(str(run_dir), int(epoch), _key(run_dir, epoch), np.asarray(start, np.float32), int(seed), int(factor))


def display_png(batch: np.ndarray, target: int = DISPLAY_PX, cols: int | None = None) -> bytes:
    """PNG of one image or a grid, enlarged with crisp pixels to at least ``target`` pixels.

    The enlargement rounds up, so a grid of 64x64 faces is drawn about as large as a grid
    of 28x28 digits (never smaller than ``target``), and every pixel stays a crisp square.
    """
    arr = np.asarray(batch)
    picture = arr[0] if arr.shape[0] == 1 else make_grid(arr, cols=cols)
    factor = max(1, -(-target // max(picture.shape[0], picture.shape[1])))
    return encode_png(upscale(picture, factor))


# ---- the latent state (used from widget callbacks, which run before the script) ---------
def zero_directions() -> None:
    """Put every direction slider back to 0."""
    for key in [k for k in st.session_state if str(k).startswith("ex_dir_")]:
        st.session_state[key] = 0.0


def set_base(z: np.ndarray, source: str) -> None:
    """Make ``z`` the base latent: direction sliders to 0, raw sliders follow it."""
    base = np.asarray(z, dtype=np.float32).copy()
    st.session_state["ex_base"] = base
    st.session_state["ex_source"] = source
    zero_directions()
    for key in [k for k in st.session_state if str(k).startswith("ex_dim_")]:
        index = int(str(key)[len("ex_dim_") :])
        if index < base.size:
            st.session_state[key] = float(np.clip(base[index], -4.0, 4.0))


def adopt(z: np.ndarray, source: str) -> None:
    """Callback of the "use this" buttons: the clicked latent becomes the current image."""
    set_base(z, source)


def reset_context(dim: int, distribution: str) -> None:
    """Forget a previous run's state and start from the seed in the seed box."""
    for key in [k for k in st.session_state if str(k).startswith(("ex_dir_", "ex_dim_", "ex_name_"))]:
        del st.session_state[key]
    for key in ("ex_variations", "ex_map", "ex_saved_dirs"):
        st.session_state.pop(key, None)
    seed = int(st.session_state.get("ex_seed", 0))
    set_base(latent_from_seed(seed, dim, distribution), f"seed {seed}")


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
