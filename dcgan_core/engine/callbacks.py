"""Keras callbacks: the only way progress leaves ``fit``.

:class:`ControlCallback` runs between batches: it honours pause and stop within one batch,
enforces the wall-clock budget, stops on a NaN or infinite loss, and publishes the step.
:class:`EpochCallback` does the heavy work at epoch end: preview grid, quality numbers,
metrics row, status and checkpoint. Both publish typed :class:`~dcgan_core.runs.progress.Progress`
events and never raise into ``fit``: an error is kept and training stops.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable

import keras

from dcgan_core.runs.control import TrainingControl
from dcgan_core.runs.progress import Progress, Publish

__all__ = ["ControlCallback", "EpochCallback"]


class ControlCallback(keras.callbacks.Callback):
    """Between batches: pause, stop, time budget, NaN guard and step progress."""

    def __init__(
        self, control: TrainingControl, publish: Publish, max_seconds: float | None, clock_start: float
    ) -> None:
        super().__init__()
        self.control = control
        self.publish = publish
        self.max_seconds = max_seconds
        self.clock_start = clock_start
        self.nan_reason = ""
        self.budget_reached = False
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        # A pause asked for during the epoch-end work (grid, checkpoint) holds before the
        # next batch, not one batch later.
        try:
            self._wait_while_paused()
        except Exception:  # never raise into fit
            self.model.stop_training = True
            self.nan_reason = "Internal error between batches:\n" + traceback.format_exc()

    def _wait_while_paused(self) -> None:
        self.control.wait_while_paused(
            lambda: self.publish(Progress(status="paused")), lambda: self.publish(Progress(status="running"))
        )

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        try:
            g_loss, d_loss = float(logs.get("g_loss", 0.0)), float(logs.get("d_loss", 0.0))
            if not (math.isfinite(g_loss) and math.isfinite(d_loss)):
                self.nan_reason = (
                    f"The losses became {'NaN' if math.isnan(g_loss) or math.isnan(d_loss) else 'infinite'} at "
                    f"epoch {self._epoch + 1}, step {batch + 1}: training diverged. The last good checkpoint "
                    "is kept. Try lower learning rates, label smoothing (real label 0.9) or a smaller width."
                )
                self.model.stop_training = True
                return
            self.publish(Progress(step=batch + 1, batch_g_loss=g_loss, batch_d_loss=d_loss))
            self._wait_while_paused()
            if self.control.stop_requested:
                self.model.stop_training = True
            elif self.max_seconds is not None and time.monotonic() - self.clock_start >= self.max_seconds:
                self.budget_reached = True
                self.model.stop_training = True
        except Exception:  # never raise into fit
            self.model.stop_training = True
            self.nan_reason = "Internal error between batches:\n" + traceback.format_exc()


class EpochCallback(keras.callbacks.Callback):
    """At each complete epoch's end, run ``on_epoch(epoch_number, logs, epoch_seconds)``.

    An epoch cut short by stop, budget or NaN is neither recorded nor checkpointed. Any
    error is kept in ``error`` and stops training.
    """

    def __init__(self, on_epoch: Callable[[int, dict[str, float], float], None], steps_per_epoch: int) -> None:
        super().__init__()
        self.on_epoch = on_epoch
        self.steps_per_epoch = steps_per_epoch
        self.error: str = ""
        self._started = 0.0
        self._batches = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.monotonic()
        self._batches = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batches += 1

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.monotonic() - self._started
        values = {k: float(v) for k, v in (logs or {}).items()}
        complete = self._batches >= self.steps_per_epoch
        if not complete or not all(math.isfinite(v) for v in values.values()):
            return
        try:
            self.on_epoch(epoch + 1, values, seconds)
        except Exception:  # never raise into fit
            self.error = traceback.format_exc()
            self.model.stop_training = True
