"""Directions in latent space: discovered by PCA (GANSpace), from examples, and moved along.

A :class:`Directions` holds unit rows in latent space ordered by the share of variance
they explain (Härkönen et al. 2020, "GANSpace"). Sliders move a latent along them with
:func:`move_along`; :func:`grid_2d` spans the 2-D map of two of them. Numpy only; vectors
are float32 at the seams.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np

from dcgan_core.errors import ExplorationError
from dcgan_core.explore.latent import _array

__all__ = [
    "Directions",
    "pca_directions",
    "directions_from_features",
    "direction_from_examples",
    "move_along",
    "grid_2d",
]


@dataclass(frozen=True, eq=False)
class Directions:
    """Named unit directions in latent space, strongest first.

    Attributes:
        vectors: float32 (k, latent_dim), unit rows (normalised on creation).
        explained_variance_ratio: float64 (k,), each direction's share of the variance.
        names: One name per direction; default "Direction 1" .. "Direction k".
        mean: float32 (latent_dim,) centre of the samples in latent space, or None.
    """

    vectors: np.ndarray
    explained_variance_ratio: np.ndarray
    names: tuple[str, ...] = ()
    mean: np.ndarray | None = None

    def __post_init__(self) -> None:
        vectors = _array("directions", self.vectors, 2)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if vectors.shape[0] == 0 or np.any(norms < 1e-12):
            raise ExplorationError("directions must be at least one non-zero vector each.")
        ratios = np.asarray(self.explained_variance_ratio, dtype=np.float64).reshape(-1)
        if ratios.shape[0] != vectors.shape[0]:
            raise ExplorationError(f"{vectors.shape[0]} directions but {ratios.shape[0]} variance ratios.")
        names = tuple(str(n) for n in self.names) or tuple(f"Direction {i + 1}" for i in range(len(vectors)))
        if len(names) != len(vectors):
            raise ExplorationError(f"{len(vectors)} directions but {len(names)} names.")
        mean = None if self.mean is None else _array("mean", self.mean, 1, vectors.shape[1]).astype(np.float32)
        unit = (vectors / norms).astype(np.float32)
        for arr in (unit, ratios, mean):
            if arr is not None:
                arr.setflags(write=False)
        object.__setattr__(self, "vectors", unit)
        object.__setattr__(self, "explained_variance_ratio", ratios)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "mean", mean)

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def latent_dim(self) -> int:
        """Size of the latent space the directions live in."""
        return int(self.vectors.shape[1])

    def renamed(self, index: int, name: str) -> Directions:
        """A copy with direction ``index`` (0-based) called ``name`` (stripped, non-empty)."""
        if not 0 <= index < len(self):
            raise ExplorationError(f"direction {index} does not exist; there are {len(self)} (0..{len(self) - 1}).")
        name = str(name).strip()
        if not name:
            raise ExplorationError("a direction's name cannot be empty.")
        names = list(self.names)
        names[index] = name
        return dataclasses.replace(self, names=tuple(names))


def _top_components(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k squared singular values and right singular vectors of centred (n, f) samples.

    Full SVD for small problems; for large ones a seeded randomized SVD (Halko et al. 2011,
    four power iterations), which costs O(n f k) instead of O(n f min(n, f)).
    """
    if min(x.shape) <= 4 * k + 200:
        _, s, vt = np.linalg.svd(x, full_matrices=False)
        return s[:k] ** 2, vt[:k]
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(x @ rng.standard_normal((x.shape[1], k + 20)).astype(x.dtype))
    for _ in range(4):
        q, _ = np.linalg.qr(x.T @ q)
        q, _ = np.linalg.qr(x @ q)
    _, s, vt = np.linalg.svd(q.T @ x, full_matrices=False)
    return s[:k].astype(np.float64) ** 2, vt[:k]


def pca_directions(samples: np.ndarray, k: int, basis: np.ndarray | None = None) -> Directions:
    """Principal directions of samples (PCA by SVD of the centred samples), strongest first.

    Args:
        samples: (n, f) samples, e.g. latents (then directions live in latent space).
        k: Number of directions, 1 <= k <= min(n, f).
        basis: Optional (f, latent_dim) linear map from the samples' space into latent space,
            applied to each component and to the mean (directions are re-normalised).

    Returns:
        :class:`Directions` with signs fixed so each component's largest entry is positive.
    """
    big = np.size(samples) > 2_000_000  # large feature maps: float32 halves memory and time
    x = _array("samples", samples, 2, dtype=np.float32 if big else np.float64)
    n, f = x.shape
    if not 1 <= int(k) <= min(n, f):
        raise ExplorationError(f"cannot take {k} directions from {n} samples of size {f}; use 1..{min(n, f)}.")
    mean = x.mean(axis=0, dtype=np.float64)
    centred = x - mean.astype(x.dtype)
    var, comps = _top_components(centred, int(k))
    comps = comps.astype(np.float64)
    total = float(np.einsum("ij,ij->", centred, centred, dtype=np.float64))
    if total <= 0:
        raise ExplorationError("the samples are all identical; there is no direction to find.")
    comps *= np.sign(comps[np.arange(len(comps)), np.argmax(np.abs(comps), axis=1)])[:, None]
    if basis is not None:
        b = _array("basis", basis, 2)
        if b.shape[0] != f:
            raise ExplorationError(f"basis has {b.shape[0]} rows but the samples have {f} values each.")
        comps, mean = comps @ b, mean @ b
    return Directions(comps, var / total, mean=mean)


