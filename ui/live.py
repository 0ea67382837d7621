"""The live view of one run: controls, progress, curves, the fixed-seed grid and the coach.

The view is a fragment that re-runs itself every couple of seconds while its run is
queued, running or paused, and not at all otherwise. It only reads the job manager's
immutable snapshots; the training thread never touches Streamlit.
"""

from __future__ import annotations

import math

import streamlit as st

from dcgan_core import DcganError, coach_messages
from ui.charts import CHART_CONFIG, accuracy_figure, has_values, histogram_figure, loss_figure, swd_figure
from ui.datasets import image_count, show_grid
from ui.fmt import ACTIVE_STATUSES, duration, number, status_label
from ui.labels import preset_title
from ui.names import run_name
from ui.state import manager

__all__ = ["live_view", "REFRESH_SECONDS"]

REFRESH_SECONDS = 2.0
_COACH_BOX = {"error": st.error, "warning": st.warning, "info": st.info}


def _last(values: list[float]) -> float | None:
    for value in reversed(values or []):
        if value is not None and math.isfinite(value):
            return float(value)
    return None


def _controls(snap) -> None:
    jobs = manager()
    row = st.container(horizontal=True, vertical_alignment="center")
    try:
        if snap.status == "running" and row.button("Pause", icon=":material/pause:", key="live_pause"):
            jobs.pause(snap.run_id)
            st.rerun()
        if snap.status == "paused" and row.button("Resume", icon=":material/play_arrow:", key="live_resume",
                                                  type="primary"):
            jobs.resume(snap.run_id)
            st.rerun()
        if snap.status in ACTIVE_STATUSES and row.button(
                "Stop", icon=":material/stop:", key="live_stop",
                help="Stops after the current batch and keeps everything saved so far."):
            jobs.stop(snap.run_id)
            st.rerun()
    except DcganError as err:
        st.error(str(err))
    if snap.status in ACTIVE_STATUSES:
        return
    with row.popover("Train more", icon=":material/add_circle:"):
        extra = st.number_input("Extra epochs", min_value=1, max_value=100_000, value=5, key="live_extra")
        if st.button("Continue training", key="live_continue", type="primary"):
            try:
                new_id = jobs.continue_run(snap.run_id, int(extra))
            except DcganError as err:
                st.error(str(err))
            else:
                st.session_state["train_run_id"] = new_id
                st.rerun()
    row.page_link("pages/runs.py", label="All runs", icon=":material/history:")
    row.page_link("pages/explore.py", label="Explore this model", icon=":material/explore:")


def _header(snap) -> None:
    config = snap.config
    left, right = st.columns([3, 2])
    left.markdown(f"#### {status_label(snap.status)} · {run_name(snap.run_id)}")
    right.caption(f"Preset **{preset_title(config.preset)}** · device **{snap.device or '…'}** · id `{snap.run_id}`",
                  help="The run id is the name of the run's folder, and what the command line uses.")
    if snap.status == "queued":
        position = snap.queue_position
        st.info(f"Queued{f' (position {position})' if position else ''}: it starts as soon as the current run ends.",
                icon="⏳")
    elif snap.status == "failed":
        st.error(snap.message or "The run failed.", icon="❌")
        if snap.traceback:
            with st.expander("Technical details (traceback)"):
                st.code(snap.traceback, language="text")
    elif snap.message and snap.status != "running":
        st.caption(snap.message)


def _numbers(snap) -> None:
    history = snap.history or {}
    cols = st.columns(5)
    cols[0].metric("Epoch", f"{snap.epoch} / {snap.epochs_total}")
    cols[1].metric("Generator loss", number(_last(history.get("g_loss", []))))
    cols[2].metric("Discriminator loss", number(_last(history.get("d_loss", []))))
    speed = snap.images_per_sec
    if snap.status == "paused":
        # a paused run has no speed and no time left: the last ones would be untrue
        cols[3].metric("Speed", "Paused", help="Press Resume to go on training.")
    else:
        cols[3].metric("Images / s", f"{speed:,.0f}" if math.isfinite(speed) and speed > 0 else "–")
    if snap.status == "running":
        cols[4].metric("Time left", duration(snap.eta_seconds), help="Estimated from the recent speed.")
    else:
        cols[4].metric("Time trained", duration(snap.elapsed_seconds))
    if snap.status in ACTIVE_STATUSES:
        step_text = " · paused" if snap.status == "paused" else (f" · step {snap.step}" if snap.step else "")
        st.progress(snap.progress, text=f"Epoch {snap.epoch} of {snap.epochs_total}{step_text}")


def _charts(snap) -> None:
    history = snap.history or {}
    if not has_values(history, "g_loss"):
        st.info("The first curves appear when the first epoch ends.", icon="📈")
        return
    smoothing = st.slider("Curve smoothing", 0.0, 0.95, 0.0, 0.05, key="live_smoothing",
                          help="Averages out the noise of the curves; 0 shows the raw values.")
    st.plotly_chart(loss_figure(history, smoothing), key="live_loss", config=CHART_CONFIG)
    st.plotly_chart(accuracy_figure(history), key="live_acc", config=CHART_CONFIG)
    if has_values(history, "swd"):
        st.plotly_chart(swd_figure(history), key="live_swd", config=CHART_CONFIG)


def _samples(snap) -> None:
    if not snap.config.is_image_model:
        if snap.histograms:
            st.plotly_chart(histogram_figure(snap.histograms), key="live_hist", config=CHART_CONFIG)
        if has_values(snap.history or {}, "kl"):
            kl_title = "Distance from the real curve (KL divergence; lower is better)"
            st.plotly_chart(swd_figure(snap.history, key="kl", title=kl_title), key="live_kl", config=CHART_CONFIG)
        return
    if snap.latest_grid is None:
        st.info("The sample grid appears after the first saved epoch.", icon="🖼️")
        return
    show_grid(snap.latest_grid, caption=f"Fixed-seed samples after epoch {snap.latest_grid_epoch}")


def _coach(snap) -> None:
    history = snap.history or {}
    size = image_count(snap.config.data_path) if snap.config.is_image_model else None
    messages = coach_messages(history, size, snap.status)
    st.markdown("##### 🧑‍🏫 Coach")
    if not messages:
        if has_values(history, "g_loss"):
            st.success("No known problem in the numbers so far.", icon="👍")
        else:
            st.caption("Advice appears here once the first epochs are in.")
    for message in messages:
        _COACH_BOX[message.level](f"**{message.title}**\n\n{message.advice}")


def _body(run_id: str, started_active: bool) -> None:
    snap = manager().snapshot(run_id)
    if snap is None:
        st.warning(f"Run {run_id} is no longer known to the job manager; see the Runs page.")
        return
    if started_active and snap.status not in ACTIVE_STATUSES:
        st.rerun()  # the run just ended: redraw the page once without the timer
    with st.container(border=True):
        _header(snap)
        _controls(snap)
        _numbers(snap)
    left, right = st.columns([3, 2], gap="large")
    with left:
        _charts(snap)
    with right:
        _samples(snap)
        _coach(snap)


def live_view(run_id: str) -> None:
    """Draw the live view of ``run_id``; it refreshes itself while the run is active."""
    snap = manager().snapshot(run_id)
    active = snap is not None and snap.status in ACTIVE_STATUSES
    st.fragment(_body, run_every=REFRESH_SECONDS if active else None)(run_id, active)
