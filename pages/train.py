"""Train: pick data and a preset, check the cost, start; then watch the run live."""

from __future__ import annotations

import streamlit as st

import dcgan_core
from dcgan_core import (
    RECOMMENDED_PRESET,
    ConfigError,
    DcganError,
    auto_config,
    check_init_run,
    get_preset,
    list_presets,
    list_runs,
    preset_config,
)
from ui.datasets import datasets, resize_dataset
from ui.fmt import ACTIVE_STATUSES, duration, size, status_label
from ui.labels import BOUNDS, FIELD_LABELS, field_of, humanize
from ui.live import live_view
from ui.names import dataset_title, distinct, run_name
from ui.runtime import require_router
from ui.state import manager, runs_dir

require_router()  # see ui/runtime.py: the first load of a fresh server

# Advanced settings: (key, label, kind, help).
_ADVANCED = [
    ("epochs", "Epochs", "int", "Passes over the whole dataset. More epochs, better images, longer wait."),
    ("batch_size", "Batch size", "int", "Images per training step. Larger is faster per image but needs more memory."),
    (
        "steps_per_epoch",
        "Steps per epoch (0 = whole dataset)",
        "int",
        "Cap the steps of each epoch, for quick tries on a big dataset.",
    ),
    ("g_lr", "Generator learning rate", "float", "How big the generator's updates are. Lower is steadier."),
    (
        "d_lr",
        "Discriminator learning rate",
        "float",
        "How big the judge's updates are. Lower it when the judge wins too easily.",
    ),
    (
        "latent_dim",
        "Number of random inputs",
        "int",
        "How many random numbers the generator starts each image from (the latent size).",
    ),
    ("width", "Width", "float", "Multiplies every layer's size: below 1 is faster, above 1 can draw finer detail."),
    ("sample_every", "Sample grid every N epochs", "int", "How often the fixed-seed sample grid is saved."),
    ("checkpoint_every", "Checkpoint every N epochs", "int", "How often a resumable checkpoint is written."),
    (
        "swd_every",
        "Measure quality every N epochs (0 = never)",
        "int",
        "The quality score (the sliced Wasserstein distance, SWD) compares generated and real images; "
        "lower is better. Measuring it costs a little time.",
    ),
    (
        "augment_p",
        "Augmentation strength at the start (0-1)",
        "float",
        "The chance that each transform (colour, shift, cutout) hits an image the judge sees.",
    ),
    (
        "augment_target",
        "Adaptive target (0 = fixed strength)",
        "float",
        "The strength rises while the judge is surer than this of the real images (0.6 is ADA's), and falls below.",
    ),
    (
        "r1_gamma",
        "Gradient penalty on real images (0 = off)",
        "float",
        "R1: keeps the judge's verdict smooth around the real images, so on a small set it cannot sharpen "
        "against the generator as training goes on. The automatic settings use 0.5 under 1,000 images.",
    ),
    (
        "real_label",
        "Target for real images (0.9 = label smoothing)",
        "float",
        "Below 1 keeps the judge from getting over-confident; the seeds' Keras recipes use 0.9.",
    ),
    ("seed", "Random seed", "int", "The same seed and settings give the same run."),
    ("max_seconds", "Time budget in seconds (0 = none)", "float", "Stop cleanly after this much training time."),
]
_STEPS = {
    "g_lr": 5e-5,
    "d_lr": 5e-5,
    "width": 0.25,
    "max_seconds": 30.0,
    "real_label": 0.05,
    "augment_p": 0.05,
    "augment_target": 0.05,
    "r1_gamma": 0.1,
}
_DIFFAUG = "color,translation,cutout"
# On/off settings: (key, label, help).
_TOGGLES = [
    (
        "augment_ops",
        "Adaptive augmentation (colour, shifts, cutout)",
        "For small datasets: every image the judge sees, real or generated, is randomly recoloured, shifted and "
        "partly hidden, so it cannot memorise your pictures; the generator still learns the clean images.",
    ),
    (
        "augment",
        "Flips and shifts (first release)",
        "The older augmentation; applied alike to real and generated images.",
    ),
    (
        "conditional",
        "Draw by class",
        "Your images are sorted into class folders: the generator learns each class, and on the Explore page "
        "you pick the class to draw (a conditional GAN). Off: it draws a mix of everything.",
    ),
    (
        "recalibrate_bn",
        "Honest previews (re-measure BatchNorm)",
        "Re-measures the generator's BatchNorm statistics before each preview, so early grids show what "
        "the model can really draw. The seed recipes leave it off, as published.",
    ),
]


