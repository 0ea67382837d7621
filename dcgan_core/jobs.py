"""The process-wide background job manager: one training thread, a queue, and snapshots.

The app keeps one :class:`JobManager` per process (through ``st.cache_resource``), so every
browser session sees the same jobs. One run trains at a time; further starts wait in order
as ``queued``. The training thread never touches the UI: it publishes plain values into
the manager under a lock, and readers take an immutable :class:`JobSnapshot`. TensorFlow is
imported by the training thread only, so creating a manager or reading snapshots is cheap.

On creation the manager rescans the runs folder: a run left ``running``, ``paused`` or
``queued`` by a process that no longer exists becomes ``interrupted`` (resumable from its
newest checkpoint).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .control import ENGINE_IMPORT_LOCK, TrainingControl
from .config import TrainConfig, config_to_dict, validate_config
from .errors import JobError, RunError
from .paths import default_runs_dir
from .runs import (METRIC_KEYS, atomic_write_json, checkpoint_epochs, create_run, list_runs, read_metrics, read_run_config,
                   read_status, run_path, write_status)

__all__ = ["JobSnapshot", "JobManager", "ACTIVE_STATUSES"]

ACTIVE_STATUSES = ("queued", "running", "paused")
_THREAD_PREFIX = "dcgan-train-"


@dataclass(frozen=True)
class JobSnapshot:
    """An immutable view of one job, safe to read from any thread."""

    run_id: str
    status: str
    config: TrainConfig
    epoch: int
    epochs_total: int
    step: int
    steps_per_epoch: int
    history: dict[str, list[float]]
    latest_grid: np.ndarray | None
    latest_grid_epoch: int | None
    images_per_sec: float
    eta_seconds: float
    elapsed_seconds: float
    message: str
    traceback: str
    device: str
    queue_position: int | None
    histograms: dict[str, list[float]] | None
    checkpoint_epoch: int | None
    updated: float

    @property
    def progress(self) -> float:
        """Fraction of the run done, counting the current epoch's steps."""
        if self.epochs_total <= 0:
            return 0.0
        partial = self.step / self.steps_per_epoch if self.steps_per_epoch else 0.0
        return min(1.0, (self.epoch + partial) / self.epochs_total)


