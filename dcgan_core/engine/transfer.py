"""Start a run from another run's weights (transfer learning), and FreezeD.

A small dataset trains better from a generator and discriminator that already learned on
other images (the ADA paper's transfer results; Mo et al. 2020, "Freeze the
Discriminator", for keeping D's first layers fixed). :func:`check_init_run` refuses an
incompatible source with a message naming every difference; :func:`load_initial_weights`
copies the source's newest checkpoint into a freshly built GAN (weights only: the new run
starts its own optimizers, epoch counter and history); :func:`freeze_discriminator_layers`
keeps D's first weight layers fixed. Importing this module does not import TensorFlow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dcgan_core.settings.config import TrainConfig
from dcgan_core.errors import ConfigError, RunError
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.runs.folder import read_run_config

__all__ = ["TRANSFER_FIELDS", "check_init_run", "load_initial_weights", "freeze_discriminator_layers"]

#: Settings that decide the networks' shapes: they must match between the two runs.
TRANSFER_FIELDS = {
    "arch": "architecture",
    "image_size": "image size",
    "channels": "channels",
    "latent_dim": "latent size",
    "width": "width",
    "value_range": "pixel value range",
    "n_classes": "number of classes drawn (0: without classes)",
}


def _d_head(config: TrainConfig) -> str:
    return "probability" if config.loss == "bce_sigmoid" else "score"


def check_init_run(config: TrainConfig, init_dir: str | Path | None = None) -> tuple[TrainConfig, int]:
    """Check that the run at ``init_dir`` (default ``config.init_from_run``) can seed ``config``.

    Returns:
        The source run's config and the epoch of its newest checkpoint.

    Raises:
        ConfigError: naming what differs (e.g. "image size 28 vs 64"), or why the source
            cannot be used (missing, damaged, no checkpoint).
    """
    folder = Path(init_dir or config.init_from_run)
    name = folder.name or str(folder)
    if not folder.is_dir():
        raise ConfigError(f"Cannot start from run {name}: no run folder at {folder}.")
    try:
        source, _ = read_run_config(folder)
    except RunError as exc:
        raise ConfigError(f"Cannot start from run {name}: {exc}") from None
    epochs = checkpoint_epochs(folder)
    if not epochs:
        raise ConfigError(f"Cannot start from run {name}: it has no checkpoint yet (train it for an epoch first).")
    differences = [
        f"{label} {getattr(source, key)} vs {getattr(config, key)}"
        for key, label in TRANSFER_FIELDS.items()
        if getattr(source, key) != getattr(config, key)
    ]
    if _d_head(source) != _d_head(config):
        differences.append(
            f"discriminator output {_d_head(source)} vs {_d_head(config)} (loss {source.loss} vs {config.loss})"
        )
    if differences:
        raise ConfigError(
            f"Cannot start from run {name}: its networks differ from this run's ("
            + "; ".join(differences)
            + "). Pick a run with the same preset, size, channels "
            "and width, or start from scratch."
        )
    return source, epochs[-1]


def _unpack(archive: Any, prefix: str) -> list[np.ndarray]:
    keys = sorted(k for k in archive.files if k.startswith(prefix + "/"))
    return [archive[k] for k in keys]


def load_initial_weights(gan: Any, config: TrainConfig) -> int:
    """Copy the newest checkpoint of ``config.init_from_run`` into ``gan``'s networks.

    Generator, discriminator and sampling generator get the source's weights; optimizers,
    the epoch counter and the history stay fresh.

    Returns:
        The source epoch the weights come from.

    Raises:
        ConfigError: when the source is incompatible, damaged or has no checkpoint.
    """
    _, epoch = check_init_run(config)
    path = Path(config.init_from_run) / "checkpoints" / f"epoch_{epoch:04d}.npz"
    try:
        with np.load(path, allow_pickle=False) as archive:
            parts = {prefix: _unpack(archive, prefix) for prefix in ("g", "d", "s")}
    except (OSError, ValueError, EOFError) as exc:
        raise ConfigError(
            f"Cannot start from run {Path(config.init_from_run).name}: {path.name} is damaged ({exc})."
        ) from exc
    targets = [(gan.generator, "g", "generator"), (gan.discriminator, "d", "discriminator")]
    if gan.sampler is not None:
        targets.append((gan.sampler, "s", "sampling generator"))
    for model, prefix, what in targets:
        try:
            model.set_weights(parts[prefix])
        except ValueError as exc:
            raise ConfigError(
                f"Cannot start from run {Path(config.init_from_run).name}: its {what} does not fit ({exc})."
            ) from exc
    return epoch


def freeze_discriminator_layers(discriminator: Any, count: int) -> list[str]:
    """Make the first ``count`` layers that hold weights not trainable (FreezeD).

    Call before the optimizers are built.

    Returns:
        The names of the frozen layers.

    Raises:
        ConfigError: when the discriminator has no more than ``count`` weight layers (the
            last, the score, must stay trainable).
    """
    if count <= 0:
        return []
    weighted = [layer for layer in discriminator.layers if layer.weights]
    if count >= len(weighted):
        raise ConfigError(
            f"freeze_d_layers is {count}, but this discriminator has only {len(weighted)} layers "
            f"with weights; freeze at most {len(weighted) - 1}."
        )
    for layer in weighted[:count]:
        layer.trainable = False
    return [layer.name for layer in weighted[:count]]
