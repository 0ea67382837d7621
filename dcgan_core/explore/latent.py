"""Latent maths in numpy: seeds, per-dimension edits, interpolations, walks and truncation.

Latents cross the API as float32 arrays: one latent is (dim,), a batch is (n, dim).
Seeds: :func:`latent_from_seed` draws one latent from ``np.random.default_rng(seed)``, and
row ``i`` of :func:`sample_latents` with base seed ``s`` is exactly the latent of seed
``s + i``, whatever the batch size, so "seed 42" is the same image everywhere.

Discovered directions live in :mod:`dcgan_core.explore.directions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dcgan_core.settings.choices import LATENT_DISTRIBUTIONS
from dcgan_core.errors import ExplorationError

__all__ = [
    "latent_from_seed",
    "sample_latents",
    "lerp",
    "slerp",
    "interpolate",
    "random_walk",
    "scale_toward_mean",
    "vector_arithmetic",
    "edit_dimensions",
]


def _array(name: str, value: object, ndim: int, dim: int | None = None, dtype: type = np.float64) -> np.ndarray:
    arr = np.asarray(value, dtype=dtype)
    if arr.ndim != ndim:
        shape = "(dim,)" if ndim == 1 else "(n, dim)"
        raise ExplorationError(f"{name} must be shaped {shape}; got shape {arr.shape}.")
    if dim is not None and arr.shape[-1] != dim:
        raise ExplorationError(f"{name} has {arr.shape[-1]} values per latent, expected {dim}.")
    if not np.all(np.isfinite(arr)):
        raise ExplorationError(f"{name} contains NaN or infinite values.")
    return arr


def _same_size(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ExplorationError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match.")


def latent_from_seed(seed: int, dim: int, distribution: str = "normal") -> np.ndarray:
    """The latent of one seed: float32 (dim,), N(0, 1) or U(-1, 1) per value."""
    if distribution not in LATENT_DISTRIBUTIONS:
        raise ExplorationError(f"distribution must be one of {LATENT_DISTRIBUTIONS}; got {distribution!r}.")
    if int(dim) < 1:
        raise ExplorationError(f"latent size must be at least 1; got {dim}.")
    if int(seed) < 0:
        raise ExplorationError(f"seeds are whole numbers from 0; got {seed}.")
    rng = np.random.default_rng(int(seed))
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, int(dim)).astype(np.float32)
    return rng.standard_normal(int(dim)).astype(np.float32)


def sample_latents(n: int, dim: int, seed: int, distribution: str = "normal") -> np.ndarray:
    """float32 (n, dim) latents of seeds ``seed, seed + 1, ..., seed + n - 1``."""
    if int(n) < 0:
        raise ExplorationError(f"number of latents must be at least 0; got {n}.")
    out = np.empty((int(n), int(dim)), dtype=np.float32)
    for i in range(int(n)):
        out[i] = latent_from_seed(int(seed) + i, dim, distribution)
    return out


def _t_values(t: float | Sequence[float] | np.ndarray, ndim: int) -> np.ndarray:
    """t as a scalar, or a list of t reshaped to broadcast against a latent of ``ndim`` axes."""
    arr = np.asarray(t, dtype=np.float64)
    if arr.ndim > 1:
        raise ExplorationError(f"t must be a number or a list of numbers; got shape {arr.shape}.")
    return arr.reshape(arr.shape + (1,) * ndim)


def lerp(a: np.ndarray, b: np.ndarray, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """Linear interpolation ``a + t (b - a)``: shape of ``a``, or (len(t), ...) for a list of t."""
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    _same_size("a", a64, "b", b64)
    tt = _t_values(t, a64.ndim)
    return (a64 + tt * (b64 - a64)).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """Spherical interpolation along the last axis (White 2016); lerp where a and b are (anti)parallel.

    ``t = 0`` gives ``a`` and ``t = 1`` gives ``b``; between two equal-norm vectors the norm is kept.
    """
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    _same_size("a", a64, "b", b64)
    tt = _t_values(t, a64.ndim)
    na = np.linalg.norm(a64, axis=-1, keepdims=True)
    nb = np.linalg.norm(b64, axis=-1, keepdims=True)
    cos = np.sum(a64 * b64, axis=-1, keepdims=True) / np.maximum(na * nb, 1e-300)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    so = np.sin(omega)
    flat = (so < 1e-6) | (na < 1e-12) | (nb < 1e-12)
    safe = np.where(flat, 1.0, so)
    wa = np.where(flat, 1.0 - tt, np.sin((1.0 - tt) * omega) / safe)
    wb = np.where(flat, tt, np.sin(tt * omega) / safe)
    return (wa * a64 + wb * b64).astype(np.float32)


def interpolate(points: np.ndarray, frames: int, method: str = "lerp", loop: bool = False) -> np.ndarray:
    """A path through keyframes: float32 (frames, dim) that passes exactly through every keyframe.

    Keyframe ``j`` sits at frame ``round(j * (frames - 1) / (k - 1))`` (with ``loop``, at
    ``round(j * frames / k)`` and the path returns towards the first keyframe at the end).

    Args:
        points: (k, dim) keyframes, k >= 2.
        frames: Number of frames, at least k.
        method: ``"lerp"`` or ``"slerp"``.
        loop: Close the path from the last keyframe back to the first.
    """
    keys = _array("keyframes", points, 2)
    k = keys.shape[0]
    if k < 2:
        raise ExplorationError(f"an interpolation needs at least 2 keyframes; got {k}.")
    if method not in ("lerp", "slerp"):
        raise ExplorationError(f"method must be 'lerp' or 'slerp'; got {method!r}.")
    if int(frames) < k:
        raise ExplorationError(f"{frames} frames cannot show {k} keyframes; use at least {k}.")
    frames = int(frames)
    if loop:
        keys = np.concatenate([keys, keys[:1]])
        marks = np.rint(np.linspace(0, frames, k + 1)).astype(int)
    else:
        marks = np.rint(np.linspace(0, frames - 1, k)).astype(int)
    step = slerp if method == "slerp" else lerp
    out = np.empty((frames, keys.shape[1]), dtype=np.float32)
    for s in range(len(marks) - 1):
        last = marks[s + 1] + (1 if not loop and s == len(marks) - 2 else 0)
        idx = np.arange(marks[s], min(last, frames))
        out[idx] = step(keys[s], keys[s + 1], (idx - marks[s]) / (marks[s + 1] - marks[s]))
    return out


def random_walk(start: np.ndarray, steps: int, step_size: float, seed: int, distribution: str = "normal") -> np.ndarray:
    """A seeded random walk: float32 (steps, dim), row 0 is ``start``.

    For normal latents each step is ``z' = sqrt(1 - s^2) z + s e`` with e ~ N(0, I): it keeps
    N(0, I) as is, so the walk stays on the typical shell (norm ~ sqrt(dim)) and moves about
    ``s * sqrt(dim)`` per step. For uniform latents, ``z' = z + s u`` with u ~ U(-1, 1),
    reflected back into [-1, 1].

    Args:
        start: (dim,) first latent.
        steps: Number of rows returned (>= 1).
        step_size: s in (0, 1], the share of a typical latent's length moved per step.
        seed: Seed of the walk.
        distribution: ``"normal"`` or ``"uniform"``.
    """
    z = _array("start", start, 1)
    if int(steps) < 1:
        raise ExplorationError(f"a walk needs at least 1 step; got {steps}.")
    if not 0.0 < float(step_size) <= 1.0:
        raise ExplorationError(f"step_size must be in (0, 1]; got {step_size}.")
    if distribution not in LATENT_DISTRIBUTIONS:
        raise ExplorationError(f"distribution must be one of {LATENT_DISTRIBUTIONS}; got {distribution!r}.")
    rng = np.random.default_rng(int(seed))
    s = float(step_size)
    out = np.empty((int(steps), z.size), dtype=np.float32)
    out[0] = z
    for i in range(1, int(steps)):
        if distribution == "normal":
            z = np.sqrt(1.0 - s * s) * z + s * rng.standard_normal(z.size)
        else:
            folded = np.mod(z + s * rng.uniform(-1.0, 1.0, z.size) + 1.0, 4.0)
            z = np.where(folded > 2.0, 4.0 - folded, folded) - 1.0
        out[i] = z
    return out


def scale_toward_mean(z: np.ndarray, psi: float, mean: np.ndarray | None = None) -> np.ndarray:
    """Truncation-like ``mean + psi (z - mean)`` (mean defaults to 0); psi < 1 gives tamer images."""
    arr = np.asarray(z, dtype=np.float64)
    centre = np.zeros(arr.shape[-1]) if mean is None else _array("mean", mean, 1, arr.shape[-1])
    return (centre + float(psi) * (arr - centre)).astype(np.float32)


def vector_arithmetic(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a - b + c`` ("a is to b as ? is to c"), float32."""
    a64, b64, c64 = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    _same_size("a", a64, "b", b64)
    _same_size("a", a64, "c", c64)
    return (a64 - b64 + c64).astype(np.float32)


def edit_dimensions(z: np.ndarray, edits: Mapping[int, float]) -> np.ndarray:
    """A copy of ``z`` (dim,) or (n, dim) with the given dimensions set: ``{index: value}``."""
    out = np.array(z, dtype=np.float32)
    dim = out.shape[-1]
    for index, value in edits.items():
        if not 0 <= int(index) < dim:
            raise ExplorationError(f"dimension {index} does not exist; the latent has {dim} (0..{dim - 1}).")
        if not np.isfinite(value):
            raise ExplorationError(f"dimension {index} cannot be set to {value}.")
        out[..., int(index)] = value
    return out
