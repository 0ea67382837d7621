"""The sidebar every page shows: the active run at a glance and a link to its live view."""

from __future__ import annotations

import math

import streamlit as st

from ui.fmt import duration, status_label
from ui.names import run_name
from ui.state import manager

__all__ = ["render_sidebar"]

_REFRESH_SECONDS = 5.0


def _panel(started_active: bool) -> None:
    jobs = manager()
    snap = jobs.active()
    if snap is None:
        if started_active:
            st.rerun()  # the run just ended: redraw the whole page once, then stop polling
        st.caption("No training in progress.")
        st.page_link("pages/train.py", label="Start a run", icon=":material/play_circle:")
        return
    st.markdown(f"**{status_label(snap.status)}**  \n{run_name(snap.run_id)}")
    st.progress(snap.progress, text=f"Epoch {snap.epoch} / {snap.epochs_total}")
    details = []
    if snap.status == "paused":
        details.append("paused")
    elif math.isfinite(snap.images_per_sec) and snap.images_per_sec > 0:
        details.append(f"{snap.images_per_sec:,.0f} img/s")
    if snap.status == "running" and math.isfinite(snap.eta_seconds):
        details.append(f"about {duration(snap.eta_seconds)} left")
    if details:
        st.caption(" · ".join(details))
    queued = [j for j in jobs.jobs() if j.status == "queued"]
    if queued:
        st.caption(f"⏳ {len(queued)} more run(s) queued")
    st.page_link("pages/train.py", label="Open the live view", icon=":material/monitoring:")


def render_sidebar() -> None:
    """Draw the run panel in the sidebar; it refreshes itself only while a run is active."""
    with st.sidebar:
        st.subheader("Training", divider="violet")
        active = manager().active() is not None
        st.fragment(_panel, run_every=_REFRESH_SECONDS if active else None)(active)
