"""Train one run directory from start or from its newest checkpoint, headless.

:func:`train_run` is the single entry point shared by the job manager (background thread),
the CLI and the benchmarks. It builds the networks, restores the newest checkpoint when
there is one (epoch counter, history, optimizers, RNG), runs Keras ``fit`` with the
control and epoch callbacks, and leaves the run directory in a final state.

What is written when follows a schedule that behaves the same for 100 images and 100,000:
a config may give the grid, SWD and checkpoint intervals in seconds of training instead
of epochs (an epoch of a small set is a few steps), timeline snapshots are thinned to a
bounded number (see :mod:`dcgan_core.runs.storage`), and a run whose disk runs low stops
cleanly with its last good checkpoint. A new run can start from another run's weights
(``init_from_run``) with the discriminator's first layers frozen (``freeze_d_layers``).
"""

from __future__ import annotations

import errno
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from dcgan_core.engine.callbacks import ControlCallback, EpochCallback
from dcgan_core.runs.control import TrainingControl
from dcgan_core.runs.progress import Progress, Publish, ignore_progress
from dcgan_core.engine.checkpoints import restore_newest_intact
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.settings.config import TrainConfig
from dcgan_core.engine.device import configure_devices, device_description, distribution_strategy, use_jit
from dcgan_core.settings.autoconfig import check_dataset_size
from dcgan_core.errors import ConfigError, DcganError
from dcgan_core.engine.gan import GAN, make_optimizer
from dcgan_core.engine.models import build_discriminator, build_generator
from dcgan_core.runs.ownership import RunLock, lock_owner
from dcgan_core.engine.pipeline import make_dataset, open_training_array, open_training_labels, steps_per_epoch
from dcgan_core.runs.epochs import build_progress_gif
from dcgan_core.runs.folder import read_run_config, write_status
from dcgan_core.runs.history import read_metrics, truncate_metrics
from dcgan_core.engine.transfer import freeze_discriminator_layers, load_initial_weights

from dcgan_core.engine.epoch_end import EpochRecorder

__all__ = ["TrainOutcome", "train_run", "build_gan"]


@dataclass(frozen=True)
class TrainOutcome:
    """How a call of :func:`train_run` ended."""

    status: str  # finished | stopped | failed
    epoch: int
    message: str
    traceback: str = ""
    gan: Any = None


def build_gan(config: TrainConfig) -> GAN:
    """Networks, optimizers and the compiled GAN for ``config`` (under the active strategy)."""
    if config.mixed_precision and not configure_devices():
        raise ConfigError("mixed_precision needs a GPU; none is visible, so train in float32.")
    keras.mixed_precision.set_global_policy("mixed_float16" if config.mixed_precision else "float32")
    keras.utils.set_random_seed(config.seed)  # the initial weights too: the same seed and settings, the same run
    strategy = distribution_strategy()
    with strategy.scope():
        sampler = build_generator(config, name="sampler") if config.ema_decay > 0 else None
        discriminator = build_discriminator(config)
        freeze_discriminator_layers(discriminator, config.freeze_d_layers)
        gan = GAN(config, build_generator(config), discriminator, sampler)
        gan.compile(
            d_optimizer=make_optimizer(config, config.d_lr),
            g_optimizer=make_optimizer(config, config.g_lr),
            jit_compile=use_jit(config.jit_compile),
        )
        gan.build_optimizers()
    return gan


def train_run(
    run_dir: Path, control: TrainingControl | None = None, publish: Publish | None = None, lock: RunLock | None = None
) -> TrainOutcome:
    """Train the run in ``run_dir`` up to its configured epoch count.

    Resumes from the newest checkpoint when there is one. Never raises for a training
    failure: it returns (and writes to status.json) a ``failed`` outcome with the reason.
    The run is owned by this process while it trains (see :mod:`~dcgan_core.runs.ownership`).

    Args:
        run_dir: A folder made by :func:`~dcgan_core.runs.folder.create_run`.
        control: Pause/stop requests (by default those of the run folder).
        publish: Receives the typed progress events of the training loop.
        lock: The run's lock when the caller already holds it (a worker); else taken here.
    """
    run_dir = Path(run_dir)
    control = control or TrainingControl(run_dir)
    publish = publish or ignore_progress
    own_lock = lock is None
    lock = lock or RunLock(run_dir)
    if not lock.acquire():
        message = f"{run_dir.name} is being trained by process {lock_owner(run_dir) or 'unknown'}."
        return TrainOutcome("failed", 0, message)
    if own_lock:
        lock.write_owner(os.getpid())
    try:
        return _train(run_dir, control, publish)
    except Exception as exc:  # the failure becomes data
        trace = traceback.format_exc()
        message = str(exc) if isinstance(exc, DcganError) else f"Training failed: {type(exc).__name__}: {exc}"
        try:
            write_status(run_dir, status="failed", message=message, traceback=trace)
        except OSError:
            pass
        publish(Progress(status="failed"))
        return TrainOutcome("failed", 0, message, trace)
    finally:
        if own_lock:
            lock.release()


