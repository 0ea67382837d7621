"""Class labels of a dataset: what they are and where they are read from.

A converted dataset is labelled when its manifest holds ``"classes"`` (the class names, in
order) and ``"labels"`` (one class index per image, in the order of the ``.npy``). Any other
``.npy`` (the bundled digits, a file given to the CLI) is labelled when a ``<stem>_labels.npy``
of integer class indices sits beside it; its classes are then named ``"0"``, ``"1"``, ...
A dataset with fewer than two classes counts as unlabelled. Class names are only ever shown
and stored as text; nothing uses them as paths.

A conversion finds the classes in the images' folder names
(:mod:`~dcgan_core.data.folder_labels`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dcgan_core.data._cache_files import read_manifest
from dcgan_core.errors import DataError


__all__ = ["DatasetClasses", "read_dataset_classes", "class_counts", "grid_class_rows", "GRID_CLASS_ROWS"]

MAX_CLASSES = 1000
GRID_CLASS_ROWS = 10  # a conditional run's sample grid shows at most this many classes, one per row


@dataclass(frozen=True, eq=False)
class DatasetClasses:
    """The classes of a labelled dataset.

    Attributes:
        names: Class names, in class-index order.
        labels: int32 (N,) class index of each image.
    """

    names: tuple[str, ...]
    labels: np.ndarray

    @property
    def count(self) -> int:
        """Number of classes."""
        return len(self.names)

    def counts(self) -> list[int]:
        """Images per class, in class-index order."""
        return class_counts(self.labels, self.count)


def grid_class_rows(n_classes: int) -> np.ndarray:
    """The classes a conditional run's sample grid shows, one per row, in order.

    Every class when there are at most :data:`GRID_CLASS_ROWS`; else an even spread of that many.
    """
    if n_classes <= 0:
        return np.zeros(0, np.int64)
    return np.unique(np.linspace(0, n_classes - 1, min(n_classes, GRID_CLASS_ROWS)).round().astype(np.int64))


def class_counts(labels: np.ndarray, n_classes: int) -> list[int]:
    """Images per class index ``0 .. n_classes - 1``."""
    return [int(c) for c in np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]]


def _checked(names: list[str], labels: np.ndarray, n_images: int, where: str) -> DatasetClasses | None:
    if labels.ndim != 1 or labels.shape[0] != n_images:
        raise DataError(f"{where} holds {labels.shape[0] if labels.ndim else 0:,} labels for {n_images:,} images.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{where} holds {labels.dtype} labels; class labels must be whole numbers.")
    if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
        raise DataError(f"{where} holds a label outside 0..{len(names) - 1}.")
    if len(names) < 2:
        return None
    if len(names) > MAX_CLASSES:
        raise DataError(f"{where} has {len(names):,} classes, more than the limit of {MAX_CLASSES:,}.")
    return DatasetClasses(tuple(names), labels.astype(np.int32))


def read_dataset_classes(npy_path: str | os.PathLike[str], n_images: int | None = None) -> DatasetClasses | None:
    """The classes of the dataset at ``npy_path``, or None when it has no labels.

    Args:
        npy_path: The dataset's ``.npy``.
        n_images: Its number of images, when known (read from the file otherwise).

    Raises:
        DataError: naming the file when labels are there but do not fit the images.
    """
    path = Path(npy_path)
    if n_images is None:
        try:
            n_images = int(np.load(path, mmap_mode="r", allow_pickle=False).shape[0])
        except (OSError, ValueError, IndexError) as err:
            raise DataError(f"{path} is not a readable .npy array ({err}).") from None

    manifest = read_manifest(path)
    if manifest is not None and "classes" in manifest:
        names, labels = manifest.get("classes"), manifest.get("labels")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not isinstance(labels, list):
            raise DataError(f"The manifest of {path.name} has unreadable classes.")
        try:
            array = np.asarray(labels, dtype=np.int64)
        except (TypeError, ValueError):
            raise DataError(f"The manifest of {path.name} has labels that are not class numbers.") from None
        return _checked(names, array, n_images, f"The manifest of {path.name}")
    beside = path.with_name(f"{path.stem}_labels.npy")
    if not beside.is_file():
        return None
    try:
        array = np.load(beside, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f"{beside.name} is not a readable .npy array ({err}).") from None
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer) or array.size == 0:
        raise DataError(f"{beside.name} must hold one whole-number class label per image.")
    n_classes = int(array.max()) + 1
    if array.min() < 0 or n_classes > MAX_CLASSES:
        raise DataError(f"{beside.name} holds labels outside 0..{MAX_CLASSES - 1}.")
    return _checked([str(i) for i in range(n_classes)], array, n_images, beside.name)


# --- classes from the folders of a folder, a zip or a directory upload -------------------------
