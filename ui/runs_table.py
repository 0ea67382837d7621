"""The Runs page's table: one row per run, in everyday words, with its disk use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from dcgan_core import run_disk_usage
from ui.fmt import duration, number, size, status_label
from ui.labels import preset_title

__all__ = ["runs_table", "run_title"]


def _created(value) -> str:
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M")
    try:
        return dt.datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value or "")


def run_title(run) -> str:
    """The name a run shows: the one its user gave, else its id."""
    return run.display_name or run.run_id


@st.cache_data(show_spinner=False, max_entries=256)
def _disk_use(path: str, stamp: float) -> int:
    return run_disk_usage(Path(path))


def _disk(run) -> str:
    """The run folder's size on disk (re-measured when its status file changes)."""
    status = Path(run.path) / "status.json"
    try:
        return size(_disk_use(str(run.path), status.stat().st_mtime if status.exists() else 0.0))
    except OSError:
        return "–"


def runs_table(runs) -> None:
    """Every run as a row: status, name, dataset, preset, progress, losses, quality, time and disk use."""
    rows = [
        {
            "Status": status_label("damaged" if r.damaged else r.status),
            "Name": run_title(r),
            "Dataset": r.dataset_name or "–",
            "Preset": preset_title(r.preset) if not r.damaged else "–",
            "Epochs": f"{r.epochs_done} / {r.epochs_total}",
            "Generator loss": number(r.last_g_loss),
            "Discriminator loss": number(r.last_d_loss),
            "Quality score": number(r.last_swd),
            "Duration": duration(r.duration_seconds),
            "Disk": _disk(r),
            "Created": _created(r.created),
            "Run": r.run_id,
            "Problem": r.problem or "",
        }
        for r in runs
    ]
    table = pd.DataFrame(rows)
    if not table["Problem"].any():
        table = table.drop(columns=["Problem"])
    columns = {
        "Status": st.column_config.TextColumn(width="small"),
        "Name": st.column_config.TextColumn(width="medium"),
        "Preset": st.column_config.TextColumn(width="medium"),
        "Created": st.column_config.TextColumn(width="medium"),
        "Quality score": st.column_config.TextColumn(
            help="Sliced Wasserstein distance (SWD) between generated "
            "and real images at the last measurement; lower is better."
        ),
        "Run": None,  # the id is kept for reference (the Inspect section shows it), not as a column
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=columns)
