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
import math
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from dcgan_core.engine.callbacks import ControlCallback, EpochCallback
from dcgan_core.runs.control import TrainingControl
from dcgan_core.runs.progress import Progress, Publish, ignore_progress
from dcgan_core.engine.checkpoints import export_generator, restore_newest_intact, save_checkpoint
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.settings.config import TrainConfig
from dcgan_core.engine.device import configure_devices, device_description, distribution_strategy, use_jit
from dcgan_core.settings.autoconfig import check_dataset_size
from dcgan_core.errors import ConfigError, DcganError
from dcgan_core.engine.gan import GAN, make_optimizer
from dcgan_core.images import make_grid
from dcgan_core.explore.latent import sample_latents
from dcgan_core.metrics.quality import histograms, kl_divergence_histogram, mean_pairwise_distance, sliced_wasserstein_distance
from dcgan_core.engine.models import build_discriminator, build_generator
from dcgan_core.runs.ownership import RunLock, lock_owner
from dcgan_core.engine.onnx_export import export_sampler_onnx
from dcgan_core.engine.pipeline import make_dataset, open_training_array, open_training_labels, steps_per_epoch
from dcgan_core.runs.epochs import build_progress_gif, generator_onnx_path, save_sample_grid
from dcgan_core.atomic import atomic_write_json
from dcgan_core.runs.folder import read_run_config, write_status
from dcgan_core.runs.history import METRIC_KEYS, read_metrics, truncate_metrics, write_metrics
from dcgan_core.engine.tensorboard_log import TensorBoardLog
from dcgan_core.metrics.class_quality import CLASS_QUALITY_FILE, PER_CLASS_SAMPLES, class_quality
from dcgan_core.engine.sampling import fixed_latents, generate, generate_uint8, grid_classes, recalibrate_batchnorm
from dcgan_core.runs.storage import free_disk_mb, thin_run_snapshots
from dcgan_core.engine.transfer import freeze_discriminator_layers, load_initial_weights

__all__ = ["TrainOutcome", "train_run", "build_gan", "SWD_SAMPLES"]

SWD_SAMPLES = 512


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
        gan.compile(d_optimizer=make_optimizer(config, config.d_lr), g_optimizer=make_optimizer(config, config.g_lr),
                    jit_compile=use_jit(config.jit_compile))
        gan.build_optimizers()
    return gan


