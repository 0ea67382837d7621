"""Resumable checkpoints and generator files inside a run directory.

``checkpoints/epoch_XXXX.npz`` holds every weight of the generator, the discriminator and
the sampling generator, and every variable of both optimizers; ``epoch_XXXX.json`` beside it
holds the epoch counter and the training clock (the history is metrics.csv). Only the newest
:data:`KEEP_FULL_CHECKPOINTS` are kept. ``generators/epoch_XXXX.npz`` keeps the sampling
generator of every saved epoch for the explorer and the timeline. Files are plain numpy
archives read with ``allow_pickle=False`` and JSON: loading a run never executes code
from it. ``generator.keras`` is loaded only with Keras ``safe_mode``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import keras
import numpy as np

from dcgan_core.errors import CheckpointError
from dcgan_core.engine.models import build_generator
from dcgan_core.runs.epochs import checkpoint_epochs, saved_generator_epoch
from dcgan_core.atomic import atomic_write_json
from dcgan_core.atomic import atomic_write_bytes
from dcgan_core.runs.folder import read_run_config

__all__ = [
    "KEEP_FULL_CHECKPOINTS",
    "save_checkpoint",
    "save_generator_snapshot",
    "restore_checkpoint",
    "restore_newest_intact",
    "load_generator",
    "export_generator",
    "load_exported_generator",
]

KEEP_FULL_CHECKPOINTS = 2


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _weights(prefix: str, values: list[np.ndarray]) -> dict[str, np.ndarray]:
    return {f"{prefix}/{i:04d}": np.asarray(v) for i, v in enumerate(values)}


def _unpack(archive: Any, prefix: str) -> list[np.ndarray]:
    keys = sorted(k for k in archive.files if k.startswith(prefix + "/"))
    return [archive[k] for k in keys]


def save_checkpoint(run_dir: Path, epoch: int, gan: Any, state: dict[str, Any]) -> None:
    """Write a resumable checkpoint of ``gan`` (a :class:`~dcgan_core.engine.gan.GAN`) for ``epoch``.

    Also writes the sampling generator's weights for the explorer. Older full checkpoints
    beyond :data:`KEEP_FULL_CHECKPOINTS` are removed after the new one is in place.
    """
    folder = Path(run_dir) / "checkpoints"
    sampler = gan.sampler or gan.generator
    arrays = _weights("g", gan.generator.get_weights())
    arrays.update(_weights("d", gan.discriminator.get_weights()))
    arrays.update(_weights("s", sampler.get_weights()))
    arrays.update(_weights("go", [v.numpy() for v in gan.g_optimizer.variables]))
    arrays.update(_weights("do", [v.numpy() for v in gan.d_optimizer.variables]))
    arrays["ema_step"] = np.asarray(gan.ema_step.numpy())
    arrays["seed_state"] = np.asarray(keras.ops.convert_to_numpy(gan.seed_generator.state))
    arrays["augment_p"] = np.asarray(gan.augment_p.numpy())
    atomic_write_bytes(folder / f"epoch_{epoch:04d}.npz", _npz_bytes(arrays))
    atomic_write_json(folder / f"epoch_{epoch:04d}.json", {**state, "epoch": epoch})
    save_generator_snapshot(run_dir, epoch, sampler)
    for old in checkpoint_epochs(run_dir)[:-KEEP_FULL_CHECKPOINTS]:
        (folder / f"epoch_{old:04d}.npz").unlink(missing_ok=True)
        (folder / f"epoch_{old:04d}.json").unlink(missing_ok=True)


def save_generator_snapshot(run_dir: Path, epoch: int, sampler: keras.Model) -> None:
    """Write ``generators/epoch_XXXX.npz``: the sampling generator's weights, for the explorer and the timeline."""
    atomic_write_bytes(
        Path(run_dir) / "generators" / f"epoch_{epoch:04d}.npz", _npz_bytes(_weights("s", sampler.get_weights()))
    )


def _load_archive(path: Path) -> Any:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise CheckpointError(f"{path.parent.parent.name}: {path.name} is damaged ({exc}).") from exc


def _set(model: keras.Model, values: list[np.ndarray], what: str) -> None:
    try:
        model.set_weights(values)
    except ValueError as exc:
        raise CheckpointError(f"The saved {what} does not fit this model ({exc}).") from exc


