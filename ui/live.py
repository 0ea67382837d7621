"""The live view of one run: controls, progress, curves, the fixed-seed grid and the coach.

Two fragments refresh themselves while the run is queued, running or paused, and not at
all otherwise: the status block (step counter, speed, controls) every few seconds,
and the epoch block (curves, grid, coach), which only changes when an epoch ends, less
often. The charts and the enlarged grid of an epoch are built once and reused by every
viewer and every refresh, so a room full of open tabs costs the training little. The
view only reads the job manager's snapshots of the run folder.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import streamlit as st

from dcgan_core import DcganError, coach_messages, encode_png, grid_class_rows, run_path
from ui.classes import class_quality_table
from ui.charts import has_values
from ui.live_charts import accuracy_chart, histogram_chart, loss_chart, quality_chart
from ui.datasets import display_grid, image_count
from ui.fmt import ACTIVE_STATUSES, duration, number, status_label
from ui.labels import preset_title
from ui.names import run_name
from ui.state import manager, runs_dir

__all__ = ["live_view", "REFRESH_SECONDS"]

# Each refresh costs every open tab some drawing on the machine that trains. bench/viewers.py, three tabs
# on a running job (2-core CPU): 2 s / 6 s kept 0.69-0.73 of the training speed, 3 s / 12 s kept 0.80-0.84,
# and 0.87-0.92 once the server stopped a full garbage collection per refresh (.streamlit/config.toml).
# The recommended preset writes a grid every 15 s, so curves and grid every 12 s miss nothing new.
REFRESH_SECONDS = 3.0
EPOCH_REFRESH_SECONDS = 12.0
_BUILT: OrderedDict = OrderedDict()  # per run and epoch: its charts and its grid, shared by every viewer (_built)
_BUILT_KEPT = 32  # a few kinds per run and epoch (curves per smoothing, augmentation, grid)
_BUILT_LOCK = threading.Lock()  # every viewer's session runs in its own thread of the server
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
        if snap.status == "paused" and row.button(
            "Resume", icon=":material/play_arrow:", key="live_resume", type="primary"
        ):
            jobs.resume(snap.run_id)
            st.rerun()
        if snap.status in ACTIVE_STATUSES and row.button(
            "Stop",
            icon=":material/stop:",
            key="live_stop",
            help="Stops after the current batch and keeps everything saved so far.",
        ):
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
    right.caption(
        f"Preset **{preset_title(config.preset)}** · device **{snap.device or '…'}** · id `{snap.run_id}`",
        help="The run id is the name of the run's folder, and what the command line uses.",
    )
    if snap.status == "queued":
        position = snap.queue_position
        st.info(
            f"Queued{f' (position {position})' if position else ''}: it starts as soon as the current run ends.",
            icon="⏳",
        )
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
    smoothing = st.slider(
        "Curve smoothing",
        0.0,
        0.95,
        0.0,
        0.05,
        key="live_smoothing",
        help="Averages out the noise of the curves; 0 shows the raw values.",
    )
    charts = _built(
        ("curves", *_history_key(snap), smoothing),
        lambda: (
            [loss_chart(history, smoothing), accuracy_chart(history)]
            + ([quality_chart(history)] if has_values(history, "swd") else [])
        ),
    )
    for chart in charts:
        _show(chart)
    if snap.config.augment_ops and has_values(history, "augment_p"):
        _augmentation(snap)


def _show(chart: str) -> None:
    """Put an SVG chart on the page, inline so that its hover tooltips work.

    ``st.html`` would strip SVG (its sanitiser allows HTML elements only); the chart is markup
    this app builds, with every text escaped.
    """
    st.markdown(chart, unsafe_allow_html=True)


def _augmentation(snap) -> None:
    """The adaptive augmentation's strength per epoch, and the judge's signal that steers it."""
    history = snap.history or {}
    strength, signal = _last(history.get("augment_p", [])), _last(history.get("rt", []))
    title = "Augmentation strength (0 = none, 1 = every image)"
    _show(_built(("augment", *_history_key(snap)), lambda: quality_chart(history, key="augment_p", title=title)))
    target = snap.config.augment_target
    steer = (
        f"it steers towards the judge being sure of {target:.0%} of the real images" if target > 0 else "fixed strength"
    )
    st.caption(
        f"Augmentation strength **{number(strength, 2)}** now; the judge's certainty on real images "
        f"is {number(signal, 2)} ({steer})."
    )


def _samples(snap) -> None:
    if not snap.config.is_image_model:
        if snap.histograms:
            _show(_built(("densities", *_history_key(snap)), lambda: histogram_chart(snap.histograms)))
        if has_values(snap.history or {}, "kl"):
            kl_title = "Distance from the real curve (KL divergence; lower is better)"
            _show(_built(("kl", *_history_key(snap)), lambda: quality_chart(snap.history, key="kl", title=kl_title)))
        return
    if snap.latest_grid is None:
        st.info("The sample grid appears after the first saved epoch.", icon="🖼️")
        return
    caption = f"Fixed-seed samples after epoch {snap.latest_grid_epoch}"
    if snap.config.n_classes:
        shown = [snap.config.class_names[k] for k in grid_class_rows(snap.config.n_classes)]
        caption += f"; one row per class, top to bottom: {', '.join(shown)}"
    png = _built(("grid", snap.run_id, snap.latest_grid_epoch), lambda: encode_png(display_grid(snap.latest_grid)))
    st.image(png, caption=caption)


def _built(key: tuple, build: Callable[[], Any]) -> Any:
    """What ``build()`` makes for ``key`` (a run and the length of its history, or its grid's epoch),
    made once and shared by every viewer and refresh; the oldest entries are dropped.

    The lock guards the shared table only (another viewer's eviction cannot pull an entry
    away between the look-up and its use); the build runs outside it, so one slow chart
    does not hold up every other tab."""
    with _BUILT_LOCK:
        if key in _BUILT:
            _BUILT.move_to_end(key)
            return _BUILT[key]
    made = build()
    with _BUILT_LOCK:
        made = _BUILT.setdefault(key, made)  # a viewer that built it meanwhile wins: one shared copy
        while len(_BUILT) > _BUILT_KEPT:
            _BUILT.popitem(last=False)
    return made


def _history_key(snap) -> tuple:
    """Changes when the run's history gains a row (an epoch ended)."""
    return (snap.run_id, tuple(len(v) for v in (snap.history or {}).values()))


def _apply_remedy(snap, remedy: dict) -> None:
    """Stop the run if it trains, then continue it from its last checkpoint with the remedy."""
    jobs = manager()
    extra = max(10, snap.epochs_total - snap.epoch, snap.epoch // 2)
    try:
        if snap.status in ACTIVE_STATUSES:
            jobs.stop(snap.run_id)
            jobs.wait(snap.run_id, timeout=120)
        jobs.continue_run(snap.run_id, int(extra), overrides=remedy)
    except DcganError as err:
        st.error(str(err))
        return
    st.session_state["train_run_id"] = snap.run_id
    st.rerun()


def _coach(snap) -> None:
    history = snap.history or {}
    size = image_count(snap.config.data_path) if snap.config.is_image_model else None
    messages = coach_messages(history, size, snap.status, snap.config)
    st.markdown("##### 🧑‍🏫 Coach")
    if not messages:
        if has_values(history, "g_loss"):
            st.success("No known problem in the numbers so far.", icon="👍")
        else:
            st.caption("Advice appears here once the first epochs are in.")
    for message in messages:
        _COACH_BOX[message.level](f"**{message.title}**\n\n{message.advice}")
        if message.remedy and snap.status != "queued":
            settings = ", ".join(f"{k} = {v}" for k, v in message.remedy.items())
            if st.button(
                message.remedy_label,
                key=f"coach_fix_{message.rule}",
                icon=":material/healing:",
                help=f"Continues this run from its last checkpoint with {settings}."
                + (" The run stops first." if snap.status in ACTIVE_STATUSES else ""),
            ):
                _apply_remedy(snap, message.remedy)


def _status_block(run_id: str, started_active: bool) -> None:
    snap = manager().snapshot(run_id)
    if snap is None:
        st.warning(f"Run {run_id} is no longer known to the job manager; see the Runs page.")
        return
    if started_active and snap.status not in ACTIVE_STATUSES:
        st.rerun()  # the run just ended: redraw the page once without the timers
    with st.container(border=True):
        _header(snap)
        _controls(snap)
        _numbers(snap)


def _epoch_block(run_id: str) -> None:
    snap = manager().snapshot(run_id)
    if snap is None:
        return
    left, right = st.columns([3, 2], gap="large")
    with left:
        _charts(snap)
    with right:
        _samples(snap)
        if snap.config.n_classes:
            class_quality_table(run_path(snap.run_id, runs_dir()), snap.config.n_classes)
        _coach(snap)


def live_view(run_id: str) -> None:
    """Draw the live view of ``run_id``; it refreshes itself while the run is active."""
    snap = manager().snapshot(run_id)
    active = snap is not None and snap.status in ACTIVE_STATUSES
    st.fragment(_status_block, run_every=REFRESH_SECONDS if active else None)(run_id, active)
    st.fragment(_epoch_block, run_every=EPOCH_REFRESH_SECONDS if active else None)(run_id)