class _EpochRecorder:
    """The work done at each epoch end: previews, numbers, files, status, checkpoint."""

    def __init__(self, run_dir: Path, config: TrainConfig, gan: GAN, data: np.ndarray, steps: int,
                 control: TrainingControl, publish: Publish, history: dict[str, list[float]],
                 elapsed_before: float, device: str, labels: np.ndarray | None = None) -> None:
        self.run_dir, self.config, self.gan, self.steps = run_dir, config, gan, steps
        self.control, self.publish, self.history, self.device = control, publish, history, device
        self.clock = time.monotonic() - elapsed_before
        self.paused_seen = control.paused_seconds
        # grid image i is the explorer's (and the CLI's) seed i: the same picture everywhere
        self.grid_classes, self.grid_columns = grid_classes(config)
        if self.grid_classes is None:
            self.grid_latents = sample_latents(config.grid_size, config.latent_dim, 0, config.latent_dist)
        else:  # one row per class, the same seed down each column
            rows = len(self.grid_classes) // self.grid_columns
            self.grid_latents = np.tile(sample_latents(self.grid_columns, config.latent_dim, 0, config.latent_dist),
                                        (rows, 1))
        self.tensorboard = TensorBoardLog(run_dir)
        rng = np.random.default_rng([config.seed, 4242])
        count = min(len(data), SWD_SAMPLES if config.is_image_model else len(data))
        picks = np.sort(rng.choice(len(data), count, replace=False))
        self.real_sample = np.asarray(data[picks])
        self.real_labels = None if labels is None else labels[picks]
        self.class_reals = self._class_reals(data, labels, rng)
        self.last_done: dict[str, float] = {}
        self.calibrated_epoch: int | None = None
        saved = checkpoint_epochs(run_dir)
        self.last_checkpoint: int | None = saved[-1] if saved else None
        self.disk_message = ""

    def _class_reals(self, data: np.ndarray, labels: np.ndarray | None,
                     rng: np.random.Generator) -> dict[int, np.ndarray]:
        """Real images of each measured class (the grid's classes), for the per-class measure."""
        if labels is None or self.grid_classes is None:
            return {}
        reals = {}
        for cls in np.unique(self.grid_classes):
            members = np.flatnonzero(labels == cls)
            picks = np.sort(rng.choice(members, min(len(members), PER_CLASS_SAMPLES), replace=False))
            reals[int(cls)] = np.asarray(data[picks])
        return reals

    def _measure_classes(self, epoch: int) -> float:
        """Per-class SWD of the preview generator; writes class_quality.json; returns the accuracy."""
        c = self.config
        classes = sorted(self.class_reals)
        z = fixed_latents(c, PER_CLASS_SAMPLES, offset=11)
        fakes = [generate_uint8(self.preview, z, c.value_range, classes=cls) for cls in classes]
        quality = class_quality(tuple(c.class_names[k] for k in classes), fakes,
                                [self.class_reals[k] for k in classes], seed=c.seed)
        atomic_write_json(self.run_dir / CLASS_QUALITY_FILE, {"epoch": epoch, **quality.to_dict()})
        return quality.accuracy

    @property
    def preview(self) -> keras.Model:
        return self.gan.sampler or self.gan.generator

    def calibrate(self, epoch: int, for_saving: bool) -> None:
        """Re-measure the sampling generator's BatchNorm statistics, at most once per epoch end.

        Before a generator is saved this always happens, whatever the toggles: an averaged
        (EMA) generator never runs in training mode, so its statistics would otherwise be
        stale or still at their initial values, and what is saved is what the explorer, the
        CLI and every export draw. Before a preview it follows ``recalibrate_bn`` ("honest
        previews", off in the seed recipes as published), except for an averaged generator,
        whose previews would otherwise show noise.
        """
        c = self.config
        wanted = for_saving or c.recalibrate_bn or self.gan.sampler is not None
        if c.is_image_model and wanted and self.calibrated_epoch != epoch:
            recalibrate_batchnorm(self.preview, c)
            self.calibrated_epoch = epoch

    def elapsed(self) -> float:
        return time.monotonic() - self.clock - self.control.paused_seconds

    def _due(self, kind: str, epoch: int, last: bool) -> bool:
        """Is a grid / SWD / checkpoint due at this epoch end (by seconds, else by epochs)?"""
        c = self.config
        every_epochs = {"sample": c.sample_every, "swd": c.swd_every, "checkpoint": c.checkpoint_every}[kind]
        if kind == "swd" and every_epochs == 0:
            return False
        every_seconds = float(getattr(c, f"{kind}_every_seconds"))
        if every_seconds <= 0:
            return epoch % every_epochs == 0 or last
        now = self.elapsed()
        if last or now - self.last_done.get(kind, -math.inf) >= every_seconds:
            self.last_done[kind] = now
            return True
        return False

    def _disk_low(self) -> bool:
        """True (and training asked to stop) when the run's disk is below the configured floor."""
        free = free_disk_mb(self.run_dir)
        if free >= self.config.min_free_disk_mb:
            return False
        kept = self.last_checkpoint
        self.disk_message = (
            f"Stopped: only {free:,.0f} MB left on the disk that holds the runs (the floor is "
            f"{self.config.min_free_disk_mb:,.0f} MB). "
            + (f"The last good checkpoint (epoch {kept}) is kept; " if kept else "No checkpoint was written; ")
            + "free some space (the Runs page shows each run's size), then resume.")
        self.gan.stop_training = True
        return True

    def __call__(self, epoch: int, logs: dict[str, float], seconds: float) -> None:
        c = self.config
        paused = self.control.paused_seconds - self.paused_seen
        self.paused_seen = self.control.paused_seconds
        seconds = max(1e-6, seconds - paused)
        last = epoch >= c.epochs
        row: dict[str, float] = {k: logs.get(k, math.nan)
                                 for k in ("g_loss", "d_loss", "d_acc_real", "d_acc_fake", "augment_p", "rt")}
        row.update(epoch=epoch, seconds_per_epoch=seconds, images_per_sec=self.steps * c.batch_size / seconds)
        grid_epoch = checkpoint_epoch = None
        grid = None
        if self._disk_low():
            return  # nothing written: the last good checkpoint stays the newest state
        wants_grid = self._due("sample", epoch, last)
        wants_swd = self._due("swd", epoch, last)
        if c.is_image_model and (wants_grid or wants_swd):
            self.calibrate(epoch, for_saving=False)
            if wants_grid:
                images = generate_uint8(self.preview, self.grid_latents, c.value_range, classes=self.grid_classes)
                grid = make_grid(images, cols=self.grid_columns)
                save_sample_grid(self.run_dir, epoch, grid)
                row["diversity"] = mean_pairwise_distance(images)
                grid_epoch = epoch
            if wants_swd:
                fake = generate_uint8(self.preview, fixed_latents(c, len(self.real_sample), offset=5), c.value_range,
                                      classes=self.real_labels)  # a conditional run: the real sample's classes
                row["swd"] = sliced_wasserstein_distance(self.real_sample, fake, seed=c.seed)
                if self.class_reals:
                    row["class_acc"] = self._measure_classes(epoch)
        elif not c.is_image_model and wants_grid:
            fake = generate(self.preview, fixed_latents(c, len(self.real_sample), offset=5))
            row["kl"] = kl_divergence_histogram(self.real_sample[:, 0], fake[:, 0])
            hist = {k: np.asarray(v).tolist() for k, v in histograms(self.real_sample[:, 0], fake[:, 0]).items()}
            atomic_write_json(self.run_dir / "histograms.json", {"epoch": epoch, **hist})
        row["elapsed_seconds"] = self.elapsed()
        self.tensorboard.epoch(epoch, row, grid)
        for key in METRIC_KEYS:
            self.history.setdefault(key, []).append(float(row.get(key, math.nan)))
        write_metrics(self.run_dir, self.history)  # from memory: no re-read of the CSV each epoch
        if self._due("checkpoint", epoch, last):
            self.checkpoint(epoch)
            checkpoint_epoch = epoch
        eta = (c.epochs - epoch) * seconds
        write_status(self.run_dir, status="paused" if self.control.paused else "running", epoch=epoch,
                     epochs_total=c.epochs, device=self.device, message=f"Epoch {epoch} of {c.epochs} done.",
                     eta_seconds=eta, images_per_sec=row["images_per_sec"], elapsed_seconds=row["elapsed_seconds"],
                     **({"checkpoint_epoch": epoch} if checkpoint_epoch else {}))
        self.publish(Progress(epoch=epoch, step=0, grid_epoch=grid_epoch, checkpoint_epoch=checkpoint_epoch))

    def checkpoint(self, epoch: int) -> None:
        """Save a resumable checkpoint and a timeline snapshot, then thin old snapshots."""
        self.calibrate(epoch, for_saving=True)
        save_checkpoint(self.run_dir, epoch, self.gan, {"elapsed_seconds": self.elapsed()})
        export_generator(self.run_dir, self.preview)
        export_sampler_onnx(self.preview, generator_onnx_path(self.run_dir, epoch))
        self.last_checkpoint = epoch
        thin_run_snapshots(self.run_dir, self.config.max_snapshots, protect=(epoch,))

    def flush(self) -> int | None:
        """After ``fit``: checkpoint the newest recorded epoch if the schedule had not (time schedules)."""
        epochs = self.history.get("epoch", [])
        if not epochs or self.disk_message:
            return None
        newest = int(epochs[-1])
        if self.last_checkpoint is not None and self.last_checkpoint >= newest:
            return None
        if newest not in checkpoint_epochs(self.run_dir):
            self.checkpoint(newest)
            return newest
        return None


