"""Class labels of a dataset: what they are and where they are read from.

A converted dataset is labelled when its manifest holds ``"classes"`` (the class names, in
order) and ``"labels"`` (one class index per image, in the order of the ``.npy``). Any other
``.npy`` (the bundled digits, a file given to the CLI) is labelled when a ``<stem>_labels.npy``
of integer class indices sits beside it; its classes are then named ``"0"``, ``"1"``, ...
A dataset with fewer than two classes counts as unlabelled. Class names are only ever shown
and stored as text; nothing uses them as paths.

A conversion finds the classes in the images' names (:func:`labels_from_names`): one class
per first-level subfolder of the folder, zip or directory upload, once the folders that
every image shares are set aside. The cache key of a labelled dataset includes each image's
class (:func:`labelled_key`), so the same files sorted otherwise are another dataset, while
an unlabelled dataset keeps the key it always had.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dcgan_core.data._cache_files import read_manifest
from dcgan_core.errors import DataError

__all__ = ["DatasetClasses", "read_dataset_classes", "class_counts", "grid_class_rows", "GRID_CLASS_ROWS",
           "FolderLabels", "labels_from_names", "class_name", "MAX_CLASS_NAME"]

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

#: Longest class name kept; longer folder names are shortened with "…".
MAX_CLASS_NAME = 40
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".dib", ".webp", ".tif", ".tiff", ".mpo")
_NUMBER = re.compile(r"([0-9]+)")


@dataclass(frozen=True)
class FolderLabels:
    """The classes that the folders of a set of image names give, or why they give none.

    Attributes:
        classes: Class names in class-index order (sorted by name, numbers by value);
            empty when unlabelled.
        labels: The class index of each name, in the order the names were given; empty
            when unlabelled.
        reason: Why the names give no classes (a plain clause); "" when labelled.
        merged: Groups of folder names (as found) that were taken as one class because
            they are equal once normalised and compared without case.
        split_duplicates: Groups of identical files found in more than one class; each
            was kept once, in the class of its first copy.
        had_folders: True when any image sat in a folder at all (the reason is then worth
            telling: folders were there but not used as classes).
    """

    classes: tuple[str, ...] = ()
    labels: tuple[int, ...] = ()
    reason: str = ""
    merged: tuple[tuple[str, ...], ...] = ()
    split_duplicates: int = 0
    had_folders: bool = False

    @property
    def labelled(self) -> bool:
        """True when there are two classes or more."""
        return len(self.classes) >= 2

    def counts(self) -> list[int]:
        """Images per class, in class-index order."""
        return class_counts(np.asarray(self.labels, dtype=np.int64), len(self.classes))


def _parts(name: str) -> list[str]:
    return [p for p in str(name).replace("\\", "/").split("/") if p not in ("", ".")]


def _clean(folder: str) -> str:
    """A folder name as text: NFC, no control characters, whitespace collapsed, a zip's suffix dropped."""
    text = unicodedata.normalize("NFC", folder)
    text = " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())
    while text.lower().endswith(".zip") and len(text) > 4:
        text = text[:-4].rstrip()
    return text or "(no name)"


def _shorten(text: str, tag: str = "") -> str:
    if len(text) + len(tag) <= MAX_CLASS_NAME:
        return text + tag
    return text[:MAX_CLASS_NAME - 1 - len(tag)].rstrip() + "…" + tag


