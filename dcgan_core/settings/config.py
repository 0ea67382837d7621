"""The one frozen training configuration, the ``KEY=VALUE`` form people type, and its JSON form.

Its values are checked by :mod:`~dcgan_core.settings.validation`; the choices it can make
are listed in :mod:`~dcgan_core.settings.choices`.

A :class:`TrainConfig` describes a whole training setup: architecture, value range,
loss, optimizers, label smoothing, batch scheme and run length. It is immutable; change
it with :func:`dataclasses.replace` (or :meth:`TrainConfig.with_changes`, which also
validates). Presets (see :mod:`dcgan_core.settings.presets`) are named ``TrainConfig`` values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from collections.abc import Mapping
from typing import Any

from dcgan_core.errors import ConfigError
from dcgan_core.settings.validation import validate_config


__all__ = ["TrainConfig", "config_to_dict", "config_from_dict", "parse_setting"]


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
        r1_gamma: Weight of the R1 penalty (Mescheder et al. 2018): the squared gradient of
            D's score on real images, which keeps the judge from sharpening against the
            generator on a small set; 0: off.
        r1_every: Steps between R1 penalties ("lazy" regularisation, StyleGAN2): every
            ``r1_every``-th step adds ``r1_every`` times the penalty, the same pull on
            average for a fraction of the cost (the penalty's second derivatives cost about
            a quarter of a small network's step); 1: every step.
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
    r1_gamma: float = 0.0
    r1_every: int = 16
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


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """The JSON-ready dict of ``config`` (all fields, plain types)."""
    return dataclasses.asdict(config)


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
        word = (
            "on/off (true/false)"
            if kind.startswith("bool")
            else kind.split(" ")[0].replace("int", "a whole number").replace("float", "a number")
        )
        raise ConfigError(f"{key} must be {word}, got {raw!r}.") from None
    return key, raw


#: Fields added after configs were first saved, whose absence means the behaviour of before
#: rather than today's default: a config saved before the lazy R1 penalty trained with it at every step.
_WHEN_MISSING: dict[str, Any] = {"r1_every": 1}


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
    values = {**_WHEN_MISSING, **data}
    if isinstance(values.get("class_names"), list):
        values["class_names"] = tuple(values["class_names"])  # JSON has lists, the config tuples
    try:
        config = TrainConfig(**values)
    except TypeError as exc:  # pragma: no cover - guarded by the key check above
        raise ConfigError(str(exc)) from exc
    return validate_config(config)
