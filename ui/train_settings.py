"""The Train page's settings form: its fields, their values from a preset, and the config they make.

The form's values live in the session under ``adv_<field>``; :func:`build_config` turns
them into a checked :class:`~dcgan_core.TrainConfig` (a :class:`~dcgan_core.ConfigError`
names the field, and :func:`settings_problem` says it in the page's words). For the
recommended preset the values start from :func:`~dcgan_core.auto_config`'s choices for the
dataset (and this machine's speed, once measured). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import streamlit as st

from dcgan_core import (
    RECOMMENDED_PRESET,
    list_runs,
    ConfigError,
    auto_config,
    check_init_run,
    get_preset,
    preset_config,
)
from ui.fmt import ACTIVE_STATUSES
from ui.labels import BOUNDS, field_of, humanize
from ui.state import runs_dir

__all__ = [
    "ADVANCED",
    "STEPS",
    "TOGGLES",
    "DIFFAUG",
    "preset_defaults",
    "measured_speed",
    "auto_choice",
    "build_config",
    "settings_problem",
    "advanced_settings",
    "transfer_inputs",
]

#: Advanced settings: (key, label, kind, help).
ADVANCED = [
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
STEPS = {
    "g_lr": 5e-5,
    "d_lr": 5e-5,
    "width": 0.25,
    "max_seconds": 30.0,
    "real_label": 0.05,
    "augment_p": 0.05,
    "augment_target": 0.05,
    "r1_gamma": 0.1,
}
DIFFAUG = "color,translation,cutout"
#: On/off settings: (key, label, help).
TOGGLES = [
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


def preset_defaults(name: str, config=None) -> None:
    """Put a preset's values (or ``config``'s) into every field of the form."""
    config = config or get_preset(name).config
    for key, _label, kind, _help in ADVANCED:
        value = getattr(config, key)
        if key in ("steps_per_epoch", "max_seconds") and value is None:
            value = 0
        st.session_state[f"adv_{key}"] = float(value) if kind == "float" else int(value)
    for key, *_ in TOGGLES:
        st.session_state[f"adv_{key}"] = bool(getattr(config, key))


def measured_speed(info) -> float | None:
    """Images/s at width 1 measured on this machine for this dataset (after "Fit to this machine")."""
    return st.session_state.get("train_speed", {}).get(str(info.path))


def auto_choice(preset, info):
    """The settings chosen from the data for the recommended preset (None for the others)."""
    if preset.name != RECOMMENDED_PRESET or info is None:
        return None
    return auto_config(
        info.count,
        int(info.shape[1]),
        int(info.shape[3]),
        data_path=str(info.path),
        images_per_second=measured_speed(info),
        class_names=info.classes,
    )


def build_config(preset, info):
    """The config of the current settings (ConfigError naming the field; see ui.labels.humanize)."""
    values = {key: st.session_state[f"adv_{key}"] for key, *_ in ADVANCED}
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
    for key, *_ in TOGGLES:
        values[key] = bool(st.session_state.get(f"adv_{key}", False))
    values["augment_ops"] = DIFFAUG if values["augment_ops"] else ""
    if not values["conditional"]:
        values["class_names"] = ()
    if not preset.config.is_image_model:
        values.pop("augment_ops")
        return preset_config(preset.name, **values)
    values["init_from_run"] = st.session_state.get("adv_init_from_run", "") or ""
    values["freeze_d_layers"] = int(st.session_state.get("adv_freeze_d_layers", 0) or 0)
    choice = auto_choice(preset, info)
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


def settings_problem(preset, info) -> tuple[str | None, str] | None:
    """The first problem of the current settings: (the field it is about, the message in plain words)."""
    try:
        build_config(preset, info)
    except ConfigError as err:
        return field_of(str(err)), humanize(str(err))
    return None


def _can_draw_by_class(preset, info) -> bool:
    """Offer "Draw by class" only for a labelled dataset and a network that can take the class."""
    return info is not None and preset.config.arch == "dcgan" and len(info.classes) >= 2


def advanced_settings(preset, info) -> dict:
    """Draw the Advanced settings; returns a slot under each number box for its problem."""
    slots = {}
    with st.expander("Advanced settings", icon=":material/tune:"):
        cols = st.columns(3)
        for i, (key, label, kind, help_text) in enumerate(ADVANCED):
            low, high = BOUNDS[key]
            with cols[i % 3]:
                if kind == "int":
                    st.number_input(label, int(low), int(high), step=1, key=f"adv_{key}", help=help_text)
                else:
                    st.number_input(
                        label,
                        float(low),
                        float(high),
                        step=STEPS.get(key, 1.0),
                        format="%g",
                        key=f"adv_{key}",
                        help=help_text,
                    )
                slots[key] = st.empty()
        for key, label, help_text in TOGGLES:
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
    return slots


def _init_options() -> dict[str, str]:
    """Finished or stopped runs with a checkpoint, as transfer sources: path -> label."""
    options = {"": "Nothing: start from scratch"}
    for run in list_runs(runs_dir()):
        if not run.damaged and run.epochs_done > 0 and run.status not in ACTIVE_STATUSES:
            options[str(run.path)] = f"{run.run_id} · {run.dataset_name} · {run.epochs_done} epochs"
    return options


def transfer_inputs() -> None:
    """The transfer inputs: a finished run to start from, and the judge layers to freeze."""
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
