"""Numbers of quality, numpy only: sliced Wasserstein distance, histogram KL, diversity.

The SWD follows Karras et al. 2018 (ProGAN): each uint8 batch (N, H, W, C) becomes a
Laplacian pyramid (5-tap binomial blur, 2x downsampling, the coarsest level kept as the
low-pass residual) with levels down to a side of at least 7 pixels (28x28 gives 28, 14, 7);
random 7x7 patches of every level are the descriptors; per level and per channel they
are normalised by the mean and standard deviation of real and fake together (so a change of
brightness or contrast counts, unlike ProGAN, which normalises each set on its own); the
distance per level is the 1-D Wasserstein distance between the sorted projections on random
unit directions, averaged over directions. :func:`sliced_wasserstein_distance` returns the
mean over levels times 1e3, the "SWD x1e3" figure.

Patch positions depend only on the seed, the level and the image's index, never on which set
the image belongs to, so the SWD is exactly symmetric and exactly 0 for identical sets.
"""

from __future__ import annotations

import math

import numpy as np

from dcgan_core.errors import ConfigError, DataError

__all__ = [
    "sliced_wasserstein_distance",
    "swd_per_level",
    "pyramid_sizes",
    "kl_divergence_histogram",
    "histograms",
    "mean_pairwise_distance",
]

_PATCH = 7
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0], dtype=np.float32) / 16.0


def pyramid_sizes(height: int, width: int, min_side: int = _PATCH) -> list[tuple[int, int]]:
    """The (height, width) of each Laplacian pyramid level, finest first.

    Halving (rounding up) goes on while the smaller side of the next level is still at least
    ``min_side``: 28 -> [28, 14, 7], 64 -> [64, 32, 16, 8], 8 -> [8].
    """
    if min(height, width) < min_side:
        raise DataError(f"images of {height}x{width} pixels are too small for {min_side}x{min_side} patches.")
    sizes = [(height, width)]
    while min(math.ceil(sizes[-1][0] / 2), math.ceil(sizes[-1][1] / 2)) >= min_side:
        h, w = sizes[-1]
        sizes.append((math.ceil(h / 2), math.ceil(w / 2)))
    return sizes


