"""The job manager: start, queue and control runs that train in worker processes.

Every run trains in its own worker process (:mod:`~dcgan_core.runs.workers`), so the manager
holds no training state of its own: the run folders are the only truth, shared by the
web app, the CLI and every worker. A manager reads them into immutable
:class:`~dcgan_core.runs.snapshots.JobSnapshot` values (through a
:class:`~dcgan_core.runs.snapshots.SnapshotReader`), sends pause, resume and stop requests as files (:mod:`~dcgan_core.runs.control`), and
runs one background thread that starts queued runs when a slot frees and notices workers
that died. Creating a manager or reading snapshots never imports TensorFlow.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any


from dcgan_core.settings.config import TrainConfig, config_to_dict
from dcgan_core.settings.validation import validate_config
from dcgan_core.runs.control import request_pause, request_resume, request_stop
from dcgan_core.errors import JobError, RunError
from dcgan_core.runs.ownership import require_free
from dcgan_core.paths import default_runs_dir
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.atomic import atomic_write_json
from dcgan_core.runs.folder import (
    ACTIVE_STATUSES,
    OWNED_STATUSES,
    create_run,
    read_live_status,
    read_run_config,
    read_status,
    run_path,
    write_status,
)
from dcgan_core.runs.workers import WORKER_LOG, queued_runs, schedule

from dcgan_core.runs.snapshots import JobSnapshot, SnapshotReader

__all__ = ["JobManager"]

_POLL_SECONDS = 1.0


class JobManager:
    """Start, queue, pause, resume and stop runs; every run trains in its own worker process.

    Args:
        runs_dir: The runs folder (default: :func:`~dcgan_core.paths.default_runs_dir`).
        watch: Run the background thread that starts queued runs and notices dead workers.
    """

    def __init__(self, runs_dir: Path | None = None, watch: bool = True) -> None:
        self.runs_dir = Path(runs_dir or default_runs_dir())
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._reader = SnapshotReader()
        self._children: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.interrupted = self._mark_interrupted()
        if watch:
            self._thread = threading.Thread(target=self._watch, name="dcgan-job-manager", daemon=True)
            self._thread.start()

    # ---- requests ---------------------------------------------------------------------
    def start(self, config: TrainConfig, name: str | None = None) -> str:
        """Create a run for ``config`` and train it now, or queue it behind the active run."""
        validate_config(config)
        run_dir = create_run(config, self.runs_dir, dataset_name=name or "")
        self._schedule()
        return run_dir.name

    def continue_run(self, run_id: str, extra_epochs: int, overrides: dict[str, Any] | None = None) -> str:
        """Train an interrupted, stopped, failed or finished run for ``extra_epochs`` more epochs.

        The run resumes from its newest checkpoint with its epoch count and history; a run
        that stopped before its first checkpoint starts again from the beginning.
        ``overrides`` changes settings for the rest of the run (e.g. the coach's remedy:
        stronger augmentation or a lower discriminator learning rate).

        Raises:
            JobError: when the run is busy (in any process) or ``extra_epochs`` is not positive.
        """
        if not isinstance(extra_epochs, int) or isinstance(extra_epochs, bool) or extra_epochs < 1:
            raise JobError(f"extra_epochs must be a whole number of at least 1, got {extra_epochs!r}.")
        run_dir = run_path(run_id, self.runs_dir)
        try:
            with require_free(run_dir, "resume"):
                if read_live_status(run_dir)["status"] in ACTIVE_STATUSES:
                    raise JobError(f"{run_id} is already training or queued.")
                config, meta = read_run_config(run_dir)
                done_epochs = checkpoint_epochs(run_dir)
                done = done_epochs[-1] if done_epochs else 0
                config = config.with_changes(**{**(overrides or {}), "epochs": done + extra_epochs})
                atomic_write_json(run_dir / "config.json", {**meta, "config": config_to_dict(config)})
                write_status(
                    run_dir,
                    status="queued",
                    epoch=done,
                    epochs_total=config.epochs,
                    traceback="",
                    message="Waiting to resume." if done else "Waiting to start again.",
                    queued_at=time.time(),
                )
        except RunError as exc:
            raise JobError(str(exc)) from None
        self._schedule()
        return run_id

    def pause(self, run_id: str) -> None:
        """Pause the running job after its current batch (holds across server restarts)."""
        run_dir = self._require(run_id, ("running",), "pause")
        request_pause(run_dir)

    def resume(self, run_id: str) -> None:
        """Release a paused job."""
        run_dir = self._require(run_id, ("paused",), "resume")
        request_resume(run_dir)

    def stop(self, run_id: str) -> None:
        """Stop a running or paused job after its current batch, or drop a queued one."""
        run_dir = self._require(run_id, ACTIVE_STATUSES, "stop")
        request_stop(run_dir)
        if read_status(run_dir)["status"] == "queued":
            try:
                with require_free(run_dir, "stop"):
                    if read_status(run_dir)["status"] == "queued":
                        write_status(run_dir, status="stopped", message="Removed from the queue before it started.")
            except RunError:
                pass  # it started meanwhile: the stop request reaches its worker

    # ---- reading ----------------------------------------------------------------------
    def snapshot(self, run_id: str) -> JobSnapshot | None:
        """The run's current state read from its folder, or None when there is no such run."""
        try:
            run_dir = run_path(run_id, self.runs_dir)
        except RunError:
            return None
        if not run_dir.is_dir():
            return None
        try:
            return self._snapshot(run_dir, self._queue_positions())
        except (RunError, TypeError, ValueError, OverflowError):
            return None

    def active(self) -> JobSnapshot | None:
        """The running or paused run, if any (the newest one when several slots are busy).

        Reads only the status of each run, then the whole state of the active one: the
        sidebar of every page asks this on every refresh.
        """
        for folder in sorted(self._folders(), key=lambda p: p.name, reverse=True):
            try:
                busy = read_live_status(folder)["status"] in OWNED_STATUSES
            except RunError:
                continue
            if busy:
                return self.snapshot(folder.name)
        return None

    def jobs(self) -> list[JobSnapshot]:
        """Every readable run: active first, then queued in order, then the rest, newest first."""
        positions = self._queue_positions()
        snaps = []
        for folder in sorted(self._folders(), key=lambda p: p.name, reverse=True):
            try:
                snaps.append(self._snapshot(folder, positions))
            except (RunError, TypeError, ValueError, OverflowError):
                continue
        order = {"running": 0, "paused": 0, "queued": 1}
        return sorted(snaps, key=lambda s: (order.get(s.status, 2), s.queue_position or 0))

    def is_busy(self, run_id: str) -> bool:
        """True while the run is training, paused or queued (in any process)."""
        snap = self.snapshot(run_id)
        return snap is not None and snap.status in ACTIVE_STATUSES

    def wait(self, run_id: str, timeout: float | None = None) -> JobSnapshot:
        """Block until the job leaves the active states (or ``timeout`` seconds pass)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.is_busy(run_id) and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.1)
        snap = self.snapshot(run_id)
        if snap is None:
            raise JobError(f"No run {run_id} in {self.runs_dir}.")
        return snap

    def close(self) -> None:
        """Stop the background thread (workers keep training)."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---- internals --------------------------------------------------------------------
    def _folders(self) -> list[Path]:
        return [p for p in self.runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def _require(self, run_id: str, statuses: tuple[str, ...], verb: str) -> Path:
        snap = self.snapshot(run_id)
        state = "unknown" if snap is None else snap.status
        if snap is None or state not in statuses:
            raise JobError(f"Cannot {verb} {run_id}: it is {state}.")
        return run_path(run_id, self.runs_dir)

    def _queue_positions(self) -> dict[str, int]:
        return {folder.name: i + 1 for i, folder in enumerate(queued_runs(self.runs_dir))}

    def _mark_interrupted(self) -> list[str]:
        """Mark runs left training by a dead process as ``interrupted``; return their ids."""
        marked = []
        for folder in self._folders():
            try:
                before = read_status(folder)["status"]
                if before != read_live_status(folder)["status"]:
                    marked.append(folder.name)
            except RunError:
                continue
        return marked

    def _snapshot(self, run_dir: Path, positions: dict[str, int]) -> JobSnapshot:
        return self._reader.read(run_dir, positions.get(run_dir.name))

    def _schedule(self) -> None:
        try:
            started = schedule(self.runs_dir)
        except OSError:
            return
        with self._lock:
            for folder, process in started:
                self._children[folder.name] = process

    def _reap(self) -> None:
        """Collect workers this manager started; a worker that died without saying why becomes failed."""
        with self._lock:
            ended = [(run_id, p) for run_id, p in self._children.items() if p.poll() is not None]
            for run_id, _ in ended:
                del self._children[run_id]
        for run_id, process in ended:
            run_dir = self.runs_dir / run_id
            code = process.returncode
            if code == 0 or code < 0:
                continue  # a clean end, or a signal (kill -9): the listing marks it interrupted
            try:
                with require_free(run_dir, "record the end of"):
                    if read_status(run_dir)["status"] in OWNED_STATUSES:
                        write_status(
                            run_dir,
                            status="failed",
                            traceback=_log_tail(run_dir),
                            message=f"The training process ended unexpectedly (exit status {code}).",
                        )
            except RunError:
                continue

    def _watch(self) -> None:
        while not self._closed.wait(_POLL_SECONDS) and self.runs_dir.is_dir():
            try:
                self._reap()
                self._schedule()
            except Exception:  # noqa: BLE001 - the watcher must outlive any one bad folder
                continue


def _log_tail(run_dir: Path, limit: int = 4000) -> str:
    try:
        return (run_dir / WORKER_LOG).read_text(errors="replace")[-limit:]
    except OSError:
        return ""
