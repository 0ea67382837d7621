"""Progress of a training process: one typed event, and the writer of ``progress.json``.

The training loop publishes :class:`Progress` events (a misspelt field is an error, not a
value dropped on the floor). Only step-level news travels this way: what an epoch leaves
behind (its row of numbers, its grid, the checkpoint) is written to the run folder, and
``metrics.csv`` is the one history of a run that every reader (the pages, the CLI, a
resumed run) reads.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dcgan_core.atomic import atomic_write_bytes
from dcgan_core.runs.folder import write_status

__all__ = ["Progress", "Publish", "ProgressWriter", "PROGRESS_FILE", "ignore_progress"]

PROGRESS_FILE = "progress.json"
_HEARTBEAT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event; a field left ``None`` did not change.

    Attributes:
        step: Batches done in the current epoch (0 at an epoch's end).
        epoch: Complete epochs done.
        steps_per_epoch: Batches in one epoch.
        batch_g_loss: The generator's loss on the newest batch.
        batch_d_loss: The discriminator's loss on the newest batch.
        status: ``running``, ``paused``, ``finished``, ``stopped`` or ``failed`` (the
            sentence for people and everything an epoch leaves are in the run folder).
        grid_epoch: The epoch whose sample grid was just saved.
    """

    step: int | None = None
    epoch: int | None = None
    steps_per_epoch: int | None = None
    batch_g_loss: float | None = None
    batch_d_loss: float | None = None
    status: str | None = None
    grid_epoch: int | None = None

    def changes(self) -> dict[str, Any]:
        """The fields this event sets."""
        return {key: value for key, value in asdict(self).items() if value is not None}

    @property
    def is_pause_or_resume(self) -> bool:
        """True for the bare ``paused``/``running`` event of a pause request being honoured."""
        return self.status in ("paused", "running") and set(self.changes()) == {"status"}


Publish = Callable[[Progress], None]


def ignore_progress(event: Progress) -> None:
    """A :data:`Publish` that drops every event (training without anyone watching)."""


class ProgressWriter:
    """Keeps the newest step-level progress and writes it to ``progress.json`` from a thread.

    The training loop only updates a dict (no I/O between batches); the thread writes when
    something changed, at most every ``interval`` seconds, and at least every few seconds
    as a heartbeat.
    """

    _FIELDS = ("step", "epoch", "steps_per_epoch", "batch_g_loss", "batch_d_loss", "status")

    def __init__(self, run_dir: Path, interval: float = 1.0) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / PROGRESS_FILE
        self.interval = interval
        self._record: dict[str, Any] = {"pid": os.getpid(), "step": 0}
        self._dirty = True
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dcgan-progress", daemon=True)

    def start(self) -> ProgressWriter:
        self._thread.start()
        return self

    def publish(self, event: Progress) -> None:
        """A :data:`Publish` for the run's owner: ``progress.json``, and status.json when a pause
        request is honoured or lifted (its one status change between epochs)."""
        self.update(event)
        if event.is_pause_or_resume:
            write_status(
                self.run_dir, status=event.status, message="Paused." if event.status == "paused" else "Training."
            )

    def update(self, event: Progress) -> None:
        """Take the fields of ``event`` that ``progress.json`` holds."""
        changes = event.changes()
        with self._lock:
            for key in self._FIELDS:
                if key in changes:
                    self._record[key] = changes[key]
            self._dirty = True
        if event.status is not None:
            self._write()  # a pause or an end is shown at once, with the step it happened at

    def _write(self) -> None:
        with self._lock:
            record = {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in self._record.items()
            }
            self._dirty = False
        record["heartbeat"] = time.time()
        try:
            atomic_write_bytes(self.path, json.dumps(record).encode())
        except OSError:
            pass  # a full disk must not kill training from this thread; the epoch end reports it

    def _loop(self) -> None:
        last = 0.0
        while not self._done.wait(self.interval):
            if self._dirty or time.monotonic() - last >= _HEARTBEAT_SECONDS:
                self._write()
                last = time.monotonic()

    def close(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)
        self._write()