def _preset_defaults(name: str, config=None) -> None:
    config = config or get_preset(name).config
    for key, _label, kind, _help in _ADVANCED:
        value = getattr(config, key)
        if key in ("steps_per_epoch", "max_seconds") and value is None:
            value = 0
        st.session_state[f"adv_{key}"] = float(value) if kind == "float" else int(value)
    for key, *_ in _TOGGLES:
        st.session_state[f"adv_{key}"] = bool(getattr(config, key))


def _preset_changed() -> None:
    st.session_state.pop("train_auto_for", None)  # the recommended preset re-reads the data
    _preset_defaults(st.session_state["train_preset"])


def _measured_speed(info) -> float | None:
    """Images/s at width 1 measured on this machine for this dataset (after "Fit to this machine")."""
    return st.session_state.get("train_speed", {}).get(str(info.path))


def _auto_choice(preset, info):
    """The settings chosen from the data for the recommended preset (None for the others)."""
    if preset.name != RECOMMENDED_PRESET or info is None:
        return None
    return auto_config(
        info.count,
        int(info.shape[1]),
        int(info.shape[3]),
        data_path=str(info.path),
        images_per_second=_measured_speed(info),
        class_names=info.classes,
    )


def _fit_to_machine(path: str, speed: float) -> None:
    """Button callback: remember the measured speed; the automatic settings are chosen again."""
    st.session_state.setdefault("train_speed", {})[path] = speed


def _show_auto(preset, info):
    """Apply (once per dataset) and explain the settings chosen from the data; False when refused."""
    try:
        choice = _auto_choice(preset, info)
    except DcganError as err:
        st.error(str(err), icon="🚫")
        return False
    if choice is None:
        return True
    applied_for = f"{info.path}|{_measured_speed(info)}"
    if st.session_state.get("train_auto_for") != applied_for:
        st.session_state["train_auto_for"] = applied_for
        _preset_defaults(preset.name, choice.config)
    with st.container(border=True, key="train_auto"):
        st.markdown(f"**Chosen for {info.name}** · every choice can still be changed below")
        st.markdown("\n".join(f"- {reason}" for reason in choice.reasons))
    return True


def _init_options() -> dict[str, str]:
    """Finished or stopped runs with a checkpoint, as transfer sources: path -> label."""
    options = {"": "Nothing: start from scratch"}
    for run in list_runs(runs_dir()):
        if not run.damaged and run.epochs_done > 0 and run.status not in ACTIVE_STATUSES:
            options[str(run.path)] = f"{run.run_id} · {run.dataset_name} · {run.epochs_done} epochs"
    return options


def _transfer_inputs() -> None:
    options = _init_options()
    if st.session_state.get("adv_init_from_run") not in options:
        st.session_state["adv_init_from_run"] = ""
    cols = st.columns([2, 1])
    cols[0].selectbox(
        "Start from the weights of",
        list(options),
        format_func=options.get,
        key="adv_init_from_run",
        help="Fine-tune a model trained on other images (same preset, size, channels and width).",
    )
    cols[1].number_input(
        "Freeze the judge's first layers",
        min_value=0,
        max_value=8,
        step=1,
        key="adv_freeze_d_layers",
        help="Keeps the discriminator's first layers as the source run learned them (FreezeD).",
    )


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


