"""Cooperative pause / resume / stop flags between the UI and the training thread.

Plain threading only (no TensorFlow), so the job manager and pages stay light.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

__all__ = ["TrainingControl"]


class TrainingControl:
    """Cooperative pause / resume / stop flags shared by the UI thread and the trainer."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.paused_seconds = 0.0

    def stop(self) -> None:
        """Ask training to stop after the current batch (also releases a pause)."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Ask training to wait after the current batch until :meth:`resume`."""
        self._running.clear()

    def resume(self) -> None:
        """Release a pause."""
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self, on_pause: Callable[[], None], on_resume: Callable[[], None]) -> None:
        """Block while paused (returns at once when not paused or when stop is asked)."""
        if self._running.is_set():
            return
        on_pause()
        started = time.monotonic()
        while not self._running.wait(0.2):
            pass
        self.paused_seconds += time.monotonic() - started
        on_resume()
