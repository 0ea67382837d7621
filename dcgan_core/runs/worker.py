"""The training worker process: ``python -m dcgan_core worker RUN_DIR``.

It owns its run for as long as it lives (the run's lock, handed over by the launcher or
taken here), trains it with :func:`~dcgan_core.engine.trainer.train_run`, follows the pause and
stop requests of :mod:`~dcgan_core.runs.control` between batches, writes ``progress.json``
(step, batch losses, a heartbeat) about once a second for live step counters, and, when
it ends, starts the next queued run. SIGTERM and SIGINT stop it cleanly after the current
batch. TensorFlow is imported here, in the worker, never in the web process.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from dcgan_core.runs.control import TrainingControl
from dcgan_core.errors import RunError
from dcgan_core.runs.ownership import RunLock, lock_owner
from dcgan_core.runs.folder import write_status
from dcgan_core.runs.progress import ProgressWriter

__all__ = ["run_worker", "NICE_ENV", "DEFAULT_NICENESS"]

NICE_ENV = "DCGAN_WORKER_NICE"
# 0: training competes with the pages as an equal. Measured with bench/viewers.py on 2 cores with the
# browser on the same machine: niceness 10 opens the Train page in 3.1-4.2 s instead of 4.6-4.8 s, but
# three open tabs then take 34% of training's speed instead of 2%.
DEFAULT_NICENESS = 0


def _lower_priority() -> None:
    """Run at a lower CPU priority when ``DCGAN_WORKER_NICE`` asks for one (default 0: normal).

    With a niceness, on a machine whose cores training fills, the pages (and a browser on
    the same machine) answer first; when nothing else wants the CPU, training runs as fast.
    """
    try:
        niceness = int(os.environ.get(NICE_ENV, DEFAULT_NICENESS))
    except ValueError:
        niceness = DEFAULT_NICENESS
    if niceness > 0 and hasattr(os, "nice"):
        try:
            os.nice(min(niceness, 19))
        except OSError:
            pass  # not allowed here: train at the normal priority


def run_worker(run_dir: Path, lock_fd: int | None = None) -> int:
    """Train ``run_dir`` in this process; returns the process exit status.

    Args:
        run_dir: The run folder.
        lock_fd: The run's lock, already held (handed over by the launcher); None takes it here.
    """
    run_dir = Path(run_dir).resolve()
    lock = RunLock(run_dir, lock_fd)
    if lock_fd is None and not lock.acquire():
        print(f"error: {run_dir.name} is being trained by process {lock_owner(run_dir) or 'unknown'}.")
        return 2
    lock.write_owner(os.getpid())
    _lower_priority()
    control = TrainingControl(run_dir)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: control.stop())
    progress = ProgressWriter(run_dir).start()

    try:
        write_status(run_dir, status="running", message="Loading TensorFlow.", pid=os.getpid())
        from dcgan_core.engine.trainer import train_run  # TensorFlow loads here, in the worker only

        outcome = train_run(run_dir, control, progress.publish, lock=lock)
    except BaseException as exc:  # even an import failure becomes data
        import traceback

        write_status(
            run_dir,
            status="failed",
            message=f"The training process failed to start: {exc}",
            traceback=traceback.format_exc(),
        )
        return 1
    finally:
        progress.close()
        lock.release()
    _start_next(run_dir.parent)
    return 0 if outcome.status in ("finished", "stopped") else 1


def _start_next(runs_dir: Path) -> None:
    """Start the next queued run now that this worker's slot is free."""
    from dcgan_core.runs.workers import schedule

    try:
        schedule(runs_dir)
    except (OSError, RunError):
        pass  # a job manager's thread will start it
