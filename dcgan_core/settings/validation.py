"""Checking settings: every field of a :class:`~dcgan_core.settings.config.TrainConfig` in range.

Every refusal is a :class:`~dcgan_core.errors.ConfigError` that names the field and why.
"""

from __future__ import annotations


import math
from typing import Any

from dcgan_core.errors import ConfigError
from dcgan_core.data.labels import MAX_CLASSES
from dcgan_core.settings.choices import (
    ARCHITECTURES,
    AUGMENT_OP_NAMES,
    FIXED_SHAPES,
    JIT_MODES,
    LATENT_DISTRIBUTIONS,
    LOSSES,
    MAX_IMAGE_SIZE,
    MIN_IMAGE_SIZE,
    OPTIMIZERS,
    VALUE_RANGES,
)

#: A :class:`~dcgan_core.settings.config.TrainConfig` (not imported: config.py imports this module).
TrainConfig = Any

__all__ = ["validate_config"]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _check_number(name: str, value: Any, low: float, high: float, integer: bool = False) -> None:
    kind = "a whole number" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    _require(ok_type and not isinstance(value, bool), f"{name} must be {kind}, got {value!r}.")
    _require(math.isfinite(float(value)), f"{name} must be finite, got {value!r}.")
    _require(low <= value <= high, f"{name} must be between {low:g} and {high:g}, got {value!r}.")


