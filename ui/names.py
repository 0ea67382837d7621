"""Names a person reads: a run's friendly name, and the name an upload of files suggests.

A run keeps its id as its folder name (``20261123-075238-custom-d8d7``); people see its
display name: the one they gave it on the Runs page, else "<dataset> · Dec 4 14:05".
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path, PurePosixPath
from typing import Any
from collections.abc import Iterable

import streamlit as st

from dcgan_core import DcganError, read_run_config, run_display_name, run_path

__all__ = ["run_name", "upload_name", "distinct", "dataset_title"]


@st.cache_data(show_spinner=False, max_entries=512)
def _name(config_path: str, stamp: float) -> str:
    _config, meta = read_run_config(Path(config_path).parent)
    return run_display_name(meta)


def run_name(run_id: str) -> str:
    """The display name of a run of the current runs folder (its id when it cannot be read)."""
    try:
        path = run_path(run_id) / "config.json"
        return _name(str(path), os.stat(path).st_mtime)
    except (DcganError, OSError):
        return run_id


def dataset_title(info: Any) -> str:
    """The short name a run takes from its dataset: "MNIST digits", not the bundled sample's long title."""
    name = str(getattr(info, "name", "") or "").strip()
    if getattr(info, "bundled", False) and " (" in name:
        name = name.split(" (", 1)[0]
    return name or "my images"


def distinct(labels: dict[str, str]) -> dict[str, str]:
    """``{run_id: label}`` with the end of the run id added where two labels would read the same."""
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {run_id: f"{label} (#{run_id[-4:]})" if seen[label] > 1 else label for run_id, label in labels.items()}


def upload_name(file_names: Iterable[str], usable: int | None = None, today: dt.date | None = None) -> str:
    """The dataset name an upload suggests: its common folder, else "N uploaded images · Dec 4".

    Never a single file's name: the first file of a pile (maybe a broken one) says nothing
    about the rest. A lone zip archive names the dataset after itself.

    Args:
        file_names: The uploaded names, with the folder path a directory upload carries.
        usable: How many images to count in the fallback name (default: every file).
        today: The date of the fallback name (default: today).
    """
    names = [str(n).replace("\\", "/") for n in file_names if str(n).strip()]
    if not names:
        return "my images"
    folders = [PurePosixPath(n).parts[:-1] for n in names]
    common: list[str] = []
    for level in zip(*folders):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    if common:
        return common[-1][:40]
    if len(names) == 1 and names[0].lower().endswith(".zip"):
        return PurePosixPath(names[0]).stem[:40] or "my images"
    day = today or dt.date.today()
    count = len(names) if usable is None else usable
    return f"{count} uploaded image{'s' if count != 1 else ''} · {day.strftime('%b')} {day.day}"
