"""The health report of a prepared dataset: what was used, what was not and why.

A :class:`HealthReport` is built from plain facts (each usable image's original size and
mode, the skipped files with reasons, the groups of identical files, the classes that the
folders give) plus a preview grid of what the GAN will see. Its warnings are sentences for
a person.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterable, Sequence

import numpy as np

from dcgan_core.data.folder_labels import FolderLabels

__all__ = ["SMALL_DATASET", "SMALL_CLASS", "UNBALANCED_RATIO", "HealthReport", "build_report"]

#: Under this many usable images, the report warns that training will struggle.
SMALL_DATASET = 500
#: Under this many images, a class is too small to learn.
SMALL_CLASS = 20
#: Above this ratio of the largest class to the smallest, the classes are strongly unbalanced.
UNBALANCED_RATIO = 5.0


@dataclass(frozen=True, eq=False)
class HealthReport:
    """What a conversion found, for the person to read before training.

    Attributes:
        usable: Images in the dataset.
        skipped: ``(name, reason)`` for every file that was not used.
        duplicates: Groups of names whose files are byte-identical (only the first of
            each group is in the dataset when duplicates are dropped).
        total: Files looked at (usable + skipped + dropped duplicates).
        size_stats: min / median / max of the originals' width and height (pixels).
        size_buckets: How many originals were smaller than the target, up to twice it, larger.
        aspect_buckets: How many originals were tall, about square, or wide.
        modes: Colour modes seen (``RGB``, ``RGBA``, ``P``, ``L`` ...) and their counts.
        formats: File formats seen and their counts.
        warnings: Plain sentences about problems worth knowing before training.
        preview: uint8 grid (H, W, C) of dataset images as the GAN will see them.
        classes: ``(class name, images)`` of each class, in class order; empty when the
            dataset has no labels.
        class_note: Why the folders that were there are not classes ("" when there are
            classes, or no folders at all).
    """

    usable: int
    skipped: tuple[tuple[str, str], ...] = ()
    duplicates: tuple[tuple[str, ...], ...] = ()
    total: int = 0
    size_stats: dict[str, int] = field(default_factory=dict)
    size_buckets: dict[str, int] = field(default_factory=dict)
    aspect_buckets: dict[str, int] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    formats: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    preview: np.ndarray | None = None
    classes: tuple[tuple[str, int], ...] = ()
    class_note: str = ""

    @property
    def skipped_count(self) -> int:
        """How many files were skipped."""
        return len(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (everything but the preview)."""
        return {
            "usable": self.usable,
            "skipped": [list(s) for s in self.skipped],
            "duplicates": [list(g) for g in self.duplicates],
            "total": self.total,
            "size_stats": self.size_stats,
            "size_buckets": self.size_buckets,
            "aspect_buckets": self.aspect_buckets,
            "modes": self.modes,
            "formats": self.formats,
            "warnings": list(self.warnings),
            "classes": [list(c) for c in self.classes],
            "class_note": self.class_note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HealthReport:
        """The report back from :meth:`to_dict` (without a preview); missing keys take their defaults."""
        return cls(
            usable=int(data.get("usable", 0)),
            skipped=tuple((str(n), str(r)) for n, r in data.get("skipped", [])),
            duplicates=tuple(tuple(str(n) for n in g) for g in data.get("duplicates", [])),
            total=int(data.get("total", 0)),
            size_stats=dict(data.get("size_stats", {})),
            size_buckets=dict(data.get("size_buckets", {})),
            aspect_buckets=dict(data.get("aspect_buckets", {})),
            modes=dict(data.get("modes", {})),
            formats=dict(data.get("formats", {})),
            warnings=tuple(str(w) for w in data.get("warnings", [])),
            classes=tuple((str(n), int(c)) for n, c in data.get("classes", [])),
            class_note=str(data.get("class_note", "")),
        )

    def summary(self, max_reasons: int = 10) -> str:
        """A few lines of plain text (the CLI prints this)."""
        lines = [
            f"{self.usable:,} usable images, {self.skipped_count:,} skipped, "
            f"{sum(len(g) - 1 for g in self.duplicates):,} exact duplicates (of {self.total:,} files)."
        ]
        if self.modes:
            lines.append("Modes: " + ", ".join(f"{m} {n}" for m, n in sorted(self.modes.items())))
        if self.size_stats:
            s = self.size_stats
            lines.append(
                f"Original sizes: {s['min_width']}x{s['min_height']} to {s['max_width']}x{s['max_height']}"
                f" (median {s['median_width']}x{s['median_height']})."
            )
        if self.classes:
            lines.append(
                f"{len(self.classes):,} classes: "
                + ", ".join(f"{n} {c:,}" for n, c in self.classes[:20])
                + (f", ... and {len(self.classes) - 20:,} more" if len(self.classes) > 20 else "")
                + "."
            )
        elif self.class_note:
            lines.append(f"No classes: {self.class_note}.")
        for name, reason in self.skipped[:max_reasons]:
            lines.append(f"  skipped {name}: {reason}")
        if self.skipped_count > max_reasons:
            lines.append(f"  ... and {self.skipped_count - max_reasons:,} more skipped files.")
        lines.extend(f"Warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def _aspect_label(width: int, height: int) -> str:
    ratio = width / max(1, height)
    return "tall (under 4:5)" if ratio < 0.8 else "wide (over 5:4)" if ratio > 1.25 else "about square"


def _class_warnings(found: FolderLabels) -> list[str]:
    """Sentences about classes too small to learn, strongly unbalanced, merged, or sharing files."""
    counts = found.counts()
    warnings: list[str] = []
    small = [(n, c) for n, c in zip(found.classes, counts) if c < SMALL_CLASS]
    if small:
        listed = ", ".join(f"{n} ({c:,})" for n, c in small[:8]) + (
            f" and {len(small) - 8:,} more" if len(small) > 8 else ""
        )
        have = "has" if len(small) == 1 else "have"
        warnings.append(
            f"{len(small):,} of {len(counts):,} classes {have} fewer than {SMALL_CLASS} images, too small to "
            f"learn: {listed}. Add images to them, or leave their folders out."
        )
    if counts and min(counts) and max(counts) / min(counts) > UNBALANCED_RATIO:
        most, least = int(np.argmax(counts)), int(np.argmin(counts))
        warnings.append(
            f"The classes are strongly unbalanced: {found.classes[most]} has {counts[most]:,} images, "
            f"{found.classes[least]} only {counts[least]:,} ({counts[most] / counts[least]:.0f} times fewer); "
            "the small classes will be drawn less well."
        )
    for group in found.merged:
        warnings.append(
            f"The folders {', '.join(group)} were taken as one class: their names are the same once "
            "case, spacing and Unicode forms are set aside."
        )
    if found.split_duplicates:
        were = "image was" if found.split_duplicates == 1 else "images were"
        warnings.append(
            f"{found.split_duplicates:,} {were} found in more than one class; each was kept once, "
            "in the class of its first copy."
        )
    return warnings


def build_report(
    infos: Sequence[dict[str, Any]],
    skipped: Iterable[tuple[str, str]],
    duplicates: Iterable[Sequence[str]],
    options: Any,
    preview: np.ndarray | None,
    total: int,
    classes: FolderLabels | None = None,
) -> HealthReport:
    """Assemble a report from the facts of one conversion.

    Args:
        infos: One dict per usable image with ``width``, ``height``, ``mode``, ``format``.
        skipped: ``(name, reason)`` pairs.
        duplicates: Groups of names with identical content.
        options: The :class:`~dcgan_core.data.decode.PrepareOptions` used.
        preview: Grid of dataset images, or None.
        total: Number of files looked at.
        classes: The classes the images' folders give (from
            :func:`~dcgan_core.data.labels.labels_from_names`), or None.
    """
    skipped = tuple((str(n), str(r)) for n, r in skipped)
    groups = tuple(tuple(g) for g in duplicates if len(g) > 1)
    usable = len(infos)
    widths = np.array([i["width"] for i in infos] or [0])
    heights = np.array([i["height"] for i in infos] or [0])
    size = options.size
    short = np.minimum(widths, heights)
    stats: dict[str, int] = {}
    buckets: dict[str, int] = {}
    aspects: dict[str, int] = {}
    if usable:
        stats = {
            f"{k}_{axis}": int(f(v))
            for axis, v in (("width", widths), ("height", heights))
            for k, f in (("min", np.min), ("median", np.median), ("max", np.max))
        }
        buckets = {
            f"smaller than {size} px (enlarged)": int((short < size).sum()),
            f"{size} to {2 * size - 1} px": int(((short >= size) & (short < 2 * size)).sum()),
            f"{2 * size} px or more": int((short >= 2 * size).sum()),
        }
        aspects = dict(Counter(_aspect_label(i["width"], i["height"]) for i in infos))
    warnings: list[str] = []
    if 0 < usable < SMALL_DATASET:
        warnings.append(
            f"Only {usable:,} usable images. A GAN usually needs at least {SMALL_DATASET:,} (thousands is better); "
            "with fewer, expect blurry or repetitive samples, or copies of your own images after long training."
        )
    dropped = sum(len(g) - 1 for g in groups)
    if dropped and getattr(options, "drop_duplicates", True):
        warnings.append(f"{dropped:,} files were exact copies of others; one copy of each was kept.")
    if usable and buckets.get(f"smaller than {size} px (enlarged)", 0) > usable / 4:
        n = buckets[f"smaller than {size} px (enlarged)"]
        warnings.append(
            f"{n:,} images are smaller than {size} pixels and were enlarged; they will look blurry to the GAN."
        )
    off_square = usable - aspects.get("about square", 0) if usable else 0
    if options.fit == "crop" and off_square > usable / 4:
        warnings.append(
            f"{off_square:,} images are far from square; the center crop cuts off their edges "
            "(choose 'pad' to keep whole pictures)."
        )
    if skipped and usable and len(skipped) > usable:
        warnings.append(f"More files were skipped ({len(skipped):,}) than used ({usable:,}); check the reasons below.")
    found = classes or FolderLabels()
    if found.labelled:
        warnings += _class_warnings(found)
    return HealthReport(
        usable=usable,
        skipped=skipped,
        duplicates=groups,
        total=total,
        size_stats=stats,
        size_buckets=buckets,
        aspect_buckets=aspects,
        modes=dict(Counter(i["mode"] for i in infos)),
        formats=dict(Counter(i["format"] for i in infos)),
        warnings=tuple(warnings),
        preview=preview,
        classes=tuple(zip(found.classes, found.counts())),
        class_note="" if found.labelled or not found.had_folders else found.reason,
    )
