"""One owner per run: an exclusive lock on ``<run_dir>/.lock`` held by its training worker.

The worker that trains a run holds an ``fcntl.flock`` on the run's lock file for as long as
it lives; the operating system releases it when the process ends, however it ends (a crash
and ``kill -9`` included). Anything that would train, resume, change or delete a run asks
:func:`lock_owner` first. A run whose status says ``running`` while its lock is free was
left by a dead process: it is ``interrupted``.

The launcher takes the lock *before* it starts a worker and hands the open file to the
child, so there is no moment in which a starting run looks ownerless. No TensorFlow here.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from collections.abc import Iterator

from dcgan_core.errors import RunError

__all__ = ["RunLock", "lock_owner", "require_free", "LOCK_NAME"]

LOCK_NAME = ".lock"


class RunLock:
    """An exclusive, non-blocking lock on one run folder.

    Args:
        run_dir: The run folder.
        fd: An already-locked descriptor of the lock file (handed over by a launcher).
    """

    def __init__(self, run_dir: Path, fd: int | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.fd = fd

    @property
    def path(self) -> Path:
        return self.run_dir / LOCK_NAME

    @property
    def held(self) -> bool:
        return self.fd is not None

    def acquire(self, patience: float = 0.5) -> bool:
        """Take the lock; False when another process holds it.

        Readers (:func:`lock_owner`) hold a shared lock for a few microseconds, so a
        refusal is retried for up to ``patience`` seconds before it counts.
        """
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.02)
        self.fd = fd
        return True

    def write_owner(self, pid: int) -> None:
        """Record the owning process id in the lock file (for messages)."""
        if self.fd is None:
            raise RunError("write_owner needs the lock held.")
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(int(pid)).encode(), 0)

    def hand_over(self) -> None:
        """Close this process's descriptor without unlocking: a child that inherited it keeps the lock.

        (``flock`` locks belong to the open file, shared with the child; an explicit unlock
        here would release the child's lock too.)
        """
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _recorded_pid(path: Path) -> int | None:
    try:
        text = path.read_text(errors="replace").strip()[:20]
        return int(text) if text.isdigit() else None
    except OSError:
        return None


def lock_owner(run_dir: Path) -> int | None:
    """The process id that holds the run's lock (0 when held by an unknown process), or None when free."""
    path = Path(run_dir) / LOCK_NAME
    if not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _recorded_pid(path) or 0
    finally:
        os.close(fd)
    return None


@contextlib.contextmanager
def require_free(run_dir: Path, verb: str) -> Iterator[RunLock]:
    """Hold the run's lock for a short change (``verb``: what the caller is about to do).

    Raises:
        RunError: "run X is being trained by process N" when a worker owns the run.
    """
    lock = RunLock(run_dir)
    if not Path(run_dir).is_dir():
        raise RunError(f"No run called {Path(run_dir).name}.")
    if not lock.acquire():
        owner = _recorded_pid(lock.path)
        who = f"process {owner}" if owner else "another process"
        raise RunError(f"Cannot {verb} {Path(run_dir).name}: it is being trained by {who}; stop it first.")
    try:
        yield lock
    finally:
        lock.release()