def restore_checkpoint(run_dir: Path, gan: Any, epoch: int | None = None) -> dict[str, Any]:
    """Load the checkpoint of ``epoch`` (default: the newest) into ``gan``; returns its state.

    The optimizers must already be built (``gan.build_optimizers()``).

    Raises:
        CheckpointError: when there is no checkpoint or it does not fit or is damaged.
    """
    epochs = checkpoint_epochs(run_dir)
    if not epochs:
        raise CheckpointError(f"{Path(run_dir).name} has no checkpoint to resume from.")
    epoch = epochs[-1] if epoch is None else epoch
    if epoch not in epochs:
        raise CheckpointError(f"{Path(run_dir).name} has no checkpoint for epoch {epoch}.")
    folder = Path(run_dir) / "checkpoints"
    try:
        state = json.loads((folder / f"epoch_{epoch:04d}.json").read_text())
        if not isinstance(state, dict) or not isinstance(state.get("epoch"), int):
            raise ValueError("not a checkpoint state")
    except (OSError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{Path(run_dir).name}: checkpoint state of epoch {epoch} is damaged ({exc}).") from exc
    try:
        with _load_archive(folder / f"epoch_{epoch:04d}.npz") as archive:
            _set(gan.generator, _unpack(archive, "g"), "generator")
            _set(gan.discriminator, _unpack(archive, "d"), "discriminator")
            if gan.sampler is not None:
                _set(gan.sampler, _unpack(archive, "s"), "sampling generator")
            for name, optimizer in (("go", gan.g_optimizer), ("do", gan.d_optimizer)):
                values = _unpack(archive, name)
                if len(values) != len(optimizer.variables):
                    raise CheckpointError("The saved optimizer state does not fit this model.")
                for variable, value in zip(optimizer.variables, values):
                    variable.assign(value)
            gan.ema_step.assign(float(archive["ema_step"]))
            gan.seed_generator.state.assign(archive["seed_state"])
            if "augment_p" in archive.files:  # the config's strength is a floor (a remedy may raise it)
                gan.augment_p.assign(max(float(archive["augment_p"]), float(gan.config.augment_p)))
    except CheckpointError:
        raise
    except Exception as exc:  # a truncated archive raises zipfile, zlib and numpy errors alike
        raise CheckpointError(
            f"{Path(run_dir).name}: the checkpoint of epoch {epoch} is damaged ({type(exc).__name__}: {exc})."
        ) from exc
    return state


def restore_newest_intact(run_dir: Path, gan: Any) -> dict[str, Any]:
    """Restore the newest checkpoint that loads; a damaged newer one is skipped.

    Raises:
        CheckpointError: when no checkpoint of the run loads (the reasons are listed).
    """
    problems = []
    for epoch in reversed(checkpoint_epochs(run_dir)):
        try:
            return restore_checkpoint(run_dir, gan, epoch)
        except CheckpointError as exc:
            problems.append(str(exc))
    raise CheckpointError("No checkpoint of this run could be restored: " + " ".join(problems))


def load_generator(run_dir: Path, epoch: int | None = None) -> tuple[keras.Model, int]:
    """The sampling generator of a run at ``epoch`` (default: newest saved) and that epoch.

    Builds the network from the run's config.json and loads plain weights into it.

    Raises:
        RunError: when the run is damaged or has no saved generator (or not that epoch).
    """
    config, _ = read_run_config(Path(run_dir))
    epoch = saved_generator_epoch(run_dir, epoch)
    generator = build_generator(config, name="sampler")
    with _load_archive(Path(run_dir) / "generators" / f"epoch_{epoch:04d}.npz") as archive:
        _set(generator, _unpack(archive, "s"), "generator")
    return generator, epoch


def export_generator(run_dir: Path, generator: keras.Model) -> Path:
    """Save ``generator`` as ``generator.keras`` (atomically)."""
    path = Path(run_dir) / "generator.keras"
    tmp = path.with_name(".generator.tmp.keras")
    generator.save(tmp)
    tmp.replace(path)
    return path


def load_exported_generator(path: Path) -> keras.Model:
    """Load an exported ``.keras`` generator in safe mode (no code from the file runs)."""
    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for a bad archive
        raise CheckpointError(f"{Path(path).name} could not be loaded safely ({exc}).") from exc
