"""Shared helpers for the engine tests: tiny datasets cut from the bundled real digits."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dcgan_core import TrainConfig, bundled_dataset_path, preset_config  # noqa: E402


def digits_npy(folder: Path, n: int = 256) -> Path:
    """Write the first ``n`` bundled digits (shuffled labels) to ``folder/digits.npy``."""
    path = folder / "digits.npy"
    np.save(path, np.load(bundled_dataset_path())[:n])
    return path


def tiny_config(data: Path, **changes) -> TrainConfig:
    """A very small custom DCGAN on 28x28 digits: a few steps per epoch, seconds per run."""
    base = dict(epochs=2, batch_size=32, steps_per_epoch=3, width=0.25, swd_every=1, grid_size=9, latent_dim=16)
    base.update(changes)
    return preset_config("custom", data_path=str(data), image_size=28, channels=1, **base)
