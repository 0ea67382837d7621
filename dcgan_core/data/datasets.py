"""The dataset cache: open, list, preview and delete converted datasets.

A converted dataset is two files in the cache folder: ``<id>.npy`` (uint8 (N, H, W, C))
and ``<id>.json`` (its manifest). The manifest is written first and the ``.npy`` renamed
into place last, and a dataset is listed only when both are there, so the two become
visible together. Either file left alone by a crash (for more than a few minutes, so a
conversion in progress is never disturbed) is removed by the next listing. The bundled
samples (MNIST digits, then the small colour set of face emoji) are always listed first and
can never be deleted. A labelled dataset is listed with its class names (the digits: 0 to 9). Deletion only ever removes
those two files inside the cache folder.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

import numpy as np

from dcgan_core.data._cache_files import read_manifest
from dcgan_core.errors import DataError, DcganError
from dcgan_core.images import make_grid
from dcgan_core.data.labels import read_dataset_classes
from dcgan_core.paths import bundled_dataset_path, bundled_emoji_path, default_cache_dir, safe_child

__all__ = [
    "BUNDLED_DATASET_ID",
    "BUNDLED_EMOJI_ID",
    "DatasetInfo",
    "open_dataset",
    "dataset_thumbnail",
    "list_datasets",
    "delete_dataset",
    "read_manifest",
]

BUNDLED_DATASET_ID = "mnist_5k"
BUNDLED_EMOJI_ID = "emoji_faces"
_ID_PATTERN = re.compile(r"^[0-9a-f]{20}$")
_ORPHAN_SECONDS = 10 * 60


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset as the listing shows it.

    Attributes:
        dataset_id: Stable id (the cache key prefix, or ``"mnist_5k"`` for the sample).
        name: Human name given at conversion time.
        path: The ``.npy`` file.
        shape: (N, H, W, C).
        count: N.
        size_bytes: Size of the ``.npy`` on disk.
        created: ISO 8601 creation time (UTC).
        bundled: True for the bundled sample.
        classes: Class names of a labelled dataset, in class order; empty when unlabelled.
    """

    dataset_id: str
    name: str
    path: Path
    shape: tuple[int, ...]
    count: int
    size_bytes: int
    created: str
    bundled: bool = False
    classes: tuple[str, ...] = ()


def open_dataset(path: str | os.PathLike[str]) -> np.ndarray:
    """Open a dataset's images memory-mapped, read-only.

    Args:
        path: A ``.npy`` file.

    Returns:
        uint8 (N, H, W, C) array with C in {1, 3}, N >= 1.

    Raises:
        DataError: naming the file when it is missing or not such an array.
    """
    path = Path(path)
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"Dataset file {path} was not found.") from None
    except (OSError, ValueError) as err:
        raise DataError(f"{path} is not a readable .npy array ({err}).") from None
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != 4 or array.shape[3] not in (1, 3):
        raise DataError(
            f"{path} holds {getattr(array, 'dtype', '?')} {getattr(array, 'shape', '?')}; "
            "a dataset must be uint8 images shaped (N, H, W, C) with 1 or 3 channels."
        )
    if array.shape[0] == 0:
        raise DataError(f"{path} holds no images.")
    return array


def dataset_thumbnail(path: str | os.PathLike[str], n: int = 16, seed: int = 0) -> np.ndarray:
    """A grid of ``n`` images drawn (with a seed) from a dataset, for listings.

    Args:
        path: A ``.npy`` dataset.
        n: Images in the grid (fewer when the dataset is smaller).
        seed: Seed of the draw.

    Returns:
        uint8 (H, W, C) grid.
    """
    images = open_dataset(path)
    count = max(1, min(int(n), images.shape[0]))
    picks = np.sort(np.random.default_rng(seed).choice(images.shape[0], size=count, replace=False))
    return make_grid(np.asarray(images[picks]))


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _bundled_info(dataset_id: str, path: Path, title: str) -> DatasetInfo | None:
    try:
        array = np.load(path, mmap_mode="r")
        stat = path.stat()
    except (OSError, ValueError):
        return None
    try:
        found = read_dataset_classes(path, int(array.shape[0]))
    except DataError:
        found = None  # damaged labels: listed as unlabelled; training says why
    return DatasetInfo(
        dataset_id,
        f"{title} (bundled sample, {array.shape[0]:,} images)",
        path,
        tuple(int(s) for s in array.shape),
        int(array.shape[0]),
        stat.st_size,
        _iso(stat.st_mtime),
        True,
        found.names if found else (),
    )