def _build_config(preset, info):
    """The config of the current settings (ConfigError naming the field; see ui.labels.humanize)."""
    values = {key: st.session_state[f"adv_{key}"] for key, *_ in _ADVANCED}
    if values["epochs"] < 1:
        raise ConfigError(f"epochs must be at least 1, got {values['epochs']}.")
    if values["batch_size"] < 2:
        raise ConfigError(f"batch_size must be at least 2, got {values['batch_size']}.")
    if info is not None and preset.config.is_image_model and values["batch_size"] > info.count:
        raise ConfigError(
            f"batch_size {values['batch_size']} is larger than the dataset "
            f"({info.count} images); choose {info.count} or less."
        )
    if 0 < values["max_seconds"] < 1:
        raise ConfigError("max_seconds must be at least 1 second, or 0 for no budget.")
    values["steps_per_epoch"] = values["steps_per_epoch"] or None
    values["max_seconds"] = values["max_seconds"] or None
    for key, *_ in _TOGGLES:
        values[key] = bool(st.session_state.get(f"adv_{key}", False))
    values["augment_ops"] = _DIFFAUG if values["augment_ops"] else ""
    if not values["conditional"]:
        values["class_names"] = ()
    if not preset.config.is_image_model:
        values.pop("augment_ops")
        return preset_config(preset.name, **values)
    values["init_from_run"] = st.session_state.get("adv_init_from_run", "") or ""
    values["freeze_d_layers"] = int(st.session_state.get("adv_freeze_d_layers", 0) or 0)
    choice = _auto_choice(preset, info)
    if choice is not None:
        config = choice.config.with_changes(**values)
    else:
        config = preset_config(
            preset.name, data_path=str(info.path), image_size=int(info.shape[1]), channels=int(info.shape[3]), **values
        )
    if config.init_from_run:
        check_init_run(config)
    if config.conditional:  # the classes the dataset listing already read from its manifest
        names = info.classes
        if len(names) < 2:
            raise ConfigError(
                "Drawing by class needs a dataset sorted into class folders; this dataset has no "
                "classes. Switch drawing by class off."
            )
        config = config.with_changes(class_names=names)
    return config


def _can_draw_by_class(preset, info) -> bool:
    """Offer "Draw by class" only for a labelled dataset and a network that can take the class."""
    return info is not None and preset.config.arch == "dcgan" and len(info.classes) >= 2


def _problem(preset, info) -> tuple[str | None, str] | None:
    """The first problem of the current settings: (the field it is about, the message in plain words)."""
    try:
        _build_config(preset, info)
    except ConfigError as err:
        return field_of(str(err)), humanize(str(err))
    return None


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
    if any(f"adv_{key}" not in st.session_state for key, *_ in _ADVANCED + _TOGGLES):
        _preset_defaults(st.session_state["train_preset"])
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
    slots = {}
    with st.container():
        with st.expander("Advanced settings", icon=":material/tune:"):
            cols = st.columns(3)
            for i, (key, label, kind, help_text) in enumerate(_ADVANCED):
                low, high = BOUNDS[key]
                with cols[i % 3]:
                    if kind == "int":
                        st.number_input(label, int(low), int(high), step=1, key=f"adv_{key}", help=help_text)
                    else:
                        st.number_input(
                            label,
                            float(low),
                            float(high),
                            step=_STEPS.get(key, 1.0),
                            format="%g",
                            key=f"adv_{key}",
                            help=help_text,
                        )
                    slots[key] = st.empty()
            for key, label, help_text in _TOGGLES:
                # every switch is drawn on every run: a widget left out loses its value
                if key == "conditional" and not _can_draw_by_class(preset, info):
                    st.session_state["adv_conditional"] = False
                    st.toggle(
                        label,
                        key="adv_conditional",
                        disabled=True,
                        help="Needs a dataset whose images are sorted into one subfolder per class (for "
                        "example cats/ and dogs/), converted on the Data page, and the recommended preset.",
                    )
                    continue
                st.toggle(label, key=f"adv_{key}", help=help_text)
        if info is not None:
            _transfer_inputs()
        problem = _problem(preset, info)
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
        config = _build_config(preset, info)
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
