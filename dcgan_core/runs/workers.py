"""Training workers: detached OS processes, one per run, and the queue that starts them.

Each run trains in its own process (``python -m dcgan_core worker RUN_DIR``), started in a
new session so that stopping or restarting the web server (or closing a terminal) does
not stop it. The launcher takes the run's lock first and hands it to the child (see
:mod:`~dcgan_core.runs.ownership`).

The queue lives on disk: a run is queued when its status is ``queued``; runs start in
the order of their ``queued_at`` time whenever a slot is free, by whichever process
notices first (a job manager's thread, a worker that just finished, the CLI). One
decision at a time is guaranteed by an ``flock`` on the runs folder itself. Slots: one by
default (a single run uses every GPU of the machine); ``DCGAN_WORKER_SLOTS=N`` lets N runs
train at once, each pinned to one GPU when the machine has several. No TensorFlow here.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
from pathlib import Path
from collections.abc import Iterator

from dcgan_core.runs.control import clear_requests
from dcgan_core.errors import RunError
from dcgan_core.runs.ownership import RunLock, lock_owner
from dcgan_core.paths import child_env
from dcgan_core.runs.folder import read_status, write_status

__all__ = ["launch_worker", "schedule", "worker_slots", "queued_runs", "WORKER_LOG"]

WORKER_LOG = "worker.log"


def _gpu_count() -> int:
    """GPUs the NVIDIA driver lists (no TensorFlow import needed)."""
    try:
        return len(os.listdir("/proc/driver/nvidia/gpus"))
    except OSError:
        return 0


def worker_slots() -> int:
    """How many runs may train at once (``DCGAN_WORKER_SLOTS``, default 1)."""
    text = os.environ.get("DCGAN_WORKER_SLOTS", "").strip()
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1


@contextlib.contextmanager
def _queue_lock(runs_dir: Path) -> Iterator[None]:
    runs_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(runs_dir, os.O_RDONLY | os.O_DIRECTORY)  # the folder itself is the lock: no extra file
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _run_folders(runs_dir: Path) -> list[Path]:
    if not runs_dir.is_dir():
        return []
    return [p for p in runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]


def queued_runs(runs_dir: Path) -> list[Path]:
    """Queued run folders in the order they will start."""
    entries = []
    for folder in _run_folders(Path(runs_dir)):
        try:
            status = read_status(folder)
        except RunError:
            continue
        if status.get("status") == "queued":
            queued_at = status.get("queued_at")
            entries.append((queued_at if isinstance(queued_at, (int, float)) else 0.0, folder.name, folder))
    return [folder for _, _, folder in sorted(entries)]


def launch_worker(run_dir: Path, slot: int = 0) -> subprocess.Popen:
    """Start the worker process of ``run_dir``, detached, holding the run's lock.

    Raises:
        RunError: when another process owns the run, or the process cannot start.
    """
    run_dir = Path(run_dir)
    lock = RunLock(run_dir)
    if not lock.acquire():
        owner = lock_owner(run_dir)
        raise RunError(f"{run_dir.name} is being trained by process {owner or 'unknown'}.")
    try:
        clear_requests(run_dir)
        env = child_env()
        if _gpu_count() > 1 and worker_slots() > 1:
            env["CUDA_VISIBLE_DEVICES"] = str(slot)
        with open(run_dir / WORKER_LOG, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "dcgan_core", "worker", str(run_dir.resolve()), "--lock-fd", str(lock.fd)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(lock.fd,),
                start_new_session=True,
                env=env,
                cwd=os.getcwd(),
            )
        lock.write_owner(process.pid)
        write_status(
            run_dir,
            status="running",
            message="Starting the training process.",
            pid=process.pid,
            slot=slot,
            traceback="",
        )
    except OSError as exc:
        write_status(run_dir, status="failed", message=f"The training process could not start: {exc}")
        lock.release()
        raise RunError(f"{run_dir.name}: the training process could not start ({exc}).") from exc
    lock.hand_over()  # the child holds the lock through its inherited descriptor
    return process


def schedule(runs_dir: Path) -> list[tuple[Path, subprocess.Popen]]:
    """Start queued runs while slots are free; returns what was started.

    Safe to call from any process at any time: the decision is made under the queue lock,
    and a run already owned by a process is never started twice.
    """
    runs_dir = Path(runs_dir)
    started: list[tuple[Path, subprocess.Popen]] = []
    with _queue_lock(runs_dir):
        queue = queued_runs(runs_dir)
        if not queue:
            return started
        used: list[int] = []
        for folder in _run_folders(runs_dir):
            if lock_owner(folder) is None:
                continue
            try:
                slot = read_status(folder).get("slot", 0)
            except RunError:
                slot = 0
            used.append(slot if isinstance(slot, int) else 0)
        free = [s for s in range(worker_slots()) if s not in used][: max(0, worker_slots() - len(used))]
        for slot, folder in zip(free, queue):
            try:
                started.append((folder, launch_worker(folder, slot)))
            except RunError:
                continue
    return started
