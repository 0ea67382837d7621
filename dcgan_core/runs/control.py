"""Pause, resume and stop requests: flag files in the run folder, read by its worker between batches.

A request is a file: ``<run_dir>/.pause`` while the run should wait, ``<run_dir>/.stop``
once it should end. Creating or removing a file is atomic, needs no lock and survives a
restart of the web server, so a paused run stays paused whoever restarts. The worker
checks both between batches (one ``stat`` each), so a request takes effect within one
batch. Plain files only, no TensorFlow.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from collections.abc import Callable

__all__ = [
    "TrainingControl",
    "request_pause",
    "request_resume",
    "request_stop",
    "clear_requests",
    "pause_requested",
    "stop_requested",
]

_PAUSE = ".pause"
_STOP = ".stop"


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def request_pause(run_dir: Path) -> None:
    """Ask the run's worker to wait after its current batch."""
    _touch(Path(run_dir) / _PAUSE)


def request_resume(run_dir: Path) -> None:
    """Release a pause."""
    (Path(run_dir) / _PAUSE).unlink(missing_ok=True)


def request_stop(run_dir: Path) -> None:
    """Ask the run's worker to stop after its current batch (a pause is released)."""
    _touch(Path(run_dir) / _STOP)


def clear_requests(run_dir: Path) -> None:
    """Forget old requests before a run (re)starts."""
    for name in (_PAUSE, _STOP):
        with contextlib.suppress(OSError):
            (Path(run_dir) / name).unlink(missing_ok=True)


def pause_requested(run_dir: Path) -> bool:
    """True while a pause is asked for."""
    return (Path(run_dir) / _PAUSE).exists()


def stop_requested(run_dir: Path) -> bool:
    """True once a stop is asked for."""
    return (Path(run_dir) / _STOP).exists()


class TrainingControl:
    """The trainer's view of the requests: the run folder's flag files plus in-process flags.

    Args:
        run_dir: The run whose flag files to follow (None: in-process flags only).
    """

    def __init__(self, run_dir: Path | None = None) -> None:
        self.run_dir = None if run_dir is None else Path(run_dir)
        self._stop = False
        self._pause = False
        self.paused_seconds = 0.0

    def stop(self) -> None:
        """Stop after the current batch (a signal handler or a test calls this)."""
        self._stop = True

    def pause(self) -> None:
        """Pause in-process (tests); the app pauses through :func:`request_pause`."""
        self._pause = True

    def resume(self) -> None:
        """Release an in-process pause."""
        self._pause = False

    @property
    def stop_requested(self) -> bool:
        return self._stop or (self.run_dir is not None and stop_requested(self.run_dir))

    @property
    def paused(self) -> bool:
        if self.stop_requested:
            return False
        return self._pause or (self.run_dir is not None and pause_requested(self.run_dir))

    def wait_while_paused(self, on_pause: Callable[[], None], on_resume: Callable[[], None], poll: float = 0.2) -> None:
        """Block while paused (returns at once when not paused or when stop is asked)."""
        if not self.paused:
            return
        on_pause()
        started = time.monotonic()
        while self.paused:
            time.sleep(poll)
        self.paused_seconds += time.monotonic() - started
        on_resume()
