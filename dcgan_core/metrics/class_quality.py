"""How well a conditional generator follows the class it is asked for (numpy only).

For each class, the generator's samples of that class are compared by sliced Wasserstein
distance (the SWD of :mod:`dcgan_core.metrics.quality`) with the real images of every class. A
generator that follows the class draws samples of class A nearest to the real A; one that
ignores it draws every class alike, as near to real B as to real A. The *conditioning
accuracy* is the share of classes whose samples are nearest to their own real class.

All sets are measured in one pass: the Laplacian pyramids and patch descriptors of every set
are computed once, normalised by one mean and deviation over all of them, projected on the
same random directions and sorted once; each pair then costs one subtraction. Every set is
cut to the same number of images so that the 1-D distances compare sorted projections of
equal length.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dcgan_core.errors import DataError
from dcgan_core.metrics.quality import _check_batch, _descriptors, _laplacian_pyramid, _patch_positions, pyramid_sizes

__all__ = [
    "ClassQuality",
    "class_swd_matrix",
    "class_quality",
    "read_class_quality",
    "PER_CLASS_SAMPLES",
    "CLASS_QUALITY_FILE",
]

PER_CLASS_SAMPLES = 64  # images per class (real and generated) in the per-class measure
CLASS_QUALITY_FILE = "class_quality.json"  # a conditional run's newest per-class measure, in its folder


@dataclass(frozen=True)
class ClassQuality:
    """Per-class SWD of a conditional generator.

    Attributes:
        names: The classes measured (all of them, or an even spread when there are many).
        matrix: float (k, k) SWD x1e3 of the samples drawn as class i (row) against the real
            images of class j (column).
        own: SWD of each class's samples against its own real images (the diagonal).
        nearest_other: For each class, the SWD to the nearest other real class.
        accuracy: Share of classes whose samples are nearest to their own real class.
    """

    names: tuple[str, ...]
    matrix: np.ndarray

    @property
    def own(self) -> np.ndarray:
        return np.diag(self.matrix).copy()

    @property
    def nearest_other(self) -> np.ndarray:
        masked = self.matrix + np.diag(np.full(len(self.names), np.inf))
        return masked.min(axis=1)

    @property
    def accuracy(self) -> float:
        return float(np.mean(np.argmin(self.matrix, axis=1) == np.arange(len(self.names))))

    def to_dict(self) -> dict:
        """JSON-ready: names, matrix, own, nearest_other, accuracy."""
        return {
            "names": list(self.names),
            "matrix": self.matrix.round(3).tolist(),
            "own": self.own.round(3).tolist(),
            "nearest_other": self.nearest_other.round(3).tolist(),
            "accuracy": self.accuracy,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ClassQuality:
        """Rebuild from :meth:`to_dict` (DataError when malformed)."""
        try:
            names = tuple(str(n) for n in data["names"])
            matrix = np.asarray(data["matrix"], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise DataError("The per-class quality record is damaged.") from None
        if matrix.shape != (len(names), len(names)) or len(names) < 2:
            raise DataError("The per-class quality record is damaged.")
        return cls(names, matrix)


def class_swd_matrix(
    fake_sets: list[np.ndarray],
    real_sets: list[np.ndarray],
    seed: int = 0,
    patches_per_image: int = 64,
    directions: int = 256,
) -> np.ndarray:
    """SWD x1e3 of every generated set (rows) against every real set (columns).

    Args:
        fake_sets: k uint8 (n_i, H, W, C) batches, one per class.
        real_sets: k uint8 batches of the same image shape, one per class.
        seed: Seed of the patch positions and directions.
        patches_per_image: Random 7x7 patches per image and level.
        directions: Random unit directions per level.

    Raises:
        DataError: when a set is empty or the shapes differ.
    """
    sets = [_check_batch("generated", f) for f in fake_sets] + [_check_batch("real", r) for r in real_sets]
    if len({s.shape[1:] for s in sets}) != 1:
        raise DataError("every set must hold images of the same shape.")
    n = min(len(s) for s in sets)
    sets = [s[:n] for s in sets]
    k = len(fake_sets)
    sizes = pyramid_sizes(sets[0].shape[1], sets[0].shape[2])
    stacked = np.concatenate(sets)
    pyramid = _laplacian_pyramid(stacked, len(sizes))
    total = np.zeros((k, len(real_sets)))
    for level, (h, w) in enumerate(sizes):
        rng = np.random.default_rng([seed, level])
        rows, cols = _patch_positions(rng, n, h, w, patches_per_image)
        rows, cols = np.tile(rows, (len(sets), 1)), np.tile(cols, (len(sets), 1))
        desc = _descriptors(pyramid[level], rows, cols)
        mean = desc.mean(axis=(0, 1, 2), dtype=np.float64).astype(np.float32)
        std = desc.std(axis=(0, 1, 2), dtype=np.float64).astype(np.float32)
        desc = ((desc - mean) / np.where(std > 1e-8, std, 1.0)).reshape(len(sets), -1, desc[0].size)
        dirs = rng.standard_normal((directions, desc.shape[2])).astype(np.float32)
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        projected = np.sort(desc @ dirs.T, axis=1)  # (sets, descriptors, directions)
        fake, real = projected[:k], projected[k:]
        for i in range(k):
            total[i] += np.abs(fake[i][None] - real).mean(axis=(1, 2))
    return total / len(sizes) * 1e3


def class_quality(
    names: tuple[str, ...], fake_sets: list[np.ndarray], real_sets: list[np.ndarray], seed: int = 0
) -> ClassQuality:
    """The :class:`ClassQuality` of per-class generated and real sets (same order as ``names``)."""
    if len(names) < 2 or len(fake_sets) != len(names) or len(real_sets) != len(names):
        raise DataError("per-class quality needs at least two classes, with one generated and one real set each.")
    return ClassQuality(tuple(names), class_swd_matrix(fake_sets, real_sets, seed))


def read_class_quality(run_dir: str | os.PathLike[str]) -> tuple[int, ClassQuality] | None:
    """(epoch, quality) of a run's newest per-class measure; None when there is none or it is damaged."""
    try:
        data = json.loads((Path(run_dir) / CLASS_QUALITY_FILE).read_text(encoding="utf-8"))
        return int(data["epoch"]), ClassQuality.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, DataError):
        return None