@dataclass
class _Job:
    run_id: str
    run_dir: Path
    config: TrainConfig
    status: str = "queued"
    control: TrainingControl = field(default_factory=TrainingControl)
    epoch: int = 0
    step: int = 0
    steps_per_epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in METRIC_KEYS})
    latest_grid: np.ndarray | None = None
    latest_grid_epoch: int | None = None
    images_per_sec: float = math.nan
    eta_seconds: float = math.nan
    elapsed_seconds: float = 0.0
    message: str = "Waiting to start."
    traceback: str = ""
    device: str = ""
    histograms: dict[str, list[float]] | None = None
    checkpoint_epoch: int | None = None
    updated: float = field(default_factory=time.time)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobManager:
    """Start, queue, pause, resume and stop training runs in one background thread.

    Args:
        runs_dir: The runs folder (default: :func:`~dcgan_core.paths.default_runs_dir`).
    """

    def __init__(self, runs_dir: Path | None = None) -> None:
        self.runs_dir = Path(runs_dir or default_runs_dir())
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._jobs: dict[str, _Job] = {}
        self._queue: deque[str] = deque()
        self._active: str | None = None
        self._worker: threading.Thread | None = None
        self.interrupted = self._mark_interrupted()

    # ---- requests ---------------------------------------------------------------------
    def start(self, config: TrainConfig, name: str | None = None) -> str:
        """Create a run for ``config`` and train it now, or queue it behind the active run."""
        validate_config(config)
        run_dir = create_run(config, self.runs_dir, dataset_name=name or "")
        job = _Job(run_dir.name, run_dir, config)
        return self._enqueue(job)

    def continue_run(self, run_id: str, extra_epochs: int, overrides: dict[str, Any] | None = None) -> str:
        """Train an interrupted, stopped, failed or finished run for ``extra_epochs`` more epochs.

        The run resumes from its newest checkpoint with its epoch count and history.
        ``overrides`` changes settings for the rest of the run (e.g. the coach's remedy:
        stronger augmentation or a lower discriminator learning rate).

        Raises:
            JobError: when the run is busy, has no checkpoint, or ``extra_epochs`` is not positive.
        """
        if not isinstance(extra_epochs, int) or isinstance(extra_epochs, bool) or extra_epochs < 1:
            raise JobError(f"extra_epochs must be a whole number of at least 1, got {extra_epochs!r}.")
        if self.is_busy(run_id):
            raise JobError(f"{run_id} is already training or queued.")
        run_dir = run_path(run_id, self.runs_dir)
        config, meta = read_run_config(run_dir)
        done_epochs = checkpoint_epochs(run_dir)
        if not done_epochs:
            raise JobError(f"{run_id} has no checkpoint to resume from; start a new run instead.")
        config = config.with_changes(**{**(overrides or {}), "epochs": done_epochs[-1] + extra_epochs})
        atomic_write_json(run_dir / "config.json", {**meta, "config": config_to_dict(config)})
        metrics = read_metrics(run_dir)
        keep = [i for i, e in enumerate(metrics["epoch"]) if e <= done_epochs[-1]]
        job = _Job(run_id, run_dir, config, epoch=done_epochs[-1],
                   history={k: [v[i] for i in keep] for k, v in metrics.items()})
        write_status(run_dir, status="queued", epoch=done_epochs[-1], epochs_total=config.epochs,
                     message="Waiting to resume.", traceback="")
        return self._enqueue(job)

    def pause(self, run_id: str) -> None:
        """Pause the running job after its current batch."""
        with self._lock:
            job = self._require(run_id, ("running",), "pause")
            job.control.pause()
            job.status, job.message = "paused", "Paused."
            write_status(job.run_dir, status="paused", message="Paused.")

    def resume(self, run_id: str) -> None:
        """Release a paused job."""
        with self._lock:
            job = self._require(run_id, ("paused",), "resume")
            job.control.resume()
            job.status, job.message = "running", "Training."
            write_status(job.run_dir, status="running", message="Training.")

    def stop(self, run_id: str) -> None:
        """Stop a running or paused job after its current batch, or drop a queued one."""
        with self._lock:
            job = self._require(run_id, ACTIVE_STATUSES, "stop")
            if job.status == "queued":
                self._queue.remove(run_id)
                job.status, job.message = "stopped", "Removed from the queue before it started."
                write_status(job.run_dir, status="stopped", message=job.message)
                return
            job.control.stop()
            job.message = "Stopping after the current batch."

    # ---- reading ----------------------------------------------------------------------
    def snapshot(self, run_id: str) -> JobSnapshot | None:
        """The job's current state, or None when this manager has not run it."""
        with self._lock:
            job = self._jobs.get(run_id)
            return None if job is None else self._snapshot(job)

    def active(self) -> JobSnapshot | None:
        """The running or paused job, if any."""
        with self._lock:
            return self._snapshot(self._jobs[self._active]) if self._active else None

    def jobs(self) -> list[JobSnapshot]:
        """Every job this manager knows, active first, then queued in order, then the rest."""
        with self._lock:
            order = ([self._active] if self._active else []) + list(self._queue)
            rest = [r for r in self._jobs if r not in order]
            return [self._snapshot(self._jobs[r]) for r in order + sorted(rest, reverse=True)]

    def is_busy(self, run_id: str) -> bool:
        """True while the run is training, paused or queued in this manager."""
        with self._lock:
            job = self._jobs.get(run_id)
            return job is not None and job.status in ACTIVE_STATUSES

    def wait(self, run_id: str, timeout: float | None = None) -> JobSnapshot:
        """Block until the job leaves the active states (or ``timeout`` seconds pass)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.is_busy(run_id) and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.05)
        snap = self.snapshot(run_id)
        if snap is None:
            raise JobError(f"No job {run_id} in this manager.")
        return snap

    # ---- internals --------------------------------------------------------------------
    def _require(self, run_id: str, statuses: tuple[str, ...], verb: str) -> _Job:
        job = self._jobs.get(run_id)
        if job is None or job.status not in statuses:
            state = "unknown" if job is None else job.status
            raise JobError(f"Cannot {verb} {run_id}: it is {state}.")
        return job

    def _enqueue(self, job: _Job) -> str:
        with self._lock:
            self._jobs[job.run_id] = job
            self._queue.append(job.run_id)
            if self._active is None:
                self._activate_next()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name=f"{_THREAD_PREFIX}worker", daemon=True)
                self._worker.start()
        return job.run_id

    def _activate_next(self) -> None:
        """Move the head of the queue to active (caller holds the lock)."""
        self._active = self._queue.popleft() if self._queue else None
        if self._active:
            job = self._jobs[self._active]
            job.status, job.message = "running", "Starting."

    def _work(self) -> None:
        while True:
            with self._lock:
                if self._active is None:
                    self._worker = None
                    return
                job = self._jobs[self._active]
            threading.current_thread().name = f"{_THREAD_PREFIX}{job.run_id}"
            with ENGINE_IMPORT_LOCK:
                from .trainer import train_run  # TensorFlow loads here, in the training thread

            outcome = train_run(job.run_dir, job.control, lambda update, j=job: self._apply(j, update))
            with self._lock:
                job.status, job.message, job.traceback = outcome.status, outcome.message, outcome.traceback
                job.updated = time.time()
                self._activate_next()

    def _apply(self, job: _Job, update: dict[str, Any]) -> None:
        with self._lock:
            for key, value in update.items():
                if key == "row":
                    for metric in METRIC_KEYS:
                        job.history.setdefault(metric, []).append(float(value.get(metric, math.nan)))
                elif key == "history":
                    job.history = {k: list(v) for k, v in value.items()}
                elif key == "status" and job.control.stop_requested and value == "paused":
                    continue
                elif hasattr(job, key):
                    setattr(job, key, value)
            job.updated = time.time()

    def _snapshot(self, job: _Job) -> JobSnapshot:
        position = list(self._queue).index(job.run_id) + 1 if job.run_id in self._queue else None
        return JobSnapshot(
            run_id=job.run_id, status=job.status, config=job.config, epoch=job.epoch,
            epochs_total=job.config.epochs, step=job.step, steps_per_epoch=job.steps_per_epoch,
            history={k: list(v) for k, v in job.history.items()}, latest_grid=job.latest_grid,
            latest_grid_epoch=job.latest_grid_epoch, images_per_sec=job.images_per_sec,
            eta_seconds=job.eta_seconds, elapsed_seconds=job.elapsed_seconds, message=job.message,
            traceback=job.traceback, device=job.device, queue_position=position,
            histograms=job.histograms, checkpoint_epoch=job.checkpoint_epoch, updated=job.updated,
        )

    def _mark_interrupted(self) -> list[str]:
        """Mark runs orphaned by a dead process as ``interrupted``; return their ids."""
        live_threads = {t.name for t in threading.enumerate() if t.is_alive()}
        marked = []
        for summary in list_runs(self.runs_dir):
            if summary.damaged or summary.status not in ACTIVE_STATUSES:
                continue
            try:
                status = read_status(summary.path)
            except RunError:
                continue
            pid = int(status.get("pid", -1))
            if pid == os.getpid() and f"{_THREAD_PREFIX}{summary.run_id}" in live_threads:
                continue
            if pid != os.getpid() and pid > 0 and _pid_alive(pid):
                continue
            write_status(summary.path, status="interrupted",
                         message=f"The app stopped while this run was {summary.status}; resume it to continue "
                                 "from its last checkpoint.")
            marked.append(summary.run_id)
        return marked
