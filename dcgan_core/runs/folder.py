"""The run directory: the only record of a run that survives a restart.

Layout of ``runs/<run_id>/``::

    config.json              the TrainConfig (plus run id, dataset name, creation time)
    status.json              status, epochs done/total, message, traceback, device, pid
    metrics.csv              one row per epoch (see METRIC_KEYS)
    samples/epoch_0001.png   the fixed-seed grid of each saved epoch
    checkpoints/             resumable state (see checkpoints.py)
    generators/              the sampling generator's weights of each saved epoch
    generator.keras          the newest exported generator
    progress.gif             the grids as an animation

This module creates the folder and reads and writes its config and status; beside it,
:mod:`~dcgan_core.runs.history` keeps metrics.csv, :mod:`~dcgan_core.runs.epochs` what each
epoch leaves, and :mod:`~dcgan_core.runs.listing` every run at a glance. Every write goes
through :mod:`dcgan_core.atomic` (temp file, then ``os.replace``). Nothing here imports
TensorFlow.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

from dcgan_core.atomic import atomic_write_json
from dcgan_core.settings.config import TrainConfig, config_from_dict, config_to_dict
from dcgan_core.errors import ConfigError, RunError
from dcgan_core.runs.ownership import lock_owner, require_free
from dcgan_core.paths import default_runs_dir, safe_child


__all__ = [
    "RUN_STATUSES",
    "OWNED_STATUSES",
    "ACTIVE_STATUSES",
    "new_run_id",
    "create_run",
    "run_path",
    "read_run_config",
    "read_status",
    "read_live_status",
    "write_status",
    "best_in_status",
]

RUN_STATUSES = ("queued", "running", "paused", "finished", "failed", "stopped", "interrupted")
OWNED_STATUSES = ("running", "paused")  # a process trains the run (it holds the lock)
ACTIVE_STATUSES = ("queued",) + OWNED_STATUSES  # the run is not over


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise RunError(f"{path.parent.name}: {path.name} is missing.") from None
    except (OSError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise RunError(f"{path.parent.name}: {path.name} is damaged ({reason}).") from None
    if not isinstance(data, dict):
        raise RunError(f"{path.parent.name}: {path.name} is damaged (not a JSON object).")
    return data


def new_run_id(config: TrainConfig) -> str:
    """A sortable, unique, filesystem-safe id: ``20261122-193000-custom-1a2b``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{re.sub(r'[^a-z0-9_]', '', config.preset.lower()) or 'run'}-{secrets.token_hex(2)}"


def run_path(run_id: str, runs_dir: Path | None = None) -> Path:
    """The folder of ``run_id`` inside the runs folder (refuses anything that is not a plain id)."""
    try:
        return safe_child(Path(runs_dir or default_runs_dir()), run_id)
    except Exception as exc:
        raise RunError(f"{run_id!r} is not a run id.") from exc


def create_run(
    config: TrainConfig, runs_dir: Path | None = None, dataset_name: str = "", run_id: str | None = None
) -> Path:
    """Create ``runs/<run_id>/`` with its config and a ``queued`` status; returns the folder.

    A run that draws by class gets its dataset's class names in its config (ConfigError when
    the dataset has none).
    """
    from dcgan_core.settings.autoconfig import (
        with_dataset_classes,
    )  # reads the dataset's labels; autoconfig needs no run code

    config = with_dataset_classes(config)
    chosen = run_id
    for _ in range(20):  # a generated id may meet another started in the same second: draw again
        run_id = chosen or new_run_id(config)
        folder = run_path(run_id, runs_dir)
        try:
            folder.mkdir(parents=True, exist_ok=False)
            break
        except FileExistsError:
            if chosen:
                raise RunError(f"A run called {chosen} already exists.") from None
    else:
        raise RunError("Could not find a free run id; try again.")
    atomic_write_json(
        folder / "config.json",
        {
            "run_id": run_id,
            "dataset_name": dataset_name or Path(config.data_path).stem or config.preset,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "config": config_to_dict(config),
        },
    )
    write_status(
        folder, status="queued", epoch=0, epochs_total=config.epochs, message="Waiting to start.", queued_at=time.time()
    )
    return folder


def read_run_config(run_dir: Path) -> tuple[TrainConfig, dict[str, Any]]:
    """The run's :class:`TrainConfig` and its other config.json fields.

    Raises:
        RunError: when config.json is missing or damaged.
    """
    data = _read_json(Path(run_dir) / "config.json")
    try:
        config = config_from_dict(data.get("config", {}))
    except ConfigError as exc:
        raise RunError(f"{Path(run_dir).name}: config.json is damaged ({exc}).") from exc
    return config, {k: v for k, v in data.items() if k != "config"}


def read_status(run_dir: Path) -> dict[str, Any]:
    """status.json as a dict (RunError when missing or damaged)."""
    status = _read_json(Path(run_dir) / "status.json")
    if status.get("status") not in RUN_STATUSES:
        raise RunError(f"{Path(run_dir).name}: status.json has an unknown status {status.get('status')!r}.")
    return status


def read_live_status(run_dir: Path) -> dict[str, Any]:
    """status.json, with a run left ``running`` or ``paused`` by a dead process marked ``interrupted``.

    A run is owned by the worker that holds its lock; when the status says the run is
    training but nobody holds the lock, its process died (a crash, ``kill -9``, a machine
    restart). The run is marked ``interrupted`` on disk, resumable from its last
    checkpoint. Called by every listing, so no restart is needed to notice.
    """
    status = read_status(run_dir)
    if status["status"] not in OWNED_STATUSES or lock_owner(run_dir) is not None:
        return status
    try:
        with require_free(run_dir, "mark"):
            status = read_status(run_dir)
            if status["status"] in OWNED_STATUSES:
                status = write_status(
                    run_dir,
                    status="interrupted",
                    pid=status.get("pid"),
                    eta_seconds=0.0,
                    message=f"The training process stopped while this run was {status['status']}; "
                    "resume it to continue from its last checkpoint.",
                )
    except RunError:
        pass  # a worker took it over meanwhile
    return status


def write_status(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into status.json (atomically) and return the new content."""
    path = Path(run_dir) / "status.json"
    try:
        current = _read_json(path) if path.exists() else {}
    except RunError:
        current = {}
    current.update({"pid": os.getpid(), **fields})
    current["updated"] = time.time()
    atomic_write_json(path, current)
    return current


def best_in_status(status: Mapping[str, Any]) -> tuple[int | None, float]:
    """The epoch of lowest SWD a run has measured and that SWD (``best_epoch``/``best_swd`` of
    status.json); ``(None, inf)`` when it has none or they are of the wrong type."""
    try:
        epoch, swd = int(status.get("best_epoch") or 0), float(status.get("best_swd", math.inf))
    except (TypeError, ValueError, OverflowError):
        return None, math.inf
    if epoch <= 0 or not math.isfinite(swd):
        return None, math.inf
    return epoch, swd