def class_name(folder: str) -> str:
    """The class name a folder (or zip) gives: Unicode NFC, whitespace collapsed, at most 40 characters.

    Only ever text: nothing uses a class name as a path.
    """
    return _shorten(_clean(folder))


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that orders "2" before "10" and ignores case."""
    return tuple((0, int(t), "") if k % 2 else (1, 0, t) for k, t in enumerate(_NUMBER.split(text.casefold())) if t)


def _visible(folder: str) -> str:
    """A folder name as found, quoted, control characters blanked and shortened: for messages."""
    text = unicodedata.normalize("NFC", folder)
    return "“" + _shorten("".join(" " if unicodedata.category(c) == "Cc" else c for c in text)) + "”"


def _listing(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


def labels_from_names(names: Sequence[str], duplicates: Iterable[Sequence[str]] = ()) -> FolderLabels:
    """Classes from the folders in image names: one class per first-level subfolder.

    The leading folders that all names share are ignored (a wrapping folder, a single zip's
    name, a directory upload's folder); then each image belongs to its first remaining
    folder, however deep it sits below it, and a zip's ``.zip`` suffix is dropped from the
    class name. Folder names equal after normalisation (NFC, whitespace collapsed) compared
    without case are one class, named after the largest of them. Only the names are read: empty folders make no class.

    Args:
        names: The images' display names (``cats/a.png``, ``pets.zip/cats/a.png``).
        duplicates: Groups of names of identical files; a group whose files lie in two
            classes is counted in ``split_duplicates`` (the caller keeps one copy).

    Returns:
        The classes, or no classes with the reason: every image at the top level, all in
        one folder, some beside the subfolders, or more than 1,000 subfolders.
    """
    folders = [_parts(n)[:-1] for n in names]
    had_folders = any(folders)
    prefix: list[str] = []
    for level in zip(*folders):
        if len(set(level)) != 1:
            break
        prefix.append(level[0])
    strip = len(prefix)
    firsts = [f[strip] if len(f) > strip else None for f in folders]
    found = sorted({f for f in firsts if f is not None}, key=lambda f: (_natural(_clean(f)), f))
    if not names:
        return FolderLabels(reason="there are no images")
    if not found:
        where = f"all images sit in one folder ({class_name(prefix[-1])})" if prefix else "no image sits in a subfolder"
        return FolderLabels(reason=f"{where}, so there are no classes", had_folders=had_folders)
    top = sum(f is None for f in firsts)
    if top:
        sit = "image sits" if top == 1 else "images sit"
        return FolderLabels(reason=f"{top:,} {sit} at the top level beside the subfolder{'s' if len(found) > 1 else ''} "
                                   f"{_listing([class_name(f) for f in found])}, so there are no classes (move every image "
                                   "into a subfolder to use the subfolders as classes)", had_folders=had_folders)
    groups: dict[str, list[str]] = {}
    for folder in found:
        groups.setdefault(_clean(folder).casefold(), []).append(folder)
    sizes = Counter(firsts)
    for members in groups.values():  # a merged class is named after its largest folder
        members.sort(key=lambda f: -sizes[f])
    merged = tuple(tuple(_visible(f) for f in g) for g in groups.values() if len(g) > 1)
    if len(groups) < 2:
        return FolderLabels(reason=f"the folders {_listing([_visible(f) for f in found])} are one class once case and spacing are ignored, "
                                   "so there are no classes", merged=merged, had_folders=True)
    if len(groups) > MAX_CLASSES:
        return FolderLabels(reason=f"the images sit in {len(groups):,} subfolders, more than the limit of "
                                   f"{MAX_CLASSES:,} classes", had_folders=True)
    full = sorted(groups, key=lambda k: (_natural(_clean(groups[k][0])), groups[k][0]))
    shown: list[str] = []
    taken: set[str] = set()
    for key in full:
        text, k = _clean(groups[key][0]), 1
        name = _shorten(text)
        while name.casefold() in taken:  # two long names alike in their first 40 characters
            k += 1
            name = _shorten(text, f" ({k})")
        taken.add(name.casefold())
        shown.append(name)
    order = {key: k for k, key in enumerate(full)}
    index = {folder: order[key] for key, members in groups.items() for folder in members}

    def class_of(name: str) -> int | None:
        parts = _parts(name)[:-1]
        return index.get(parts[strip]) if len(parts) > strip and parts[:strip] == prefix else None

    split = sum(len({class_of(n) for n in group} - {None}) > 1 for group in duplicates)
    return FolderLabels(tuple(shown), tuple(index[f] for f in firsts if f is not None), "", merged, split, True)


def labelled_key(base_key: str, shas: Sequence[str], found: FolderLabels) -> str:
    """The cache key of a dataset: ``base_key`` when unlabelled, else a hash of it and each image's class."""
    if not found.labelled:
        return base_key
    pairs = sorted(zip(shas, (found.classes[i] for i in found.labels)))
    payload = json.dumps({"base": base_key, "classes": pairs}, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def likely_keys(base_key: str, shas: Sequence[str], names: Sequence[str]) -> list[str]:
    """Cache keys a conversion of these files may have had, most likely first (before any is decoded).

    Which files are images is known only after decoding them, and the classes come from
    the images kept; so the guesses are: every file kept, only the files named like
    images kept, none labelled. A guess is only a place to look: the caller checks it.
    """
    looks = [k for k, n in enumerate(names) if n.lower().endswith(_IMAGE_SUFFIXES)]
    keys = [labelled_key(base_key, [shas[k] for k in pick], labels_from_names([names[k] for k in pick]))
            for pick in (range(len(names)), looks)]
    return list(dict.fromkeys([*keys, base_key]))
