"""Runs: every run on disk, compared, scrubbed through time, resumed, downloaded or deleted."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dcgan_core import (
    DcganError,
    decode_png,
    delete_run,
    list_runs,
    read_metrics,
    rename_run,
    sample_epochs,
    sample_grid_path,
)
from ui.charts import CHART_CONFIG, METRIC_LABELS, overlay_figure
from ui.datasets import display_grid
from ui.fmt import ACTIVE_STATUSES, duration, number, status_label
from ui.confirm import delete_or_keep
from ui.labels import preset_title
from ui.names import distinct
from ui.runs_table import run_title, runs_table
from ui.share import import_panel, share_panel
from ui.runtime import require_router
from ui.state import manager, runs_dir

require_router()  # see ui/runtime.py: the first load of a fresh server

_METRICS = METRIC_LABELS


@st.cache_data(show_spinner=False, max_entries=64)
def _metrics(path: str, stamp: float) -> dict:
    return read_metrics(Path(path))


def _history(run) -> dict:
    csv = Path(run.path) / "metrics.csv"
    stamp = csv.stat().st_mtime if csv.exists() else 0.0
    try:
        return _metrics(str(run.path), stamp)
    except DcganError:
        return {}


def _compare(runs) -> None:
    usable = [r for r in runs if not r.damaged and r.epochs_done > 0]
    if not usable:
        return
    st.subheader("📈 Compare")
    ids = [r.run_id for r in usable]
    by_id = {r.run_id: r for r in usable}
    labels = distinct(
        {
            r.run_id: f"{run_title(r)} ({r.dataset_name or '?'})"
            if r.display_name and r.dataset_name and not r.display_name.startswith(r.dataset_name)
            else run_title(r)
            for r in usable
        }
    )
    cols = st.columns([3, 1, 1])
    chosen = cols[0].multiselect("Runs", ids, default=ids[:3], key="runs_compare", format_func=labels.get)
    metric = cols[1].selectbox("Curve", list(_METRICS), format_func=_METRICS.get, key="runs_metric")
    smoothing = cols[2].slider("Smoothing", 0.0, 0.95, 0.0, 0.05, key="runs_smoothing")
    if chosen:
        datasets = {by_id[run_id].dataset_name for run_id in chosen}
        if len(datasets) > 1:
            st.warning(
                "These runs learned from different datasets ("
                + ", ".join(sorted(d or "?" for d in datasets))
                + "): their losses and quality scores are not comparable one to one.",
                icon="⚖️",
            )
        histories = {labels[run_id]: _history(by_id[run_id]) for run_id in chosen}
        st.plotly_chart(
            overlay_figure(histories, metric, smoothing, title=f"{_METRICS[metric]} across runs"),
            key="runs_overlay",
            config=CHART_CONFIG,
        )


def _timeline(run) -> None:
    epochs = sample_epochs(Path(run.path))
    if not epochs:
        st.caption("No sample grid saved yet.")
        return
    epoch = (
        epochs[-1]
        if len(epochs) == 1
        else st.select_slider(
            "Timeline: samples after epoch", epochs, value=epochs[-1], key=f"runs_timeline_{run.run_id}"
        )
    )
    path = sample_grid_path(Path(run.path), epoch)
    data = path.read_bytes()
    st.image(display_grid(decode_png(data), target=420), caption=f"Fixed-seed samples after epoch {epoch}")
    st.download_button(
        "Sample grid (PNG)",
        data,
        file_name=f"{run.run_id}_epoch_{epoch:04d}.png",
        mime="image/png",
        icon=":material/download:",
        key=f"runs_dl_png_{run.run_id}",
        on_click="ignore",
    )


def _downloads(run) -> None:
    folder = Path(run.path)
    files = [
        ("generator.keras", "Generator (.keras)", "application/octet-stream"),
        ("progress.gif", "Progress (GIF)", "image/gif"),
        ("metrics.csv", "Metrics (CSV)", "text/csv"),
    ]
    row = st.container(horizontal=True)  # buttons as wide as their words: no label is cut
    for col, (name, label, mime) in zip([row] * len(files), files):
        path = folder / name
        if path.is_file():
            # a callable: the file is read when the button is clicked, not on every rerun
            col.download_button(
                label,
                path.read_bytes,
                file_name=f"{run.run_id}_{name}",
                mime=mime,
                icon=":material/download:",
                key=f"runs_dl_{name}_{run.run_id}",
                width="content",
                on_click="ignore",
            )  # no rerun: it would drop the file before the browser reads it
        else:
            col.button(
                label, disabled=True, key=f"runs_dl_{name}_{run.run_id}", width="content", help="Not written yet."
            )


def _name_of(run_id: str) -> str:
    return next((run_title(r) for r in list_runs(runs_dir()) if r.run_id == run_id), run_id)


def _rename(run_id: str) -> None:
    try:
        rename_run(run_id, st.session_state.get(f"runs_name_{run_id}", ""), runs_dir=runs_dir())
    except DcganError as err:
        st.session_state["runs_rename_error"] = str(err)


def _close_dialog() -> None:
    st.session_state.pop("runs_confirm_delete", None)


@st.dialog("Delete this run?", on_dismiss=_close_dialog)
def _confirm_delete(run_id: str) -> None:
    st.write(
        f"**{_name_of(run_id)}** and everything in it (samples, checkpoints, the generator) will be deleted for good."
    )
    delete_or_keep(
        "runs",
        "runs_confirm_delete",
        lambda: delete_run(run_id, runs_dir=runs_dir(), manager=manager()),
        f"Deleted {_name_of(run_id)}.",
        forget="runs_pick",
    )


def _actions(run) -> None:
    jobs = manager()
    snap = jobs.snapshot(run.run_id)
    live = snap is not None and snap.status in ACTIVE_STATUSES
    cols = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
    can_continue = not run.damaged and not live and run.status in ("interrupted", "finished", "stopped", "failed")
    extra = cols[0].number_input(
        "Extra epochs",
        min_value=1,
        max_value=100_000,
        value=10,
        key=f"runs_extra_{run.run_id}",
        disabled=not can_continue,
    )
    if cols[1].button(
        "Resume" if run.status == "interrupted" else "Train more",
        icon=":material/play_arrow:",
        type="primary",
        disabled=not can_continue,
        key=f"runs_continue_{run.run_id}",
        width="stretch",
    ):
        try:
            new_id = jobs.continue_run(run.run_id, int(extra))
        except DcganError as err:
            st.error(str(err))
        else:
            st.session_state["train_run_id"] = new_id
            st.switch_page("pages/train.py")
    if cols[2].button(
        "Watch",
        icon=":material/monitoring:",
        disabled=snap is None,
        key=f"runs_watch_{run.run_id}",
        width="stretch",
        help="Open in the Train page (runs of this server session).",
    ):
        st.session_state["train_run_id"] = run.run_id
        st.switch_page("pages/train.py")
    if cols[3].button(
        "Delete",
        icon=":material/delete:",
        disabled=live,
        key=f"runs_delete_{run.run_id}",
        width="stretch",
        help="A run that is training, paused or queued cannot be deleted; stop it first."
        if live
        else "Delete this run and its files.",
    ):
        st.session_state["runs_confirm_delete"] = run.run_id


def _detail(runs) -> None:
    st.subheader("🔎 Inspect a run")
    ids = [r.run_id for r in runs]
    labels = distinct(
        {r.run_id: f"{status_label('damaged' if r.damaged else r.status)} · {run_title(r)}" for r in runs}
    )
    picked = st.selectbox("Run", ids, format_func=labels.get, key="runs_pick")
    run = next(r for r in runs if r.run_id == picked)
    with st.container(border=True):
        if run.damaged:
            st.error(
                f"This run folder is damaged: {run.problem or 'its files cannot be read'}. You can still delete it.",
                icon="🩹",
            )
        else:
            snap = manager().snapshot(run.run_id)
            if run.status == "failed":
                st.error(run.problem or (snap.message if snap else "") or "The run failed.", icon="❌")
                if snap is not None and snap.traceback:
                    with st.expander("Technical details (traceback)"):
                        st.code(snap.traceback, language="text")
            left, right = st.columns([2, 3], gap="large")
            with left:
                _timeline(run)
            with right:
                cols = st.columns(3)
                cols[0].metric("Epochs", f"{run.epochs_done} / {run.epochs_total}")
                cols[1].metric("Last generator loss", number(run.last_g_loss))
                cols[2].metric(
                    "Last quality score",
                    number(run.last_swd),
                    help="Sliced Wasserstein distance (SWD) between generated and real images; lower is better.",
                )
                st.caption(
                    f"Dataset **{run.dataset_name or '–'}** · preset **{preset_title(run.preset)}** · "
                    f"trained for {duration(run.duration_seconds)} · run id `{run.run_id}`"
                )
                st.text_input(
                    "Name",
                    value=run_title(run),
                    key=f"runs_name_{run.run_id}",
                    max_chars=80,
                    on_change=_rename,
                    args=(run.run_id,),
                    help="Rename the run as you like; its folder keeps its id. "
                    "Empty it to go back to the automatic name (dataset and time).",
                )
                if problem := st.session_state.pop("runs_rename_error", None):
                    st.error(problem)
                _downloads(run)
                with st.expander("Share: web demo, model files, run bundle", icon=":material/ios_share:"):
                    share_panel(runs_dir(), run.run_id, None, key=f"runs_{run.run_id}")
        _actions(run)


st.title("🗃️ Runs")
with st.expander("Import a run bundle from another machine", icon=":material/move_to_inbox:"):
    import_panel(runs_dir())
all_runs = list_runs(runs_dir())
if not all_runs:
    st.info("No runs yet. Start one on the Train page, or with one click on Home.", icon="🗃️")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
else:
    runs_table(all_runs)
    _compare(all_runs)
    _detail(all_runs)
    if st.session_state.get("runs_confirm_delete"):
        _confirm_delete(st.session_state["runs_confirm_delete"])