def validate_config(config: TrainConfig) -> TrainConfig:
    """Check every field of ``config`` and the combinations between them.

    Returns:
        The same config, for chaining.

    Raises:
        ConfigError: naming the first field that is wrong and why.
    """
    c = config
    _require(c.arch in ARCHITECTURES, f"arch must be one of {', '.join(ARCHITECTURES)}; got {c.arch!r}.")
    _require(c.loss in LOSSES, f"loss must be one of {', '.join(LOSSES)}; got {c.loss!r}.")
    _require(c.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {c.optimizer!r}.")
    _require(c.value_range in VALUE_RANGES, f"value_range must be 'signed' or 'unit'; got {c.value_range!r}.")
    _require(
        c.latent_dist in LATENT_DISTRIBUTIONS, f"latent_dist must be 'normal' or 'uniform'; got {c.latent_dist!r}."
    )
    _require(c.jit_compile in JIT_MODES, f"jit_compile must be 'auto', 'on' or 'off'; got {c.jit_compile!r}.")
    _check_number("image_size", c.image_size, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE, integer=True)
    _require(c.channels in (1, 3), f"channels must be 1 or 3, got {c.channels!r}.")
    _check_number("latent_dim", c.latent_dim, 1, 2048, integer=True)
    _check_number("width", c.width, 0.05, 8.0)
    _check_number("bn_momentum", c.bn_momentum, 0.0, 0.9999)
    _check_number("g_lr", c.g_lr, 1e-7, 1.0)
    _check_number("d_lr", c.d_lr, 1e-7, 1.0)
    _check_number("beta_1", c.beta_1, 0.0, 0.9999)
    for name in ("real_label", "fake_label", "g_target"):
        _check_number(name, getattr(c, name), 0.0, 1.0)
    _require(c.real_label > c.fake_label, "real_label must be larger than fake_label.")
    _check_number("d_steps", c.d_steps, 1, 10, integer=True)
    _check_number("batch_size", c.batch_size, 2, 4096, integer=True)
    _require(not c.half_batch or c.batch_size % 2 == 0, "batch_size must be even with the half-batch scheme.")
    _check_number("epochs", c.epochs, 1, 100_000, integer=True)
    if c.steps_per_epoch is not None:
        _check_number("steps_per_epoch", c.steps_per_epoch, 1, 10_000_000, integer=True)
    _check_number("ema_decay", c.ema_decay, 0.0, 0.99999)
    for name in ("sample_every", "checkpoint_every"):
        _check_number(name, getattr(c, name), 1, 100_000, integer=True)
    _check_number("swd_every", c.swd_every, 0, 100_000, integer=True)
    _check_number("grid_size", c.grid_size, 1, 256, integer=True)
    _check_number("seed", c.seed, 0, 2**31 - 1, integer=True)
    for name in ("sample_every_seconds", "checkpoint_every_seconds", "swd_every_seconds"):
        _check_number(name, getattr(c, name), 0, 7 * 24 * 3600)
    _check_number("max_snapshots", c.max_snapshots, 0, 100_000, integer=True)
    _require(c.max_snapshots == 0 or c.max_snapshots >= 2, "max_snapshots must be 0 (keep all) or at least 2.")
    _check_number("min_free_disk_mb", c.min_free_disk_mb, 0, 10_000_000)
    _validate_augmentation(c)
    _check_number("freeze_d_layers", c.freeze_d_layers, 0, 100, integer=True)
    _check_number("r1_gamma", c.r1_gamma, 0.0, 1000.0)
    _check_number("r1_every", c.r1_every, 1, 1000, integer=True)
    _require(isinstance(c.init_from_run, str), "init_from_run must be a run folder path (text).")
    if c.max_seconds is not None:
        _check_number("max_seconds", c.max_seconds, 1, 30 * 24 * 3600)
    _validate_classes(c)
    fixed = FIXED_SHAPES.get(c.arch)
    if fixed is not None:
        _require(
            c.image_size == fixed[0],
            f"The {c.arch} architecture makes {fixed[0]}x{fixed[0]} images, not "
            f"{c.image_size}x{c.image_size}; resize the data or choose 'custom'.",
        )
    if c.arch == "gaussian_1d":
        _require(c.augment is False, "augment makes no sense for the 1-D Gaussian toy.")
    else:
        _require(bool(c.data_path), "data_path is required for an image model.")
    return c


def _validate_classes(c: TrainConfig) -> None:
    _require(
        isinstance(c.class_names, tuple) and all(isinstance(n, str) and n for n in c.class_names),
        "class_names must be a list of non-empty names.",
    )
    _require(len(c.class_names) <= MAX_CLASSES, f"class_names: at most {MAX_CLASSES:,} classes.")
    _require(len(set(c.class_names)) == len(c.class_names), "class_names must not repeat a name.")
    if c.conditional:
        _require(
            c.arch == "dcgan",
            "Drawing by class (conditional) needs the recommended network (custom); "
            f"the {c.arch} network draws without classes.",
        )
        _require(len(c.class_names) != 1, "Drawing by class needs at least two classes.")
    else:
        _require(not c.class_names, "class_names is only used when drawing by class (conditional on).")


def _validate_augmentation(c: TrainConfig) -> None:
    _require(
        isinstance(c.augment_ops, str),
        f"augment_ops must be text such as 'color,translation,cutout', got {c.augment_ops!r}.",
    )
    names = [part.strip().lower() for part in c.augment_ops.split(",") if part.strip()]
    unknown = [n for n in names if n not in AUGMENT_OP_NAMES]
    _require(
        not unknown,
        f"augment_ops: unknown augmentation {', '.join(unknown)}; choose from {', '.join(AUGMENT_OP_NAMES)}.",
    )
    _check_number("augment_p (augmentation strength, a probability)", c.augment_p, 0.0, 1.0)
    _check_number("augment_target (the overfitting signal to hold; 0 = fixed strength)", c.augment_target, 0.0, 0.95)
    _require(
        c.augment_target == 0 or c.augment_target >= 0.05,
        f"augment_target {c.augment_target:g} would push the augmentation to full strength at once; "
        "use 0 (fixed strength) or a value between 0.05 and 0.95 (0.6 is ADA's).",
    )
    _check_number(
        "augment_speed (images for the strength to go from 0 to 1)", c.augment_speed, 100, 100_000_000, integer=True
    )
    if names:
        _require(c.arch != "gaussian_1d", "augment_ops makes no sense for the 1-D Gaussian toy.")
        _require(
            c.augment_p > 0 or c.augment_target > 0,
            "augment_ops is set but the strength is 0 and fixed (augment_target 0): it would never "
            "apply; give augment_p above 0 or an adaptive target such as 0.6.",
        )
