"""Settings that fit the data and the machine, with the reasons in plain words.

:func:`auto_config` is what the recommended preset means in the app and the CLI: from the
dataset (number of images, size, channels) and, when known, the measured speed of this
machine, it chooses the network width, batch size, augmentation, learning rates, run
length and a time-based schedule, and says why ("150 images: augmentation on, adaptive").
Every choice is a plain :class:`~dcgan_core.settings.config.TrainConfig` field, so the user can
still override any of them. :func:`legacy_recommended_config` keeps the first release's
recommended settings reproducible (the benchmark compares against them).
No TensorFlow here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcgan_core.settings.config import TrainConfig
from dcgan_core.errors import ConfigError, DataError
from dcgan_core.data.labels import read_dataset_classes
from dcgan_core.settings.presets import RECOMMENDED_PRESET, preset_config

__all__ = [
    "MIN_DATASET_IMAGES",
    "SMALL_SET",
    "MEDIUM_SET",
    "TARGET_STEPS",
    "MIN_STEPS_IN_BUDGET",
    "AutoChoice",
    "auto_config",
    "legacy_recommended_config",
    "check_dataset_size",
    "with_dataset_classes",
]

MIN_DATASET_IMAGES = 16  # below this nothing worth keeping can be learned
SMALL_SET = 1000  # under this many images, augmentation starts strong
# R1 weight for small sets. bench/small_data.py-style 600 s runs on 200 digits: SWD 128.7 without,
# 92.1 at 0.05, 59.1 at 0.5 (the drift after the first minutes stops; about 5% fewer steps).
SMALL_SET_R1 = 0.5
MEDIUM_SET = 5000  # under this, augmentation is on but starts at 0 (it rises only if D overfits)
TARGET_STEPS = 4000  # training steps a default run aims at
MIN_STEPS_IN_BUDGET = 3000  # with a measured speed: the widest network that still makes this many
_WIDTHS = (1.0, 0.75, 0.5, 0.25)
_SNAPSHOTS = {1.0: 8, 0.75: 12, 0.5: 16, 0.25: 24}  # generator snapshots kept (disk stays ~50-100 MB)


@dataclass(frozen=True)
class AutoChoice:
    """The chosen settings and why.

    Attributes:
        config: A validated config, ready to train.
        reasons: One plain sentence per choice, for the Train page and the CLI.
        changed: The fields chosen here, with their values (what differs from the preset).
    """

    config: TrainConfig
    reasons: tuple[str, ...]
    changed: dict[str, Any]


def check_dataset_size(count: int, name: str = "The dataset") -> None:
    """Refuse a dataset too small to train at all.

    Raises:
        DataError: when ``count`` is under :data:`MIN_DATASET_IMAGES`, with the reason.
    """
    if count < MIN_DATASET_IMAGES:
        raise DataError(
            f"{name} has {count} image(s); a GAN needs at least {MIN_DATASET_IMAGES} to learn "
            "anything, and a few hundred to draw varied pictures. Add more images on the Data page."
        )


def _batch_size(count: int) -> int:
    batch = 32 if count < SMALL_SET else 64
    while batch > 8 and batch > count // 2:
        batch //= 2
    return batch


def _default_width(image_size: int) -> float:
    """Without a speed measurement: a width a laptop CPU trains for thousands of steps in minutes.

    Measured on a 2-core CPU with 150 colour images at 64x64 for 120 s: width 0.25 made
    3.2x the steps of width 0.5 and drew more varied, closer samples (diversity ratio 0.69
    against 0.54, SWD 390 against 427); in minutes, steps matter more than capacity.
    """
    return 1.0 if image_size <= 32 else 0.25


def _width_for_speed(images_per_second: float, batch: int, budget_seconds: float) -> float:
    """The widest network that still makes :data:`MIN_STEPS_IN_BUDGET` steps in the budget.

    The cost of a step grows about as width squared (every layer's channels scale).
    """
    for width in _WIDTHS:
        steps = budget_seconds * images_per_second / (batch * width**2)
        if steps >= MIN_STEPS_IN_BUDGET:
            return width
    return _WIDTHS[-1]


def auto_config(
    count: int,
    image_size: int,
    channels: int,
    data_path: str = "",
    images_per_second: float | None = None,
    budget_seconds: float = 600.0,
    class_names: tuple[str, ...] | None = None,
    **overrides: Any,
) -> AutoChoice:
    """Settings for the recommended preset on a dataset of ``count`` images.

    Args:
        count: Number of training images.
        image_size: Their side in pixels.
        channels: 1 or 3.
        data_path: The ``.npy`` dataset.
        images_per_second: Training speed measured on this machine at width 1 (``None``:
            not measured; the width then follows the image size).
        budget_seconds: The training time the run should fit (sizes the network when the
            speed is known).
        class_names: The dataset's classes (two or more: drawing by class is switched on);
            ``None``: read from the dataset at ``data_path`` when it has labels.
        **overrides: Any :class:`TrainConfig` field; it wins over the automatic choice.

    Raises:
        DataError: for a dataset under :data:`MIN_DATASET_IMAGES` images.
        ConfigError: when an override is invalid.
    """
    check_dataset_size(count)
    reasons: list[str] = []
    chosen: dict[str, Any] = {}
    colour = "colour" if channels == 3 else "grey"

    batch = _batch_size(count)
    chosen["batch_size"] = batch
    reasons.append(
        f"Batch {batch}: "
        + ("small sets learn best from more, smaller steps." if batch < 64 else "the standard DCGAN batch.")
    )

    if images_per_second and images_per_second > 0:
        width = _width_for_speed(images_per_second, batch, budget_seconds)
        reasons.append(
            f"Width {width:g}: this machine trains about {images_per_second:,.0f} {image_size}x{image_size} "
            f"images/s at full width, so {budget_seconds / 60:g} minutes give about "
            f"{budget_seconds * images_per_second / (batch * width**2):,.0f} steps at this width."
        )
    else:
        width = _default_width(image_size)
        reasons.append(
            f"Width {width:g}: sized for {image_size}x{image_size} {colour} images so that minutes on "
            "a laptop CPU give thousands of steps (speed not measured)."
        )
    chosen["width"] = width

    if count < SMALL_SET:
        start = 0.5 if count < 300 else 0.25
        chosen.update(augment_ops="color,translation,cutout", augment_p=start, augment_target=0.6)
        reasons.append(
            f"{count:,} images: augmentation on, adaptive (colour, shifts and cutout on real and "
            f"generated images alike, starting at strength {start:g} and steered by how sure the "
            "judge is of the real images), so it cannot just memorise them."
        )
    elif count < MEDIUM_SET:
        chosen.update(augment_ops="color,translation,cutout", augment_p=0.0, augment_target=0.6)
        reasons.append(
            f"{count:,} images: augmentation adaptive from zero; it grows only if the judge starts "
            "to memorise the images."
        )
    else:
        chosen.update(augment_ops="", augment_p=0.0)
        reasons.append(f"{count:,} images: enough variety, augmentation off.")

    if count < SMALL_SET:
        chosen["r1_gamma"] = SMALL_SET_R1
        reasons.append(
            f"A gradient penalty on real images (R1, weight {SMALL_SET_R1:g}): the judge's verdict stays "
            f"smooth around your {count:,} images, so it cannot sharpen against the generator as "
            "training goes on and the samples keep improving instead of drifting."
        )
    else:
        chosen["r1_gamma"] = 0.0
    chosen.update(g_lr=2e-4, d_lr=2e-4)
    reasons.append(
        "Learning rates 2e-4 for both networks (Adam, beta 0.5): the DCGAN standard; the "
        "augmentation, not a slower judge, keeps the balance."
    )

    steps = max(1, math.ceil(count / batch))
    epochs = int(min(5000, max(20, math.ceil(TARGET_STEPS / steps))))
    chosen["epochs"] = epochs
    reasons.append(f"{epochs:,} epochs of {steps} step(s): about {epochs * steps:,} steps in all.")

    snapshots = _SNAPSHOTS[width]
    chosen.update(
        sample_every_seconds=15.0, swd_every_seconds=60.0, checkpoint_every_seconds=60.0, max_snapshots=snapshots
    )
    reasons.append(
        f"A grid every 15 s, quality and a checkpoint every minute, at most {snapshots} timeline "
        "snapshots: the disk use stays bounded however short the epochs are."
    )

    if class_names is None:
        class_names = _classes_at(data_path)
    if len(class_names) >= 2:
        chosen.update(conditional=True, class_names=tuple(class_names))
        shown = ", ".join(class_names[:4]) + (", ..." if len(class_names) > 4 else "")
        reasons.append(
            f"{len(class_names)} classes ({shown}): drawing by class is on, so you can ask for one "
            "class when exploring; every class is drawn equally often while training."
        )
    if overrides.get("conditional") is False:
        chosen["class_names"] = ()
    chosen.update(overrides)
    config = preset_config(RECOMMENDED_PRESET, data_path=data_path, image_size=image_size, channels=channels, **chosen)
    if overrides:
        reasons.append("Your own settings win: " + ", ".join(f"{k}={v}" for k, v in overrides.items()) + ".")
    return AutoChoice(config, tuple(reasons), {k: getattr(config, k) for k in chosen})


def legacy_recommended_config(data_path: str, image_size: int, channels: int, **overrides: Any) -> TrainConfig:
    """The first release's recommended settings, as they were (for comparisons).

    The ``custom`` preset at its defaults: width 1, batch 64, no augmentation, a grid and a
    checkpoint every epoch, every timeline snapshot kept.
    """
    legacy = dict(
        width=1.0,
        batch_size=64,
        augment=False,
        augment_ops="",
        augment_p=0.0,
        sample_every=1,
        checkpoint_every=1,
        swd_every=5,
        sample_every_seconds=0.0,
        checkpoint_every_seconds=0.0,
        swd_every_seconds=0.0,
        max_snapshots=0,
        g_lr=2e-4,
        d_lr=2e-4,
        epochs=20,
    )
    legacy.update(overrides)
    return preset_config(RECOMMENDED_PRESET, data_path=data_path, image_size=image_size, channels=channels, **legacy)


def _classes_at(data_path: str) -> tuple[str, ...]:
    """The class names of the dataset at ``data_path``; none when it has no (readable) labels."""
    try:
        found = read_dataset_classes(data_path) if data_path and Path(data_path).is_file() else None
    except DataError:
        return ()  # damaged labels: train without classes (the Data page names the problem)
    return found.names if found is not None else ()


def with_dataset_classes(config: TrainConfig) -> TrainConfig:
    """``config`` with the dataset's class names filled in, for a run that draws by class.

    An unconditional config comes back unchanged.

    Raises:
        ConfigError: when drawing by class is asked for but the dataset has no classes, or
            other classes than the config names.
        DataError: when the dataset's labels are damaged.
    """
    if not config.conditional:
        return config
    found = read_dataset_classes(config.data_path) if config.data_path else None
    if found is None:
        raise ConfigError(
            "Drawing by class needs a dataset sorted into class folders; this dataset has no classes. "
            "Switch drawing by class off, or convert a folder whose images sit in one subfolder per class."
        )
    if config.class_names and tuple(config.class_names) != found.names:
        raise ConfigError(
            f"The settings name the classes {', '.join(config.class_names[:6])}, but the dataset has "
            f"{', '.join(found.names[:6])}."
        )
    return config.with_changes(class_names=found.names)