def _manifest_classes(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The class names a manifest records (two or more), else ()."""
    names = manifest.get("classes")
    if isinstance(names, list) and len(names) >= 2 and all(isinstance(n, str) for n in names):
        return tuple(names)
    return ()


def _remove_orphans(folder: Path) -> None:
    """Delete a cache ``.npy`` without its manifest, or a manifest without its ``.npy``, once stale."""
    limit = time.time() - _ORPHAN_SECONDS
    try:
        entries = [p for p in folder.iterdir() if p.suffix in (".npy", ".json") and _ID_PATTERN.match(p.stem)]
    except OSError:
        return
    present = {p.name for p in entries}
    for path in entries:
        partner = path.stem + (".json" if path.suffix == ".npy" else ".npy")
        if partner in present:
            continue
        try:
            if path.lstat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def _bundled_infos() -> list[DatasetInfo]:
    """The bundled samples that are present: the digits, then the face emoji."""
    found = [
        _bundled_info(BUNDLED_DATASET_ID, bundled_dataset_path(), "MNIST digits"),
        _bundled_info(BUNDLED_EMOJI_ID, bundled_emoji_path(), "Face emoji, colour"),
    ]
    return [info for info in found if info is not None]


def list_datasets(cache_dir: str | os.PathLike[str] | None = None) -> list[DatasetInfo]:
    """Every dataset available: the bundled samples first, then the cache, newest first.

    Files that a crashed conversion left alone (an ``.npy`` without manifest or the
    reverse, older than ten minutes) are removed on the way.

    Args:
        cache_dir: The cache folder; default :func:`~dcgan_core.paths.default_cache_dir`.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    found: list[DatasetInfo] = []
    if folder.is_dir():
        _remove_orphans(folder)
        try:
            candidates = list(folder.glob("*.npy"))
        except OSError:
            candidates = []
        for npy in candidates:
            if not _ID_PATTERN.match(npy.stem):
                continue
            manifest = read_manifest(npy)
            if manifest is None:
                continue
            try:
                size = npy.stat().st_size
                shape = tuple(int(s) for s in manifest.get("shape", ()))
            except (OSError, TypeError, ValueError):
                continue
            found.append(
                DatasetInfo(
                    npy.stem,
                    str(manifest.get("name") or npy.stem),
                    npy,
                    shape,
                    int(shape[0]) if shape else 0,
                    size,
                    str(manifest.get("created", "")),
                    False,
                    _manifest_classes(manifest),
                )
            )
    found.sort(key=lambda d: d.created, reverse=True)
    return _bundled_infos() + found


def delete_dataset(dataset_id: str, cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Delete one cached dataset (its ``.npy`` and manifest).

    Args:
        dataset_id: The id from :func:`list_datasets`.
        cache_dir: The cache folder; default :func:`~dcgan_core.paths.default_cache_dir`.

    Raises:
        DataError: for the bundled sample, an id that is not a cache id, or an unknown id.
    """
    if dataset_id in (BUNDLED_DATASET_ID, BUNDLED_EMOJI_ID):
        raise DataError("The bundled samples cannot be deleted.")
    if not isinstance(dataset_id, str) or not _ID_PATTERN.match(dataset_id):
        raise DataError(f"{dataset_id!r} is not the id of a cached dataset.")
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        npy = safe_child(folder, f"{dataset_id}.npy")
        manifest = safe_child(folder, f"{dataset_id}.json")
    except DcganError as err:
        raise DataError(str(err)) from None
    if not npy.exists() and not manifest.exists():
        raise DataError(f"No cached dataset with id {dataset_id} in {folder}.")
    npy.unlink(missing_ok=True)
    manifest.unlink(missing_ok=True)
