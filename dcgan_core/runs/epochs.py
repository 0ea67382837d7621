"""What each epoch leaves in a run folder: sample grids, the progress GIF, checkpoints and generators.

Nothing here imports TensorFlow.
"""

from __future__ import annotations


import re
from pathlib import Path

import numpy as np

from dcgan_core.atomic import atomic_write_bytes
from dcgan_core.errors import RunError
from dcgan_core.images import decode_png, encode_gif, encode_png

__all__ = [
    "save_sample_grid",
    "sample_epochs",
    "sample_grid_path",
    "build_progress_gif",
    "checkpoint_epochs",
    "generator_epochs",
    "generator_onnx_path",
    "saved_generator_epoch",
]


_SAMPLE_RE = re.compile(r"^epoch_(\d{4,})\.png$")


_NPZ_RE = re.compile(r"^epoch_(\d{4,})\.npz$")


def save_sample_grid(run_dir: Path, epoch: int, grid: np.ndarray) -> Path:
    """Write ``samples/epoch_XXXX.png`` for ``epoch``."""
    path = Path(run_dir) / "samples" / f"epoch_{epoch:04d}.png"
    atomic_write_bytes(path, encode_png(grid))
    return path


def sample_epochs(run_dir: Path) -> list[int]:
    """Epochs that have a saved sample grid, ascending."""
    folder = Path(run_dir) / "samples"
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _SAMPLE_RE.match(p.name)))


def sample_grid_path(run_dir: Path, epoch: int) -> Path:
    """Path of the sample grid of ``epoch`` (RunError when that epoch has none)."""
    path = Path(run_dir) / "samples" / f"epoch_{int(epoch):04d}.png"
    if not path.is_file():
        raise RunError(f"{Path(run_dir).name} has no sample grid for epoch {epoch}.")
    return path


def build_progress_gif(run_dir: Path, max_frames: int = 120, duration_ms: int = 250) -> Path | None:
    """Animate the saved grids into ``progress.gif`` (evenly thinned to ``max_frames``)."""
    epochs = sample_epochs(run_dir)
    if not epochs:
        return None
    if len(epochs) > max_frames:
        picks = np.unique(np.linspace(0, len(epochs) - 1, max_frames).round().astype(int))
        epochs = [epochs[i] for i in picks]
    frames = [decode_png(sample_grid_path(run_dir, e).read_bytes()) for e in epochs]
    shape = frames[-1].shape
    frames = [f for f in frames if f.shape == shape]
    path = Path(run_dir) / "progress.gif"
    atomic_write_bytes(path, encode_gif(frames, duration_ms=duration_ms))
    return path


def _npz_epochs(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _NPZ_RE.match(p.name)))


def checkpoint_epochs(run_dir: Path) -> list[int]:
    """Epochs with a complete resumable checkpoint (archive and state), ascending."""
    folder = Path(run_dir) / "checkpoints"
    return [e for e in _npz_epochs(folder) if (folder / f"epoch_{e:04d}.json").is_file()]


def generator_onnx_path(run_dir: Path, epoch: int) -> Path:
    """The ONNX file of the sampling generator of ``epoch`` (written by the worker at each checkpoint)."""
    return Path(run_dir) / "generators" / f"epoch_{int(epoch):04d}.onnx"


def saved_generator_epoch(run_dir: Path, epoch: int | None = None) -> int:
    """``epoch`` when the run saved a generator then (default: the newest saved one).

    Raises:
        RunError: when the run has no saved generator yet, or none for that epoch (the
            message lists the saved ones).
    """
    epochs = generator_epochs(run_dir)
    if not epochs:
        raise RunError(f"{Path(run_dir).name} has no saved generator yet (it saves one at each checkpoint).")
    chosen = epochs[-1] if epoch is None else int(epoch)
    if chosen not in epochs:
        raise RunError(f"{Path(run_dir).name} has no generator saved for epoch {chosen}; saved: {epochs}.")
    return chosen


def generator_epochs(run_dir: Path) -> list[int]:
    """Epochs whose sampling generator was saved (for the explorer and the timeline), ascending."""
    return _npz_epochs(Path(run_dir) / "generators")
