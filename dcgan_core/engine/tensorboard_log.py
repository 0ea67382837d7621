"""TensorBoard event files for each run, for people who already live in TensorBoard.

The worker writes ``runs/<id>/tensorboard/events.out.tfevents.*``: every metric of every
epoch as a scalar (losses, accuracies, images/s, SWD, diversity, augmentation strength
when present) and the fixed-seed grid at each saved epoch as an image. ``tensorboard
--logdir runs`` then shows every run side by side. TensorFlow side (the worker only).
"""

from __future__ import annotations

import math
from pathlib import Path
from collections.abc import Mapping

import numpy as np
import tensorflow as tf

__all__ = ["TensorBoardLog", "TENSORBOARD_DIR"]

TENSORBOARD_DIR = "tensorboard"


class TensorBoardLog:
    """One run's event file writer; never raises into training (a failed write is skipped)."""

    def __init__(self, run_dir: Path) -> None:
        self._writer = tf.summary.create_file_writer(str(Path(run_dir) / TENSORBOARD_DIR))

    def epoch(self, epoch: int, row: Mapping[str, float], grid: np.ndarray | None = None) -> None:
        """Record one epoch's numbers (and its grid, when one was drawn)."""
        try:
            with self._writer.as_default(step=int(epoch)):
                for key, value in row.items():
                    if key != "epoch" and isinstance(value, (int, float)) and math.isfinite(float(value)):
                        tf.summary.scalar(key, float(value))
                if grid is not None:
                    image = grid if grid.ndim == 3 else grid[..., None]
                    tf.summary.image("fixed-seed samples", image[None, ...], max_outputs=1)
            self._writer.flush()
        except (OSError, tf.errors.OpError, ValueError):
            pass

    def close(self) -> None:
        """Flush and close the event file."""
        try:
            self._writer.close()
        except (OSError, tf.errors.OpError):
            pass
