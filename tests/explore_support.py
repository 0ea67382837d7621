"""Shared pieces of the explorer tests: one tiny trained run on real digits, and a 1-D toy run."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from engine_support import digits_npy, tiny_config

from dcgan_core import create_run, preset_config, train_run


def train_digits_run(runs_dir: Path, data_dir: Path) -> Path:
    """A tiny custom DCGAN trained for 2 epochs of 2 steps on 128 real digits (a few seconds)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = tiny_config(digits_npy(data_dir, 128), epochs=2, steps_per_epoch=2)
    run_dir = create_run(config, runs_dir, dataset_name="digits")
    outcome = train_run(run_dir)
    assert outcome.status == "finished", outcome.message
    return run_dir


def train_gaussian_run(runs_dir: Path) -> Path:
    """The 1-D toy trained for 2 epochs of 2 steps, a generator saved at each."""
    config = preset_config("gaussian_1d", epochs=2, steps_per_epoch=2, sample_every=1, checkpoint_every=1)
    run_dir = create_run(config, runs_dir, dataset_name="gaussian")
    outcome = train_run(run_dir)
    assert outcome.status == "finished", outcome.message
    return run_dir


def copy_run(run_dir: Path, runs_dir: Path, new_id: str) -> Path:
    """A copy of a run folder under another id (to damage without touching the original)."""
    target = runs_dir / new_id
    shutil.copytree(run_dir, target)
    return target


def gif_frames(data: bytes) -> list[np.ndarray]:
    """Every frame of a GIF as a uint8 array (fails when the bytes are not a GIF)."""
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "GIF"
        frames = []
        for index in range(img.n_frames):
            img.seek(index)
            frames.append(np.asarray(img.convert("L")))
    return frames


def png_array(data: bytes) -> np.ndarray:
    """A PNG's pixels (fails when the bytes are not a PNG)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img)
