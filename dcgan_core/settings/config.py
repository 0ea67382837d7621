"""The one frozen training configuration, its validation and its JSON form.

A :class:`TrainConfig` describes a whole training setup: architecture, value range,
loss, optimizers, label smoothing, batch scheme and run length. It is immutable; change
it with :func:`dataclasses.replace` (or :meth:`TrainConfig.with_changes`, which also
validates). Presets (see :mod:`dcgan_core.settings.presets`) are named ``TrainConfig`` values.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import Any
from collections.abc import Mapping

from dcgan_core.errors import ConfigError
from dcgan_core.data.labels import MAX_CLASSES

__all__ = [
    "ARCHITECTURES",
    "LOSSES",
    "OPTIMIZERS",
    "VALUE_RANGES",
    "LATENT_DISTRIBUTIONS",
    "JIT_MODES",
    "AUGMENT_OP_NAMES",
    "MIN_IMAGE_SIZE",
    "MAX_IMAGE_SIZE",
    "TrainConfig",
    "validate_config",
    "config_from_dict",
    "config_to_dict",
    "parse_setting",
]

ARCHITECTURES = (
    "dcgan",  # the sized "custom" DCGAN
    "face64",
    "mnist_blocks",
    "gaussian_1d",
    "mnist_rmsprop",
    "mnist_tutorial",
    "faces200",
)
LOSSES = ("bce_logits", "bce_sigmoid", "lsgan")
OPTIMIZERS = ("adam", "rmsprop")
VALUE_RANGES = ("signed", "unit")  # signed: [-1, 1] (tanh); unit: [0, 1] (sigmoid)
LATENT_DISTRIBUTIONS = ("normal", "uniform")
JIT_MODES = ("auto", "on", "off")
AUGMENT_OP_NAMES = ("color", "translation", "cutout")  # see dcgan_core.engine.augment
MIN_IMAGE_SIZE = 8
MAX_IMAGE_SIZE = 256

#: Architectures whose output size is fixed by their design: (size, channels or None).
FIXED_SHAPES: dict[str, tuple[int, int | None]] = {
    "face64": (64, None),
    "mnist_blocks": (28, None),
    "mnist_rmsprop": (28, None),
    "mnist_tutorial": (28, None),
    "faces200": (200, None),
}


@dataclass(frozen=True)
class TrainConfig:
    """A complete, immutable description of one training run.

    Attributes:
        preset: Name of the preset this configuration came from (for display).
        arch: Network family; one of :data:`ARCHITECTURES`.
        image_size: Side of the square images the generator makes (pixels).
        channels: 1 (grey) or 3 (RGB).
        latent_dim: Size of the latent vector z.
        latent_dist: ``"normal"`` (N(0, 1)) or ``"uniform"`` (U(-1, 1)).
        width: Multiplier on every layer's channel count (``dcgan`` and scalable presets).
        bn_momentum: BatchNormalization momentum in the generator (Keras convention).
        value_range: ``"signed"`` pixels in [-1, 1] (tanh) or ``"unit"`` in [0, 1] (sigmoid).
        loss: ``"bce_logits"``, ``"bce_sigmoid"`` (D ends in a sigmoid) or ``"lsgan"``.
        optimizer: ``"adam"`` or ``"rmsprop"`` (both networks).
        g_lr: Generator learning rate.
        d_lr: Discriminator learning rate.
        beta_1: Adam's first-moment decay (ignored by RMSprop).
        real_label: Discriminator target for real images (0.9 = one-sided smoothing).
        fake_label: Discriminator target for generated images (0.1 = two-sided smoothing).
        g_target: The target the generator trains D(G(z)) towards.
        half_batch: Discriminator sees half a batch of real and half of fake images.
        d_concat: Discriminator sees real and fake images in one concatenated batch
            (seed 000's scheme; it matters when D has BatchNormalization).
        d_steps: Discriminator updates per generator update.
        batch_size: Images per step.
        epochs: Passes over the dataset.
        steps_per_epoch: Cap on steps per epoch (``None``: the whole dataset).
        augment: Random flip and translation, applied alike to real and fake images (the
            first release's augmentation; not differentiable for the generator).
        augment_ops: Differentiable augmentation (DiffAugment), comma-separated from
            ``color``, ``translation``, ``cutout``; empty: off. Applied to every image D
            sees, real and fake, with gradients reaching the generator.
        augment_p: Starting strength: the probability that each transform hits an image.
        augment_target: The overfitting signal r_t = E[sign(D(real))] the strength steers
            towards (ADA's 0.6); 0 keeps the strength fixed at ``augment_p``.
        augment_speed: Real images over which the adaptive strength can go from 0 to 1.
        init_from_run: A run folder whose newest checkpoint gives the starting weights
            (transfer learning); empty: random start.
        freeze_d_layers: How many of the discriminator's first weight layers stay frozen
            (FreezeD); 0: none.
        ema_decay: Decay of the averaged generator used for samples (0 disables it).
        recalibrate_bn: Re-estimate the sampling generator's BatchNorm statistics
            before every preview so that previews show what the model really makes.
        sample_every: Save the fixed-seed grid every N epochs.
        checkpoint_every: Save a resumable checkpoint every N epochs.
        swd_every: Measure the sliced Wasserstein distance every N epochs (0: never).
        sample_every_seconds: When above 0, save the grid at the first epoch end at least
            this many seconds of training after the previous one (replaces ``sample_every``).
        checkpoint_every_seconds: The same for checkpoints (replaces ``checkpoint_every``).
        swd_every_seconds: The same for the SWD measure (replaces ``swd_every``).
        max_snapshots: Keep at most this many timeline snapshots (generator files), thinned
            so that they stay denser early; 0 keeps every one.
        min_free_disk_mb: Stop cleanly, keeping the last checkpoint, when the disk holding
            the run has less free space than this.
        grid_size: Number of images in the fixed-seed sample grid.
        seed: Seed of every random draw of the run.
        mixed_precision: Train in float16 with float32 variables (GPU only).
        jit_compile: XLA compilation: ``"auto"``, ``"on"`` or ``"off"``.
        max_seconds: Stop cleanly after this wall-clock budget (``None``: no budget).
        data_path: The uint8 ``.npy`` dataset; empty for ``gaussian_1d``.
        conditional: Draw by class: the generator receives the class of each image (a
            learned embedding joined to z) and the discriminator judges image and class
            together (a projection discriminator). Needs a labelled dataset and the
            ``dcgan`` network.
        class_names: The classes, in class-index order (filled from the dataset when the
            run is created; empty for an unconditional run).
        balance_classes: In a conditional run, draw every class equally often, whatever
            its number of images.
    """

    preset: str = "custom"
    arch: str = "dcgan"
    image_size: int = 28
    channels: int = 1
    latent_dim: int = 64
    latent_dist: str = "normal"
    width: float = 1.0
    bn_momentum: float = 0.8
    value_range: str = "signed"
    loss: str = "bce_logits"
    optimizer: str = "adam"
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    beta_1: float = 0.5
    real_label: float = 1.0
    fake_label: float = 0.0
    g_target: float = 1.0
    half_batch: bool = False
    d_concat: bool = False
    d_steps: int = 1
    batch_size: int = 64
    epochs: int = 20
    steps_per_epoch: int | None = None
    augment: bool = False
    augment_ops: str = ""
    augment_p: float = 0.0
    augment_target: float = 0.6
    augment_speed: int = 20_000
    init_from_run: str = ""
    freeze_d_layers: int = 0
    ema_decay: float = 0.0
    recalibrate_bn: bool = True
    sample_every: int = 1
    checkpoint_every: int = 1
    swd_every: int = 5
    sample_every_seconds: float = 0.0
    checkpoint_every_seconds: float = 0.0
    swd_every_seconds: float = 0.0
    max_snapshots: int = 32
    min_free_disk_mb: float = 200.0
    grid_size: int = 16
    seed: int = 0
    mixed_precision: bool = False
    jit_compile: str = "auto"
    max_seconds: float | None = None
    data_path: str = ""
    conditional: bool = False
    class_names: tuple[str, ...] = ()
    balance_classes: bool = True

    @property
    def n_classes(self) -> int:
        """Number of classes the generator draws (0 for an unconditional run)."""
        return len(self.class_names) if self.conditional else 0

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one generated sample: (H, W, C), or (1,) for ``gaussian_1d``."""
        if self.arch == "gaussian_1d":
            return (1,)
        return (self.image_size, self.image_size, self.channels)

    @property
    def is_image_model(self) -> bool:
        """True for every architecture except the 1-D toy."""
        return self.arch != "gaussian_1d"

    def with_changes(self, **changes: Any) -> TrainConfig:
        """Return a validated copy with ``changes`` applied.

        Raises:
            ConfigError: when a name is unknown or the result is invalid.
        """
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(unknown)}.")
        new = dataclasses.replace(self, **changes)
        validate_config(new)
        return new


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
    _require(c.latent_dist in LATENT_DISTRIBUTIONS, f"latent_dist must be 'normal' or 'uniform'; got {c.latent_dist!r}.")
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
    _require(isinstance(c.class_names, tuple) and all(isinstance(n, str) and n for n in c.class_names),
             "class_names must be a list of non-empty names.")
    _require(len(c.class_names) <= MAX_CLASSES, f"class_names: at most {MAX_CLASSES:,} classes.")
    _require(len(set(c.class_names)) == len(c.class_names), "class_names must not repeat a name.")
    if c.conditional:
        _require(c.arch == "dcgan", "Drawing by class (conditional) needs the recommended network (custom); "
                                    f"the {c.arch} network draws without classes.")
        _require(len(c.class_names) != 1, "Drawing by class needs at least two classes.")
    else:
        _require(not c.class_names, "class_names is only used when drawing by class (conditional on).")


def _validate_augmentation(c: TrainConfig) -> None:
    _require(isinstance(c.augment_ops, str), f"augment_ops must be text such as 'color,translation,cutout', got {c.augment_ops!r}.")
    names = [part.strip().lower() for part in c.augment_ops.split(",") if part.strip()]
    unknown = [n for n in names if n not in AUGMENT_OP_NAMES]
    _require(not unknown, f"augment_ops: unknown augmentation {', '.join(unknown)}; "
                          f"choose from {', '.join(AUGMENT_OP_NAMES)}.")
    _check_number("augment_p (augmentation strength, a probability)", c.augment_p, 0.0, 1.0)
    _check_number("augment_target (the overfitting signal to hold; 0 = fixed strength)", c.augment_target, 0.0, 0.95)
    _require(c.augment_target == 0 or c.augment_target >= 0.05,
             f"augment_target {c.augment_target:g} would push the augmentation to full strength at once; "
             "use 0 (fixed strength) or a value between 0.05 and 0.95 (0.6 is ADA's).")
    _check_number("augment_speed (images for the strength to go from 0 to 1)", c.augment_speed, 100, 100_000_000,
                  integer=True)
    if names:
        _require(c.arch != "gaussian_1d", "augment_ops makes no sense for the 1-D Gaussian toy.")
        _require(c.augment_p > 0 or c.augment_target > 0,
                 "augment_ops is set but the strength is 0 and fixed (augment_target 0): it would never "
                 "apply; give augment_p above 0 or an adaptive target such as 0.6.")


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_setting(text: str) -> tuple[str, Any]:
    """One ``KEY=VALUE`` setting (the CLI's ``--set``) as a field name and a typed value.

    The value is read as the field's type: whole numbers, numbers, on/off words for
    switches, text; ``none`` (or nothing) clears an optional field.

    Raises:
        ConfigError: naming the key when it is unknown or the value does not fit its type.
    """
    key, sep, raw = str(text).partition("=")
    key, raw = key.strip(), raw.strip()
    types = {f.name: str(f.type) for f in fields(TrainConfig)}
    if not sep or not key:
        raise ConfigError(f"A setting must look like KEY=VALUE, got {text!r}.")
    if key not in types:
        raise ConfigError(f"Unknown setting {key!r}; the settings are: {', '.join(sorted(types))}.")
    kind = types[key]
    if "None" in kind and raw.lower() in ("", "none"):
        return key, None
    try:
        if kind.startswith("bool"):
            if raw.lower() not in _TRUE + _FALSE:
                raise ValueError
            return key, raw.lower() in _TRUE
        if kind.startswith("int"):
            return key, int(raw)
        if kind.startswith("float"):
            return key, float(raw)
        if kind.startswith("tuple"):
            return key, tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        word = "on/off (true/false)" if kind.startswith("bool") else kind.split(" ")[0].replace("int", "a whole number").replace("float", "a number")
        raise ConfigError(f"{key} must be {word}, got {raw!r}.") from None
    return key, raw


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """The JSON-ready dict of ``config`` (all fields, plain types)."""
    return dataclasses.asdict(config)


def config_from_dict(data: Mapping[str, Any]) -> TrainConfig:
    """Rebuild a validated :class:`TrainConfig` from :func:`config_to_dict` output.

    Unknown keys are refused (a config from a newer version is named, not half-read).

    Raises:
        ConfigError: when a key is unknown or a value invalid.
    """
    if not isinstance(data, Mapping):
        raise ConfigError("A configuration must be a JSON object.")
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"Unknown setting(s) in configuration: {', '.join(unknown)}.")
    values = dict(data)
    if isinstance(values.get("class_names"), list):
        values["class_names"] = tuple(values["class_names"])  # JSON has lists, the config tuples
    try:
        config = TrainConfig(**values)
    except TypeError as exc:  # pragma: no cover - guarded by the key check above
        raise ConfigError(str(exc)) from exc
    return validate_config(config)
