"""Dataset helpers for the pages: cached thumbnails, image counts, grid display, resizing."""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Callable

import numpy as np
import streamlit as st

from dcgan_core import (
    ImageSource,
    PrepareOptions,
    dataset_thumbnail,
    default_cache_dir,
    encode_png,
    list_datasets,
    open_dataset,
    prepare_dataset,
    read_dataset_classes,
    upscale,
)

__all__ = ["datasets", "thumbnail", "image_count", "show_grid", "display_grid", "resize_dataset"]


def datasets() -> list:
    """Every cached dataset, the bundled sample first (see ``dcgan_core.list_datasets``)."""
    return list(list_datasets(default_cache_dir()))


def _stamp(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@st.cache_data(show_spinner=False, max_entries=64)
def _thumbnail(path: str, stamp: float, n: int) -> np.ndarray:
    return dataset_thumbnail(Path(path), n=n, seed=0)


def thumbnail(path: str | Path, n: int = 16) -> np.ndarray:
    """A fixed-seed grid of ``n`` images of a dataset, cached until the file changes."""
    return _thumbnail(str(path), _stamp(str(path)), n)


@st.cache_data(show_spinner=False, max_entries=64)
def _count(path: str, stamp: float) -> int:
    return int(open_dataset(Path(path)).shape[0])


def image_count(path: str | Path | None) -> int | None:
    """How many images a ``.npy`` dataset holds, or None when it cannot be read."""
    if not path:
        return None
    try:
        return _count(str(path), _stamp(str(path)))
    except Exception:  # a missing or damaged file: the caller shows "unknown"
        return None


def display_grid(grid: np.ndarray, target: int = 420) -> np.ndarray:
    """Upscale a small grid (nearest neighbour, crisp pixels) to at least ``target`` pixels wide; drop a single channel."""
    image = np.asarray(grid, dtype=np.uint8)
    factor = max(1, -(-target // max(image.shape[0], image.shape[1], 1)))
    image = upscale(image, factor)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return image


def show_grid(grid: np.ndarray, caption: str | None = None, target: int = 420) -> None:
    """Draw a uint8 grid at least ``target`` pixels wide (enlarged by a whole factor, rounded up).

    Digits and faces alike come out between ``target`` and twice that (or their own size
    when larger), with crisp pixels: no resampling by the server or the browser.
    """
    st.image(display_grid(grid, target), caption=caption)


def resize_dataset(
    path: str | Path,
    name: str,
    size: int,
    channels: int,
    progress: Callable[[int, int], None] | None = None,
):
    """Convert a cached dataset to another square size (and channel count).

    The images are passed through the normal ingestion path, so the result is an
    ordinary cached dataset with its own health report; a labelled dataset's images go in
    one folder per class, so the copy keeps the classes.

    Returns:
        The ``PreparedDataset`` of the converted copy.
    """
    array = open_dataset(Path(path))
    found = read_dataset_classes(Path(path), int(array.shape[0]))
    folders = [f"{found.names[k].replace('/', '∕').replace(chr(92), '∖')}/" for k in found.labels] if found else None
    sources = [
        ImageSource(f"{folders[i] if folders else ''}{name}-{i:06d}.png", encode_png(array[i]))
        for i in range(array.shape[0])
    ]
    options = PrepareOptions(size=size, channels=channels, fit="stretch")
    return prepare_dataset(
        sources, options, cache_dir=default_cache_dir(), name=f"{name} ({size}x{size})", progress=progress
    )
