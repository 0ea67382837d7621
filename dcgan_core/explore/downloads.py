"""What the explorer hands out: PNGs of images or grids, GIFs of interpolations and walks.

Each export is bytes, ready for a download button or a file. A sampler is anything with
``images(latents)`` and ``latent_dim`` (a :class:`~dcgan_core.explore.sampler.Sampler`); this module
itself needs only numpy and Pillow.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from dcgan_core.errors import ExplorationError
from dcgan_core.images import encode_gif, encode_png, make_grid
from dcgan_core.images import upscale as _enlarge
from dcgan_core.explore.latent import interpolate, random_walk

__all__ = ["MAX_UPSCALE", "MAX_FRAMES", "image_png", "frames_gif", "interpolation_gif", "walk_gif"]

MAX_UPSCALE = 16
MAX_FRAMES = 240


class _ImageSampler(Protocol):
    latent_dim: int
    latent_distribution: str

    def images(self, latents: np.ndarray) -> np.ndarray: ...


def _factor(factor: int) -> int:
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or not 1 <= int(factor) <= MAX_UPSCALE:
        raise ExplorationError(f"upscale must be a whole number from 1 to {MAX_UPSCALE}; got {factor!r}.")
    return int(factor)


def image_png(image: np.ndarray, upscale: int = 1, cols: int | None = None) -> bytes:
    """PNG bytes of one uint8 image (H, W, C) or of a batch (N, H, W, C) tiled as a grid.

    Args:
        image: uint8 (H, W), (H, W, C) or (N, H, W, C).
        upscale: Nearest-neighbour enlargement, 1..MAX_UPSCALE (crisp pixels).
        cols: Grid columns for a batch (default: the smallest square).
    """
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ExplorationError(f"images must be uint8 pixels; got {arr.dtype}.")
    if arr.ndim == 4:
        if arr.shape[0] == 0:
            raise ExplorationError("there is no image to export.")
        arr = arr[0] if arr.shape[0] == 1 else make_grid(arr, cols=cols)
    if arr.ndim not in (2, 3):
        raise ExplorationError(f"an image must be shaped (H, W, C); got shape {arr.shape}.")
    return encode_png(_enlarge(arr, _factor(upscale)))


def frames_gif(frames: np.ndarray, upscale: int = 1, duration_ms: int = 80, bounce: bool = False) -> bytes:
    """GIF bytes of uint8 (N, H, W, C) frames, looping forever.

    Args:
        frames: The frames in order.
        upscale: Nearest-neighbour enlargement, 1..MAX_UPSCALE.
        duration_ms: Time per frame.
        bounce: Play forwards then backwards, so the loop has no jump.
    """
    arr = np.asarray(frames)
    if arr.ndim != 4 or arr.shape[0] == 0 or arr.dtype != np.uint8:
        raise ExplorationError(f"a GIF needs uint8 frames shaped (N, H, W, C); got {arr.dtype} {arr.shape}.")
    factor = _factor(upscale)
    seq = [_enlarge(f, factor) for f in arr]
    if bounce and len(seq) > 2:
        seq = seq + seq[-2:0:-1]
    return encode_gif(seq, duration_ms=duration_ms)


def _frame_count(frames: int, low: int) -> int:
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or not low <= int(frames) <= MAX_FRAMES:
        raise ExplorationError(f"frames must be a whole number from {low} to {MAX_FRAMES}; got {frames!r}.")
    return int(frames)


def interpolation_gif(
    sampler: _ImageSampler,
    keyframes: np.ndarray,
    frames: int = 24,
    method: str = "slerp",
    upscale: int = 1,
    duration_ms: int = 80,
    bounce: bool = True,
) -> bytes:
    """Animated GIF of the path through ``keyframes`` (k >= 2 latents).

    Args:
        sampler: Makes the images (see :class:`~dcgan_core.explore.sampler.Sampler`).
        keyframes: float32 (k, latent_dim) latents the path passes through.
        frames: Frames along the path, k..MAX_FRAMES.
        method: ``"lerp"`` or ``"slerp"``.
        upscale: Nearest-neighbour enlargement of each frame.
        duration_ms: Time per frame.
        bounce: Play back to the start so the loop is seamless.
    """
    keys = np.asarray(keyframes, dtype=np.float32)
    if keys.ndim != 2 or keys.shape[1] != sampler.latent_dim:
        raise ExplorationError(f"keyframes must be shaped (k, {sampler.latent_dim}); got shape {keys.shape}.")
    path = interpolate(keys, _frame_count(frames, max(2, len(keys))), method)
    return frames_gif(sampler.images(path), upscale, duration_ms, bounce)


def walk_gif(
    sampler: _ImageSampler,
    start: np.ndarray,
    steps: int = 32,
    step_size: float = 0.15,
    seed: int = 0,
    upscale: int = 1,
    duration_ms: int = 80,
) -> bytes:
    """Animated GIF of a seeded random walk from ``start`` (see :func:`~dcgan_core.explore.latent.random_walk`)."""
    path = random_walk(start, _frame_count(steps, 1), step_size, seed, sampler.latent_distribution)
    return frames_gif(sampler.images(path), upscale, duration_ms)
