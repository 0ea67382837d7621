"""Learning-rate cool-down: both learning rates fall linearly to zero over the end of a run.

At constant learning rates a GAN on a few hundred images passes its best and drifts on:
the judge keeps sharpening and the samples get worse for the rest of the run
(``bench/small_data.py``). Lowering both rates steadily over the last part of the run lets
the generator settle where it is instead (the linear decay of pix2pix and CycleGAN).

The run's end is whichever comes first of its epochs and its time budget, so the schedule
follows the share of the run done in steps or in seconds, the larger of the two. The rates
are assigned between steps, only when they have moved by a visible amount, so the cost is
a few hundred small assignments a run. No Streamlit here.
"""

from __future__ import annotations

import time

import keras

from dcgan_core.settings.config import TrainConfig

__all__ = ["run_share_done", "cooldown_scale", "LearningRateCooldown", "CooldownCallback"]

_RESOLUTION = 1 / 500  # smallest change of the scale worth an assignment


def run_share_done(steps_done: int, total_steps: int, elapsed: float, max_seconds: float | None) -> float:
    """How much of the run is done, 0 to 1: by steps or by the time budget, whichever is further."""
    by_steps = steps_done / total_steps if total_steps > 0 else 0.0
    by_time = elapsed / max_seconds if max_seconds else 0.0
    return min(1.0, max(by_steps, by_time, 0.0))


def cooldown_scale(share_done: float, cooldown: float) -> float:
    """The factor on both learning rates: 1 until the last ``cooldown`` of the run, then down to 0."""
    if cooldown <= 0:
        return 1.0
    return min(1.0, max(0.0, (1.0 - share_done) / cooldown))


class LearningRateCooldown:
    """Sets a GAN's two learning rates from the share of the run done.

    Args:
        gan: The model whose ``g_optimizer`` and ``d_optimizer`` are scaled.
        config: Gives the base rates (``g_lr``, ``d_lr``), ``lr_cooldown`` and ``max_seconds``.
        total_steps: The run's length in steps (epochs times steps per epoch).
    """

    def __init__(self, gan: keras.Model, config: TrainConfig, total_steps: int) -> None:
        self.gan = gan
        self.config = config
        self.total_steps = total_steps
        self.scale: float | None = None

    @property
    def active(self) -> bool:
        """Whether this run cools down at all (a run without it never touches the rates)."""
        return self.config.lr_cooldown > 0

    def update(self, steps_done: int, elapsed: float) -> float:
        """Assign the rates for this point of the run (when they moved); returns the scale."""
        share = run_share_done(steps_done, self.total_steps, elapsed, self.config.max_seconds)
        scale = cooldown_scale(share, self.config.lr_cooldown)
        if self.scale is None or abs(scale - self.scale) >= _RESOLUTION or (scale == 0.0 < self.scale):
            self.gan.g_optimizer.learning_rate.assign(self.config.g_lr * scale)
            self.gan.d_optimizer.learning_rate.assign(self.config.d_lr * scale)
            self.scale = scale
        return self.scale


class CooldownCallback(keras.callbacks.Callback):
    """Applies a :class:`LearningRateCooldown` before every batch of ``fit``.

    Args:
        cooldown: The schedule.
        steps_before: Steps done before this session (a resumed run's completed epochs).
        clock_start: ``time.monotonic()`` when the session's time budget started.
    """

    def __init__(self, cooldown: LearningRateCooldown, steps_before: int, clock_start: float) -> None:
        super().__init__()
        self.cooldown = cooldown
        self.steps_done = steps_before
        self.clock_start = clock_start

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.cooldown.update(self.steps_done, time.monotonic() - self.clock_start)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.steps_done += 1
