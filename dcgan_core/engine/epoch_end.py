"""The work done at each epoch end: previews, quality numbers, files, status, checkpoint.

:class:`EpochRecorder` is called by the Keras callback (one machine) or the cluster loop
(several) with the epoch's logs; it writes the grid, the metrics row, the status and, on
the run's schedule, a checkpoint and a timeline snapshot, and stops training cleanly
before the disk fills.
"""

from __future__ import annotations


import math
import time
from pathlib import Path

import keras
import numpy as np

from dcgan_core.runs.control import TrainingControl
from dcgan_core.runs.progress import Progress, Publish
from dcgan_core.engine.checkpoints import export_generator, save_checkpoint, save_generator_snapshot
from dcgan_core.runs.epochs import checkpoint_epochs, generator_epochs
from dcgan_core.settings.config import TrainConfig
from dcgan_core.engine.gan import GAN
from dcgan_core.images import make_grid
from dcgan_core.explore.latent import sample_latents
from dcgan_core.metrics.quality import (
    histograms,
    kl_divergence_histogram,
    mean_pairwise_distance,
    sliced_wasserstein_distance,
)
from dcgan_core.engine.onnx_export import export_sampler_onnx
from dcgan_core.runs.epochs import generator_onnx_path, save_sample_grid
from dcgan_core.atomic import atomic_write_json
from dcgan_core.runs.folder import best_in_status, read_status, write_status
from dcgan_core.errors import RunError
from dcgan_core.runs.history import METRIC_KEYS, write_metrics
from dcgan_core.engine.tensorboard_log import TensorBoardLog
from dcgan_core.metrics.class_quality import CLASS_QUALITY_FILE, PER_CLASS_SAMPLES, class_quality
from dcgan_core.engine.sampling import fixed_latents, generate, generate_uint8, grid_classes, recalibrate_batchnorm
from dcgan_core.runs.storage import free_disk_mb, thin_run_snapshots

__all__ = ["SWD_SAMPLES", "EpochRecorder"]


SWD_SAMPLES = 512


