"""Classes from folder names: one per first-level subfolder of a folder, zip or directory upload.

Once the folders that every image shares are set aside, each remaining first-level folder
is a class (:func:`labels_from_names`), or the reasons why there are none. The cache key of
a labelled dataset includes each image's class (:func:`labelled_key`), so the same files
sorted otherwise are another dataset, while an unlabelled dataset keeps the key it always had.
"""

from __future__ import annotations


import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dcgan_core.data.labels import MAX_CLASSES, class_counts

__all__ = ["FolderLabels", "labels_from_names", "class_name", "MAX_CLASS_NAME"]


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
    return text[: MAX_CLASS_NAME - 1 - len(tag)].rstrip() + "…" + tag


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
        return FolderLabels(
            reason=f"{top:,} {sit} at the top level beside the subfolder{'s' if len(found) > 1 else ''} "
            f"{_listing([class_name(f) for f in found])}, so there are no classes (move every image "
            "into a subfolder to use the subfolders as classes)",
            had_folders=had_folders,
        )
    groups: dict[str, list[str]] = {}
    for folder in found:
        groups.setdefault(_clean(folder).casefold(), []).append(folder)
    sizes = Counter(firsts)
    for members in groups.values():  # a merged class is named after its largest folder
        members.sort(key=lambda f: -sizes[f])
    merged = tuple(tuple(_visible(f) for f in g) for g in groups.values() if len(g) > 1)
    if len(groups) < 2:
        return FolderLabels(
            reason=f"the folders {_listing([_visible(f) for f in found])} are one class once case and spacing are ignored, "
            "so there are no classes",
            merged=merged,
            had_folders=True,
        )
    if len(groups) > MAX_CLASSES:
        return FolderLabels(
            reason=f"the images sit in {len(groups):,} subfolders, more than the limit of {MAX_CLASSES:,} classes",
            had_folders=True,
        )
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
    keys = [
        labelled_key(base_key, [shas[k] for k in pick], labels_from_names([names[k] for k in pick]))
        for pick in (range(len(names)), looks)
    ]
    return list(dict.fromkeys([*keys, base_key]))
