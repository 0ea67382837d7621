"""Train: pick data and a preset, check the cost, start; then watch the run live."""

from __future__ import annotations

import streamlit as st

import dcgan_core
from dcgan_core import (
    RECOMMENDED_PRESET,
    DcganError,
    get_preset,
    list_presets,
)
from ui.datasets import datasets, resize_dataset
from ui.fmt import duration, size, status_label
from ui.labels import FIELD_LABELS, humanize
from ui.live import live_view
from ui.train_settings import (
    ADVANCED,
    TOGGLES,
    auto_choice,
    build_config,
    measured_speed,
    preset_defaults,
    settings_problem,
    advanced_settings,
    transfer_inputs,
)
from ui.names import dataset_title, distinct, run_name
from ui.runtime import require_router
from ui.state import manager

require_router()  # see ui/runtime.py: the first load of a fresh server


def _preset_changed() -> None:
    st.session_state.pop("train_auto_for", None)  # the recommended preset re-reads the data
    preset_defaults(st.session_state["train_preset"])


def _fit_to_machine(path: str, speed: float) -> None:
    """Button callback: remember the measured speed; the automatic settings are chosen again."""
    st.session_state.setdefault("train_speed", {})[path] = speed


def _show_auto(preset, info):
    """Apply (once per dataset) and explain the settings chosen from the data; False when refused."""
    try:
        choice = auto_choice(preset, info)
    except DcganError as err:
        st.error(str(err), icon="🚫")
        return False
    if choice is None:
        return True
    applied_for = f"{info.path}|{measured_speed(info)}"
    if st.session_state.get("train_auto_for") != applied_for:
        st.session_state["train_auto_for"] = applied_for
        preset_defaults(preset.name, choice.config)
    with st.container(border=True, key="train_auto"):
        st.markdown(f"**Chosen for {info.name}** · every choice can still be changed below")
        st.markdown("\n".join(f"- {reason}" for reason in choice.reasons))
    return True


def _chosen_run() -> str | None:
    jobs = manager()
    known = {j.run_id for j in jobs.jobs()}
    chosen = st.session_state.get("train_run_id")
    if chosen in known:
        return chosen
    active = jobs.active()
    if active is not None:
        return active.run_id
    all_jobs = jobs.jobs()  # active first, then queued, then the newest
    return all_jobs[0].run_id if all_jobs else None


def _picked() -> None:
    st.session_state["train_run_id"] = st.session_state.get("train_pick")


def _run_picker(current: str) -> str:
    jobs = manager().jobs()
    if len(jobs) < 2:
        return current
    ids = [j.run_id for j in jobs]
    labels = distinct({j.run_id: f"{status_label(j.status)} · {run_name(j.run_id)}" for j in jobs})
    # The chosen run (a new start, a Watch click, a pick) wins over the widget's memory of
    # the previous pick; a pick of the user's own goes through _picked.
    st.session_state["train_pick"] = current
    st.selectbox("Run shown", ids, format_func=labels.get, key="train_pick", on_change=_picked)
    return current


def _dataset_select(infos: list):
    if not infos:
        st.warning("No dataset yet: add images on the Data page.", icon="🗂️")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/photo_library:")
        return None
    paths = [str(i.path) for i in infos]
    wanted = st.session_state.pop("train_dataset", None)
    if wanted in paths:
        st.session_state["train_dataset_select"] = wanted
    labels = {
        str(i.path): f"{'📦 ' if i.bundled else ''}{i.name} · {i.count:,} images · "
        f"{i.shape[1]}x{i.shape[2]}x{i.shape[3]}"
        for i in infos
    }
    path = st.selectbox(
        "Dataset",
        paths,
        format_func=labels.get,
        key="train_dataset_select",
        help="Add your own images on the Data page.",
    )
    return infos[paths.index(path)]


def _resize_offer(info, preset) -> None:
    target = preset.config.image_size
    st.warning(
        f"The **{preset.title}** preset makes {target}x{target} images, but **{info.name}** is "
        f"{info.shape[1]}x{info.shape[2]}. Convert a copy of the dataset, or choose the Quick "
        "DCGAN, which sizes itself to your images.",
        icon="📐",
    )
    if st.button(
        f"Convert {info.name} to {target}x{target}", key="train_resize", icon=":material/photo_size_select_large:"
    ):
        bar = st.progress(0.0, text="Converting…")
        try:
            prepared = resize_dataset(
                info.path,
                info.name,
                target,
                info.shape[3],
                progress=lambda done, total: bar.progress(done / max(total, 1), text=f"Converting {done}/{total}"),
            )
        except DcganError as err:
            st.error(str(err))
            return
        st.session_state["train_dataset"] = str(prepared.npy_path)
        st.rerun()