class EpochRecorder:
    """The work done at each epoch end: previews, numbers, files, status, checkpoint."""

    def __init__(
        self,
        run_dir: Path,
        config: TrainConfig,
        gan: GAN,
        data: np.ndarray,
        steps: int,
        control: TrainingControl,
        publish: Publish,
        history: dict[str, list[float]],
        elapsed_before: float,
        device: str,
        labels: np.ndarray | None = None,
    ) -> None:
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
            self.grid_latents = np.tile(
                sample_latents(self.grid_columns, config.latent_dim, 0, config.latent_dist), (rows, 1)
            )
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
        self.best_epoch, self.best_swd = _kept_best(run_dir)

    def _class_reals(
        self, data: np.ndarray, labels: np.ndarray | None, rng: np.random.Generator
    ) -> dict[int, np.ndarray]:
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
        quality = class_quality(
            tuple(c.class_names[k] for k in classes), fakes, [self.class_reals[k] for k in classes], seed=c.seed
        )
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
            + "free some space (the Runs page shows each run's size), then resume."
        )
        self.gan.stop_training = True
        return True

    def __call__(self, epoch: int, logs: dict[str, float], seconds: float) -> None:
        c = self.config
        paused = self.control.paused_seconds - self.paused_seen
        self.paused_seen = self.control.paused_seconds
        seconds = max(1e-6, seconds - paused)
        last = epoch >= c.epochs
        row: dict[str, float] = {
            k: logs.get(k, math.nan) for k in ("g_loss", "d_loss", "d_acc_real", "d_acc_fake", "augment_p", "rt")
        }
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
                row["swd"] = self._swd()
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
        new_best = "swd" in row and self._record_best(epoch, row["swd"])
        if self._due("checkpoint", epoch, last):
            self.checkpoint(epoch)
            checkpoint_epoch = epoch
        elif new_best:  # the best generator so far is kept, whatever the checkpoint schedule
            self.snapshot(epoch)
        eta = (c.epochs - epoch) * seconds
        write_status(
            self.run_dir,
            status="paused" if self.control.paused else "running",
            epoch=epoch,
            epochs_total=c.epochs,
            device=self.device,
            message=f"Epoch {epoch} of {c.epochs} done.",
            eta_seconds=eta,
            images_per_sec=row["images_per_sec"],
            elapsed_seconds=row["elapsed_seconds"],
            **({"checkpoint_epoch": epoch} if checkpoint_epoch else {}),
            **({"best_epoch": self.best_epoch, "best_swd": self.best_swd} if self.best_epoch else {}),
        )
        self.publish(Progress(epoch=epoch, step=0, grid_epoch=grid_epoch))

    def checkpoint(self, epoch: int) -> None:
        """Save a resumable checkpoint (with the epoch's generator snapshot), then thin old snapshots."""
        self.calibrate(epoch, for_saving=True)
        save_checkpoint(self.run_dir, epoch, self.gan, {"elapsed_seconds": self.elapsed()})
        export_generator(self.run_dir, self.preview)
        self.last_checkpoint = epoch
        self._keep_snapshot(epoch)

    def snapshot(self, epoch: int) -> None:
        """Save only the epoch's generator for the explorer and the timeline (a new best between checkpoints)."""
        self.calibrate(epoch, for_saving=True)
        save_generator_snapshot(self.run_dir, epoch, self.preview)
        self._keep_snapshot(epoch)

    def _keep_snapshot(self, epoch: int) -> None:
        """The saved generator's ONNX file, then thinning that spares this epoch and the best one."""
        export_sampler_onnx(self.preview, generator_onnx_path(self.run_dir, epoch))
        kept = (epoch,) if self.best_epoch is None else (epoch, self.best_epoch)
        thin_run_snapshots(self.run_dir, self.config.max_snapshots, protect=kept)

    def _record_best(self, epoch: int, swd: float) -> bool:
        """Note ``epoch`` as the best so far when its SWD beats every earlier one; True then."""
        if not swd < self.best_swd:
            return False
        self.best_epoch, self.best_swd = epoch, swd
        return True

    def _swd(self) -> float:
        """SWD of the preview generator's samples against the run's real sample (lower is better)."""
        c = self.config
        fake = generate_uint8(
            self.preview, fixed_latents(c, len(self.real_sample), offset=5), c.value_range, classes=self.real_labels
        )  # a conditional run: the real sample's classes
        return sliced_wasserstein_distance(self.real_sample, fake, seed=c.seed)

    def _measure_newest(self, newest: int) -> None:
        """Measure the newest epoch's quality if its schedule had not, so a run's end is always scored."""
        c = self.config
        swd = self.history.get("swd", [])
        if not c.is_image_model or c.swd_every == 0 or not swd or math.isfinite(swd[-1]):
            return
        self.calibrate(newest, for_saving=False)
        swd[-1] = self._swd()
        write_metrics(self.run_dir, self.history)
        if self._record_best(newest, swd[-1]):
            write_status(self.run_dir, best_epoch=self.best_epoch, best_swd=self.best_swd)

    def flush(self) -> int | None:
        """After ``fit``: score the newest epoch and checkpoint it if the schedules had not (time schedules).

        The checkpoint also keeps the newest epoch's generator, so a newest epoch that scored
        best is kept either way.
        """
        epochs = self.history.get("epoch", [])
        if not epochs or self.disk_message:
            return None
        newest = int(epochs[-1])
        self._measure_newest(newest)
        if self.last_checkpoint is not None and self.last_checkpoint >= newest:
            return None
        if newest not in checkpoint_epochs(self.run_dir):
            self.checkpoint(newest)
            return newest
        return None


def _kept_best(run_dir: Path) -> tuple[int | None, float]:
    """The epoch of lowest SWD so far and its SWD, when its generator is still in the run folder.

    A resumed run goes on measuring against it, so the best generator of a whole run,
    across restarts, is the one kept.
    """
    try:
        epoch, swd = best_in_status(read_status(run_dir))
    except RunError:
        return None, math.inf
    if epoch is None or epoch not in generator_epochs(run_dir):
        return None, math.inf
    return epoch, swd
