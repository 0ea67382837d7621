"""Classes in the pages: whether a dataset has classes, and the per-class quality of a run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dcgan_core import DcganError, read_class_quality, read_dataset_classes

__all__ = ["class_quality_table", "dataset_class_names", "dataset_has_classes"]


def _stamp(path: Path) -> tuple[float, ...]:
    """Modification times of a dataset's files that hold labels (a change means new classes)."""
    stamps = []
    for candidate in (path, path.with_suffix(".json"), path.with_name(f"{path.stem}_labels.npy")):
        try:
            stamps.append(candidate.stat().st_mtime)
        except OSError:
            stamps.append(0.0)
    return tuple(stamps)


@st.cache_data(max_entries=64, show_spinner=False)
def _names(path: str, stamp: tuple[float, ...]) -> tuple[str, ...]:
    try:
        found = read_dataset_classes(path)
    except DcganError:
        return ()
    return found.names if found is not None else ()


def dataset_class_names(path: str | Path) -> tuple[str, ...]:
    """The class names of a dataset (empty when it has none, or its labels are damaged)."""
    path = Path(path)
    return _names(str(path), _stamp(path))


def dataset_has_classes(path: str | Path) -> bool:
    """True when the dataset's images are sorted into two or more classes."""
    return len(dataset_class_names(path)) >= 2


def class_quality_table(run_dir: Path, class_count: int) -> None:
    """The newest per-class measure of a conditional run: does each class draw like its own images?"""
    st.markdown("##### 🏷️ Classes")
    found = read_class_quality(run_dir)
    if found is None:
        st.caption(f"This run draws {class_count} classes. How well each class follows its own images "
                   "appears here with the first quality check.")
        return
    epoch, quality = found
    right = int(round(quality.accuracy * len(quality.names)))
    st.caption(f"After epoch {epoch}: **{right} of {len(quality.names)}** classes draw samples closest to "
               "their own real images. The distances are the quality score (SWD) of each class's samples "
               "against the real images of that class and of the nearest other class; lower is closer.")
    own, other = quality.own, quality.nearest_other
    table = pd.DataFrame({
        "Class": list(quality.names),
        "To its own images": own.round(1),
        "To the nearest other class": other.round(1),
        "Follows its class": ["✅" if a < b else "❌" for a, b in zip(own, other)],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="live_class_table")