def _train(run_dir: Path, control: TrainingControl, publish: Publish) -> TrainOutcome:
    config, _ = read_run_config(run_dir)
    device = device_description()
    data = open_training_array(config)
    if config.is_image_model:
        check_dataset_size(len(data), Path(config.data_path).name)
    labels = open_training_labels(config, len(data))
    steps = steps_per_epoch(config, len(data))
    gan = build_gan(config)
    initial_epoch, elapsed_before = 0, 0.0
    if checkpoint_epochs(run_dir):
        state = restore_newest_intact(run_dir, gan)
        initial_epoch = int(state["epoch"])
        elapsed_before = float(state.get("elapsed_seconds", 0.0))
        # settings changed on continue (a coach remedy) win over the saved optimizer state
        gan.g_optimizer.learning_rate.assign(config.g_lr)
        gan.d_optimizer.learning_rate.assign(config.d_lr)
    elif config.init_from_run:
        load_initial_weights(gan, config)  # weights only: fresh optimizers, epoch 0
    else:
        gan.reset_sampler()
    truncate_metrics(run_dir, initial_epoch)
    history = read_metrics(run_dir)  # metrics.csv is the run's one history, up to the checkpoint resumed
    write_status(
        run_dir,
        status="running",
        epoch=initial_epoch,
        epochs_total=config.epochs,
        device=device,
        message="Training.",
        traceback="",
    )
    publish(Progress(status="running", epoch=initial_epoch, steps_per_epoch=steps))
    if initial_epoch >= config.epochs:
        return _finish(
            run_dir, config, gan, initial_epoch, "finished", "Already trained to the requested epochs.", "", publish
        )
    recorder = EpochRecorder(
        run_dir, config, gan, data, steps, control, publish, history, elapsed_before, device, labels
    )
    control_cb = ControlCallback(control, publish, config.max_seconds, time.monotonic())
    epoch_cb = EpochCallback(recorder, steps)
    gan.fit(
        make_dataset(config, data, seed_offset=initial_epoch, labels=labels),
        epochs=config.epochs,
        initial_epoch=initial_epoch,
        steps_per_epoch=steps,
        callbacks=[control_cb, epoch_cb],
        verbose=0,
        shuffle=False,
    )
    done = int(history["epoch"][-1]) if history["epoch"] else initial_epoch
    if epoch_cb.error:
        if "No space left" in epoch_cb.error or f"Errno {errno.ENOSPC}" in epoch_cb.error:
            return _finish(
                run_dir,
                config,
                gan,
                done,
                "stopped",
                "Stopped: the disk is full. The last good checkpoint "
                f"(epoch {recorder.last_checkpoint or 'none'}) is kept; free some space, then resume.",
                "",
                publish,
            )
        return _finish(
            run_dir, config, gan, done, "failed", "Saving the epoch's results failed.", epoch_cb.error, publish
        )
    if recorder.disk_message:
        return _finish(run_dir, config, gan, done, "stopped", recorder.disk_message, "", publish)
    if control_cb.nan_reason:
        return _finish(run_dir, config, gan, done, "failed", control_cb.nan_reason, "", publish)
    recorder.flush()  # a time schedule may not have checkpointed the newest epoch yet
    if control.stop_requested:
        return _finish(run_dir, config, gan, done, "stopped", f"Stopped after epoch {done}.", "", publish)
    if control_cb.budget_reached:
        return _finish(
            run_dir,
            config,
            gan,
            done,
            "stopped",
            f"Stopped at the time budget of {config.max_seconds:g} s (epoch {done}).",
            "",
            publish,
        )
    return _finish(run_dir, config, gan, done, "finished", f"Finished {done} epochs.", "", publish)


def _finish(
    run_dir: Path, config: TrainConfig, gan: GAN, epoch: int, status: str, message: str, trace: str, publish: Publish
) -> TrainOutcome:
    if config.is_image_model:
        build_progress_gif(run_dir)
    write_status(
        run_dir,
        status=status,
        epoch=epoch,
        epochs_total=config.epochs,
        message=message,
        traceback=trace,
        eta_seconds=0.0,
    )
    publish(Progress(status=status, epoch=epoch))
    return TrainOutcome(status, epoch, message, trace, gan)