def directions_from_features(latents: np.ndarray, features: np.ndarray, k: int) -> Directions:
    """GANSpace for generators without a style space: PCA of features, regressed back to latents.

    PCA of ``features`` gives k components and each sample's coordinates ``c`` on them. A
    least-squares fit ``c ~ (z - mean_z) M`` gives the latent's linear effect M on the
    coordinates; the directions are the rows of ``pinv(M)``: the shortest latent vectors
    whose effect is one unit along one component and nothing along the others. (GANSpace
    regresses z on c instead; with finitely many samples that tilts the directions by the
    sample covariance of z, which this fit avoids.)

    Args:
        latents: (n, latent_dim) latents that produced the features, n >= latent_dim.
        features: (n, f) e.g. the generator's first hidden activations, flattened.
        k: Number of directions.
    """
    z = _array("latents", latents, 2)
    big = np.size(features) > 2_000_000
    feats = _array("features", features, 2, dtype=np.float32 if big else np.float64)
    if z.shape[0] != feats.shape[0]:
        raise ExplorationError(f"{z.shape[0]} latents but {feats.shape[0]} feature rows; they must match.")
    if z.shape[0] < z.shape[1]:
        raise ExplorationError(
            f"{z.shape[0]} samples are too few for latents of size {z.shape[1]}; use at least {z.shape[1]}."
        )
    pca = pca_directions(feats, k)
    coords = ((feats - feats.mean(axis=0)) @ pca.vectors.astype(feats.dtype).T).astype(np.float64)
    effect, *_ = np.linalg.lstsq(z - z.mean(axis=0), coords, rcond=None)  # (latent_dim, k)
    sv = np.linalg.svd(effect, compute_uv=False)
    if sv.min() < 1e-9 * max(sv.max(), 1e-300):
        raise ExplorationError("a feature direction does not depend on the latent; use fewer directions.")
    u = np.linalg.pinv(effect)  # (k, latent_dim)
    return Directions(u, pca.explained_variance_ratio, mean=z.mean(axis=0))


def direction_from_examples(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """Unit float32 (dim,) vector from the mean of ``negatives`` to the mean of ``positives``."""
    pos = np.asarray(positives, dtype=np.float64)
    neg = np.asarray(negatives, dtype=np.float64)
    for label, group in (("'has it'", pos), ("'hasn't'", neg)):
        if group.size == 0:
            raise ExplorationError(f"the {label} group is empty; pick at least one latent for it.")
    pos = _array("'has it' latents", np.atleast_2d(pos), 2)
    neg = _array("'hasn't' latents", np.atleast_2d(neg), 2, pos.shape[1])
    diff = pos.mean(axis=0) - neg.mean(axis=0)
    norm = np.linalg.norm(diff)
    if norm < 1e-12:
        raise ExplorationError("both groups have the same mean; there is no direction between them.")
    return (diff / norm).astype(np.float32)


def move_along(z: np.ndarray, directions: Directions | np.ndarray, amounts: Sequence[float] | np.ndarray) -> np.ndarray:
    """``z + sum_i amounts[i] * directions[i]`` for z (dim,) or (n, dim); one amount per direction."""
    vectors = directions.vectors if isinstance(directions, Directions) else np.atleast_2d(directions)
    vec = _array("directions", vectors, 2)
    arr = np.asarray(z, dtype=np.float64)
    if arr.shape[-1] != vec.shape[1]:
        raise ExplorationError(f"the latent has {arr.shape[-1]} values but the directions have {vec.shape[1]}.")
    amt = np.asarray(amounts, dtype=np.float64).reshape(-1)
    if amt.size != vec.shape[0]:
        raise ExplorationError(f"{amt.size} amounts for {vec.shape[0]} directions; give one per direction.")
    return (arr + amt @ vec).astype(np.float32)


def grid_2d(center: np.ndarray, dir_x: np.ndarray, dir_y: np.ndarray, steps: int, span: float) -> np.ndarray:
    """The 2-D map of two directions: float32 (steps * steps, dim), row-major.

    Cell (row r, column c) is index ``r * steps + c`` and holds
    ``center + xs[c] dir_x + ys[r] dir_y`` with ``xs = ys = linspace(-span, span, steps)``:
    columns move along ``dir_x`` left to right, rows along ``dir_y`` top to bottom, and with
    an odd ``steps`` the middle cell is ``center``.
    """
    c = _array("center", center, 1)
    dx = _array("dir_x", dir_x, 1, c.size)
    dy = _array("dir_y", dir_y, 1, c.size)
    if int(steps) < 1:
        raise ExplorationError(f"the map needs at least 1 step per side; got {steps}.")
    offsets = np.linspace(-float(span), float(span), int(steps)) if int(steps) > 1 else np.zeros(1)
    ys, xs = np.meshgrid(offsets, offsets, indexing="ij")
    return (c + xs.reshape(-1, 1) * dx + ys.reshape(-1, 1) * dy).astype(np.float32)