@st.cache_data(show_spinner="Measuring a few training steps on this machine…", max_entries=16)
def _estimate(config, n_images: int):
    # Measured in a short-lived worker process: TensorFlow never loads in the web server.
    return dcgan_core.estimate_cost_in_worker(config, n_images)


def _show_estimate(config, n_images: int, info=None) -> None:
    cost = _estimate(config, n_images)
    cols = st.columns(4)
    cols[0].metric(
        "Per epoch",
        duration(cost.seconds_per_epoch),
        help=f"Training steps {duration(cost.step_seconds_per_epoch)}, plus "
        f"{duration(cost.extra_seconds_per_epoch)} for the sample grids, quality checks and "
        "checkpoints, as often as this run makes them.",
    )
    cols[1].metric("Whole run", duration(cost.seconds_per_epoch * config.epochs))
    cols[2].metric("Memory", size(cost.memory_bytes))
    cols[3].metric(
        "Parameters",
        f"{(cost.g_params + cost.d_params) / 1e6:.2f} M",
        help=f"Generator {cost.g_params:,}, discriminator {cost.d_params:,}",
    )
    st.caption(f"Measured on **{cost.device}**.")
    if info is not None and config.preset == RECOMMENDED_PRESET and cost.images_per_sec > 0:
        # a step costs about width squared: the speed this machine would have at width 1
        speed = cost.images_per_sec * config.width**2
        st.button(
            "Fit the settings to this machine's speed",
            key="train_fit_speed",
            icon=":material/tune:",
            on_click=_fit_to_machine,
            args=(str(info.path), speed),
            help="Chooses the width (and the rest) again from the speed just measured.",
        )


def _setup() -> None:
    presets = list_presets()
    names = [p.name for p in presets]
    titles = {p.name: p.title for p in presets}
    if st.session_state.get("train_preset") not in names:
        st.session_state["train_preset"] = names[0]
    if any(f"adv_{key}" not in st.session_state for key, *_ in ADVANCED + TOGGLES):
        preset_defaults(st.session_state["train_preset"])
    left, right = st.columns(2)
    with right:
        name = st.selectbox("Preset", names, format_func=titles.get, key="train_preset", on_change=_preset_changed)
        preset = get_preset(name)
        st.caption(f"**{preset.source}**  \n{preset.description}")
    with left:
        info = None
        if preset.config.is_image_model:
            info = _dataset_select(datasets())
            if info is None:
                return
        else:
            st.info("This preset makes its own data (numbers drawn from a bell curve).", icon="🔔")
    if info is not None and not preset.sized_to_data and int(info.shape[1]) != preset.config.image_size:
        _resize_offer(info, preset)
        return
    if not _show_auto(preset, info):
        return
    # No form: each setting is checked as it changes, and a problem shows under its field
    # (the whole setup is a fragment, so a change does not redraw the live view above).
    with st.container():
        slots = advanced_settings(preset, info)
        if info is not None:
            transfer_inputs()
        problem = settings_problem(preset, info)
        if problem is not None:
            field, message = problem
            if field in slots:
                slots[field].error(message, icon="✋")
            where = f" (**{FIELD_LABELS[field]}**, in Advanced settings)" if field in slots else ""
            st.error(f"{message}{where}", icon="🚫")
        c1, c2, _ = st.columns([1, 1, 3])
        estimate = c1.button(
            "Estimate cost",
            icon=":material/speed:",
            width="stretch",
            key="train_estimate",
            disabled=problem is not None,
        )
        start = c2.button(
            "Start training",
            icon=":material/play_arrow:",
            type="primary",
            width="stretch",
            key="train_start",
            disabled=problem is not None,
        )
    if not (estimate or start) or problem is not None:
        return
    try:
        config = build_config(preset, info)
    except DcganError as err:
        st.error(humanize(str(err)), icon="🚫")
        return
    n_images = info.count if info is not None else 1000
    if estimate:
        try:
            _show_estimate(config, n_images, info)
        except DcganError as err:
            st.error(str(err))
        return
    try:
        run_id = manager().start(config, name=dataset_title(info) if info is not None else preset.title)
    except DcganError as err:
        st.error(humanize(str(err)), icon="🚫")
        return
    st.session_state["train_run_id"] = run_id
    st.rerun()


st.title("🏋️ Train")
run_id = _chosen_run()
active = manager().active()
if run_id is not None:
    run_id = _run_picker(run_id)
    live_view(run_id)
    st.divider()
st.subheader("Start a new run" if run_id else "Start your first run")
if active is not None:
    st.caption(f"{status_label(active.status)}: {run_name(active.run_id)}. A new run waits in the queue until it ends.")
st.fragment(_setup)()
