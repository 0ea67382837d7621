"""Runs as the pages see them: immutable :class:`JobSnapshot` values read from run folders.

A :class:`SnapshotReader` re-reads a file only when it changed (modification time and size),
so many viewers of one run cost little. Nothing here imports TensorFlow.
"""

from __future__ import annotations


import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable

import numpy as np

from dcgan_core.settings.config import TrainConfig
from dcgan_core.runs.control import pause_requested
from dcgan_core.errors import RunError
from dcgan_core.images import decode_png
from dcgan_core.runs.ownership import lock_owner
from dcgan_core.runs.epochs import checkpoint_epochs, sample_epochs
from dcgan_core.runs.folder import read_live_status, read_run_config
from dcgan_core.runs.progress import PROGRESS_FILE
from dcgan_core.runs.history import METRIC_KEYS, read_metrics

__all__ = ["JobSnapshot", "SnapshotReader"]


@dataclass(frozen=True)
class JobSnapshot:
    """An immutable view of one run, read from its folder."""

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
    owner_pid: int | None = None
    heartbeat: float | None = None

    @property
    def progress(self) -> float:
        """Fraction of the run done, counting the current epoch's steps."""
        if self.epochs_total <= 0:
            return 0.0
        partial = self.step / self.steps_per_epoch if self.steps_per_epoch else 0.0
        return min(1.0, (self.epoch + partial) / self.epochs_total)


class _FileCache:
    """Parsed files keyed by (mtime, size): a file is read again only when it changed."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, kind: str, parse: Callable[[Path], Any], default: Any = None) -> Any:
        try:
            stat = path.stat()
        except OSError:
            return default
        key, stamp = (str(path), kind), (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        try:
            value = parse(path)
        except (OSError, ValueError, RunError):
            return default
        with self._lock:
            self._entries[key] = (stamp, value)
        return value


def _float(value: Any, default: float = math.nan) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return default
    return result


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _read_run_config_file(path: Path) -> tuple[TrainConfig, dict[str, Any]]:
    """:func:`~dcgan_core.runs.folder.read_run_config` of the folder holding ``path`` (for the cache)."""
    return read_run_config(path.parent)


def _read_json_file(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


class SnapshotReader:
    """Reads run folders into :class:`JobSnapshot` values, each file parsed once per change."""

    def __init__(self) -> None:
        self._cache = _FileCache()

    def read(self, run_dir: Path, queue_position: int | None = None) -> JobSnapshot:
        """The run in ``run_dir`` now; ``queue_position``: its place in the queue, if queued.

        Raises:
            RunError: for a damaged run (its config or status cannot be read).
        """
        config, _ = self._cache.get(run_dir / "config.json", "config", _read_run_config_file, (None, None))
        if config is None:
            config, _ = read_run_config(run_dir)  # raises with the reason
        status = read_live_status(run_dir)
        state = str(status["status"])
        if state == "running" and pause_requested(run_dir):
            state = "paused"  # asked for: the worker pauses within one batch
        history = self._cache.get(
            run_dir / "metrics.csv", "metrics", lambda p: read_metrics(p.parent), {k: [] for k in METRIC_KEYS}
        )
        progress = (
            self._cache.get(run_dir / PROGRESS_FILE, "progress", _read_json_file, {})
            if state in ("running", "paused")
            else {}
        )
        epochs = sample_epochs(run_dir) if config.is_image_model else []
        grid = (
            self._cache.get(
                run_dir / "samples" / f"epoch_{epochs[-1]:04d}.png", "grid", lambda p: decode_png(p.read_bytes())
            )
            if epochs
            else None
        )
        hist = None if config.is_image_model else self._cache.get(run_dir / "histograms.json", "hist", _read_json_file)
        ckpt = checkpoint_epochs(run_dir)
        epoch = int(status.get("epoch", 0))  # a status of the wrong shape is a damaged run: it raises
        live_step = _int(progress.get("step", 0)) if _int(progress.get("epoch", epoch), epoch) == epoch else 0
        return JobSnapshot(
            run_id=run_dir.name,
            status=state,
            config=config,
            epoch=epoch,
            epochs_total=int(status.get("epochs_total", config.epochs)),
            step=live_step,
            steps_per_epoch=_int(progress.get("steps_per_epoch", 0)),
            history={k: list(v) for k, v in history.items()},
            latest_grid=grid,
            latest_grid_epoch=epochs[-1] if grid is not None else None,
            images_per_sec=_float(status.get("images_per_sec")),
            eta_seconds=_float(status.get("eta_seconds")),
            elapsed_seconds=_float(status.get("elapsed_seconds"), 0.0),
            message=str(status.get("message", "")),
            traceback=str(status.get("traceback", "")),
            device=str(status.get("device", "")),
            queue_position=queue_position if state == "queued" else None,
            histograms={k: v for k, v in hist.items() if k != "epoch"} if isinstance(hist, dict) else None,
            checkpoint_epoch=ckpt[-1] if ckpt else None,
            updated=_float(status.get("updated"), 0.0),
            owner_pid=lock_owner(run_dir),
            heartbeat=_float(progress.get("heartbeat"), math.nan) if progress else None,
        )