def train_run(run_dir: Path, control: TrainingControl | None = None, publish: Publish | None = None,
              lock: RunLock | None = None) -> TrainOutcome:
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
        publish(Progress(status="failed", message=message))
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
    write_status(run_dir, status="running", epoch=initial_epoch, epochs_total=config.epochs, device=device,
                 message="Training.", traceback="")
    publish(Progress(status="running", epoch=initial_epoch, steps_per_epoch=steps))
    if initial_epoch >= config.epochs:
        return _finish(run_dir, config, gan, initial_epoch, "finished", "Already trained to the requested epochs.", "", publish)
    recorder = _EpochRecorder(run_dir, config, gan, data, steps, control, publish, history, elapsed_before, device,
                              labels)
    control_cb = ControlCallback(control, publish, config.max_seconds, time.monotonic())
    epoch_cb = EpochCallback(recorder, steps)
    gan.fit(make_dataset(config, data, seed_offset=initial_epoch, labels=labels), epochs=config.epochs, initial_epoch=initial_epoch,
            steps_per_epoch=steps, callbacks=[control_cb, epoch_cb], verbose=0, shuffle=False)
    done = int(history["epoch"][-1]) if history["epoch"] else initial_epoch
    if epoch_cb.error:
        if "No space left" in epoch_cb.error or f"Errno {errno.ENOSPC}" in epoch_cb.error:
            return _finish(run_dir, config, gan, done, "stopped", "Stopped: the disk is full. The last good checkpoint "
                           f"(epoch {recorder.last_checkpoint or 'none'}) is kept; free some space, then resume.",
                           "", publish)
        return _finish(run_dir, config, gan, done, "failed", "Saving the epoch's results failed.", epoch_cb.error, publish)
    if recorder.disk_message:
        return _finish(run_dir, config, gan, done, "stopped", recorder.disk_message, "", publish)
    if control_cb.nan_reason:
        return _finish(run_dir, config, gan, done, "failed", control_cb.nan_reason, "", publish)
    recorder.flush()  # a time schedule may not have checkpointed the newest epoch yet
    if control.stop_requested:
        return _finish(run_dir, config, gan, done, "stopped", f"Stopped after epoch {done}.", "", publish)
    if control_cb.budget_reached:
        return _finish(run_dir, config, gan, done, "stopped",
                       f"Stopped at the time budget of {config.max_seconds:g} s (epoch {done}).", "", publish)
    return _finish(run_dir, config, gan, done, "finished", f"Finished {done} epochs.", "", publish)


def _finish(run_dir: Path, config: TrainConfig, gan: GAN, epoch: int, status: str, message: str, trace: str,
            publish: Publish) -> TrainOutcome:
    if config.is_image_model:
        build_progress_gif(run_dir)
    write_status(run_dir, status=status, epoch=epoch, epochs_total=config.epochs, message=message, traceback=trace,
                 eta_seconds=0.0)
    publish(Progress(status=status, message=message, epoch=epoch))
    return TrainOutcome(status, epoch, message, trace, gan)