def _blur(x: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """Separable 5x5 binomial blur of (N, H, W, C) with mirror borders (scipy's 'mirror')."""
    k = _BINOMIAL * gain
    h, w = x.shape[1], x.shape[2]
    p = np.pad(x, ((0, 0), (2, 2), (0, 0), (0, 0)), mode="reflect")
    x = sum(k[i] * p[:, i : i + h] for i in range(5))
    p = np.pad(x, ((0, 0), (0, 0), (2, 2), (0, 0)), mode="reflect")
    return sum(k[i] * p[:, :, i : i + w] for i in range(5))


def _pyr_down(x: np.ndarray) -> np.ndarray:
    return _blur(x)[:, ::2, ::2]


def _pyr_up(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    n, h, w, c = x.shape
    up = np.zeros((n, 2 * h, 2 * w, c), dtype=x.dtype)
    up[:, ::2, ::2] = x
    return _blur(up, gain=2.0)[:, : shape[0], : shape[1]]


def _laplacian_pyramid(images: np.ndarray, levels: int) -> list[np.ndarray]:
    pyramid = [images.astype(np.float32)]
    for _ in range(1, levels):
        pyramid.append(_pyr_down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - _pyr_up(pyramid[-1], pyramid[-2].shape[1:3])
    return pyramid


def _patch_positions(rng: np.random.Generator, n: int, h: int, w: int, per_image: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-left corners of the patches: (n, p) rows and columns.

    Where a level has no more positions than ``per_image``, every position is taken (the 1-D
    Wasserstein distance does not change when both sets repeat each descriptor alike).
    """
    rows, cols = h - _PATCH + 1, w - _PATCH + 1
    if rows * cols <= per_image:
        r, c = np.divmod(np.arange(rows * cols), cols)
        return np.broadcast_to(r, (n, r.size)), np.broadcast_to(c, (n, c.size))
    return rng.integers(0, rows, size=(n, per_image)), rng.integers(0, cols, size=(n, per_image))


def _descriptors(level: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(n*p, 7, 7, C) patches of one pyramid level at the given corners."""
    n = level.shape[0]
    offsets = np.arange(_PATCH)
    img = np.arange(n)[:, None, None, None]
    yy = rows[:, :, None, None] + offsets[None, None, :, None]
    xx = cols[:, :, None, None] + offsets[None, None, None, :]
    patches = level[img, yy, xx]  # (n, p, 7, 7, C)
    return patches.reshape(-1, _PATCH, _PATCH, level.shape[3])


def _w1_sorted(a: np.ndarray, b: np.ndarray) -> float:
    """Mean 1-D Wasserstein distance between rows of sorted (d, n) and (d, m) projections."""
    n, m = a.shape[1], b.shape[1]
    if n == m:
        return float(np.mean(np.abs(a - b)))
    # Quantile functions are steps: integrate |Fa^-1 - Fb^-1| over the merged breakpoints.
    u = np.unique(np.concatenate([np.arange(1, n + 1) / n, np.arange(1, m + 1) / m]))
    widths = np.diff(np.concatenate([[0.0], u]))
    mid = u - widths / 2
    ia = np.minimum((mid * n).astype(np.int64), n - 1)
    ib = np.minimum((mid * m).astype(np.int64), m - 1)
    return float(np.mean(np.abs(a[:, ia] - b[:, ib]) @ widths))


def _check_batch(name: str, images: np.ndarray) -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[0] == 0 or arr.shape[3] not in (1, 3):
        raise DataError(f"{name} images must be a non-empty (N, H, W, C) batch with C 1 or 3; got shape {arr.shape}.")
    return arr


def swd_per_level(
    real: np.ndarray,
    fake: np.ndarray,
    seed: int = 0,
    patches_per_image: int = 128,
    dir_repeats: int = 4,
    dirs_per_repeat: int = 128,
) -> list[float]:
    """Sliced Wasserstein distance (x1e3) per Laplacian pyramid level, finest level first.

    Args:
        real: uint8 (N, H, W, C) reference images (C is 1 or 3).
        fake: uint8 (M, H, W, C) images to compare; same H, W and C as ``real``.
        seed: Seed of the patch positions and projection directions.
        patches_per_image: Random 7x7 patches taken from each image at each level.
        dir_repeats: Rounds of random directions.
        dirs_per_repeat: Random unit directions per round.

    Returns:
        One float per level (see :func:`pyramid_sizes`), each times 1e3.

    Raises:
        DataError: when the batches are malformed, differ in shape or are smaller than 7x7.
        ConfigError: when a count is not positive.
    """
    a, b = _check_batch("real", real), _check_batch("fake", fake)
    if a.shape[1:] != b.shape[1:]:
        raise DataError(f"real and fake images differ in shape: {a.shape[1:]} vs {b.shape[1:]}.")
    for label, value in (
        ("patches_per_image", patches_per_image),
        ("dir_repeats", dir_repeats),
        ("dirs_per_repeat", dirs_per_repeat),
    ):
        if int(value) < 1:
            raise ConfigError(f"{label} must be at least 1; got {value}.")
    sizes = pyramid_sizes(a.shape[1], a.shape[2])
    pyr_a, pyr_b = _laplacian_pyramid(a, len(sizes)), _laplacian_pyramid(b, len(sizes))
    n_max = max(a.shape[0], b.shape[0])
    results = []
    for level, (h, w) in enumerate(sizes):
        rng = np.random.default_rng([seed, level])
        rows, cols = _patch_positions(rng, n_max, h, w, patches_per_image)
        da = _descriptors(pyr_a[level], rows[: a.shape[0]], cols[: a.shape[0]])
        db = _descriptors(pyr_b[level], rows[: b.shape[0]], cols[: b.shape[0]])
        union = np.concatenate([da, db])
        mean = union.mean(axis=(0, 1, 2), dtype=np.float64).astype(np.float32)
        std = union.std(axis=(0, 1, 2), dtype=np.float64).astype(np.float32)
        std = np.where(std > 1e-8, std, 1.0).astype(np.float32)
        da = ((da - mean) / std).reshape(da.shape[0], -1)
        db = ((db - mean) / std).reshape(db.shape[0], -1)
        dists = []
        for _ in range(dir_repeats):
            dirs = rng.standard_normal((dirs_per_repeat, da.shape[1])).astype(np.float32)
            dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
            proj_a = np.sort(dirs @ da.T, axis=1)  # (directions, descriptors)
            proj_b = np.sort(dirs @ db.T, axis=1)
            dists.append(_w1_sorted(proj_a, proj_b))
        results.append(float(np.mean(dists)) * 1e3)
    return results


def sliced_wasserstein_distance(
    real: np.ndarray,
    fake: np.ndarray,
    seed: int = 0,
    patches_per_image: int = 128,
    dir_repeats: int = 4,
    dirs_per_repeat: int = 128,
) -> float:
    """SWD x1e3 between two uint8 image batches: the mean of :func:`swd_per_level`.

    Lower is closer; two disjoint halves of the same dataset score near the floor. The value
    depends on the batch sizes (fewer images, more noise), so compare figures computed on
    equal counts. Deterministic for a given seed; arguments as in :func:`swd_per_level`.
    """
    return float(np.mean(swd_per_level(real, fake, seed, patches_per_image, dir_repeats, dirs_per_repeat)))


def kl_divergence_histogram(p_samples: np.ndarray, q_samples: np.ndarray, bins: int = 100) -> float:
    """KL(P || Q) estimated by histograms, exactly as seed 002 computes it.

    The bins are those of ``np.histogram(P, bins)``; both histograms are normalised to sum
    to one (plus 1e-8), then ``sum(p * (log(p + 1e-8) - log(q + 1e-8)))``. Samples of Q
    outside P's range are not counted.

    Args:
        p_samples: Samples of the real distribution (any shape, flattened).
        q_samples: Samples of the generated distribution (any shape, flattened).
        bins: Number of equal-width bins over P's range.
    """
    p = np.asarray(p_samples, dtype=np.float64).ravel()
    q = np.asarray(q_samples, dtype=np.float64).ravel()
    if p.size == 0 or q.size == 0:
        raise DataError(f"KL needs samples on both sides; got {p.size} real and {q.size} generated.")
    if int(bins) < 1:
        raise ConfigError(f"bins must be at least 1; got {bins}.")
    hist_p, edges = np.histogram(p, bins=int(bins))
    hist_q, _ = np.histogram(q, bins=edges)
    hist_p = hist_p / (np.sum(hist_p) + 1e-8)
    hist_q = hist_q / (np.sum(hist_q) + 1e-8)
    return float(np.sum(hist_p * (np.log(hist_p + 1e-8) - np.log(hist_q + 1e-8))))


def histograms(real: np.ndarray, fake: np.ndarray, bins: int = 60) -> dict[str, np.ndarray]:
    """Densities of real and generated samples over one shared range (the 1-D toy's plot).

    Args:
        real: Real samples (flattened).
        fake: Generated samples (flattened).
        bins: Number of equal-width bins over the range covering both sets.

    Returns:
        ``{"edges": (bins+1,), "centers": (bins,), "real": (bins,), "fake": (bins,)}``, the
        last two densities (each integrates to 1 over the edges), all float64.
    """
    r = np.asarray(real, dtype=np.float64).ravel()
    f = np.asarray(fake, dtype=np.float64).ravel()
    if r.size == 0 or f.size == 0:
        raise DataError(f"histograms need samples on both sides; got {r.size} real and {f.size} generated.")
    if int(bins) < 1:
        raise ConfigError(f"bins must be at least 1; got {bins}.")
    both = np.concatenate([r, f])
    if not np.all(np.isfinite(both)):
        raise DataError("histograms got NaN or infinite samples.")
    lo, hi = float(both.min()), float(both.max())
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, int(bins) + 1)
    return {
        "edges": edges,
        "centers": (edges[:-1] + edges[1:]) / 2,
        "real": np.histogram(r, bins=edges, density=True)[0],
        "fake": np.histogram(f, bins=edges, density=True)[0],
    }


def mean_pairwise_distance(images: np.ndarray) -> float:
    """Diversity of a batch: mean L2 distance over all pairs, per pixel.

    Pixels are scaled to [0, 1]; each distance is divided by sqrt(H*W*C), so the figure lies
    in [0, 1] whatever the image size (0: all images identical, a sign of mode collapse).

    Args:
        images: uint8 (N, H, W, C) with N >= 2.
    """
    arr = _check_batch("diversity", images)
    if arr.shape[0] < 2:
        raise DataError(f"diversity needs at least 2 images; got {arr.shape[0]}.")
    x = arr.reshape(arr.shape[0], -1).astype(np.float32) / 255.0
    # Row by row rather than through a Gram matrix: identical images give exactly 0.
    total = sum(float(np.linalg.norm(x[i + 1 :] - x[i], axis=1).sum(dtype=np.float64)) for i in range(len(x) - 1))
    pairs = len(x) * (len(x) - 1) / 2
    return total / pairs / math.sqrt(x.shape[1])
