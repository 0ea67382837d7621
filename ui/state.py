"""The one job manager of the process, shared by every browser session.

``st.cache_resource`` keeps a single :class:`dcgan_core.JobManager` per runs folder for
the life of the server, so a refresh, a second tab or a second browser sees the same
jobs, and closing every tab stops nothing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dcgan_core import JobManager, default_runs_dir

__all__ = ["manager", "runs_dir"]


@st.cache_resource(show_spinner=False)
def _manager_for(folder: str) -> JobManager:
    return JobManager(runs_dir=Path(folder))


def runs_dir() -> Path:
    """The runs folder (``$DCGAN_RUNS_DIR`` or the project's ``runs/``)."""
    return default_runs_dir()


def manager() -> JobManager:
    """The process-wide job manager for the current runs folder."""
    return _manager_for(str(runs_dir()))
