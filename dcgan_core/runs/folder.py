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

Every write goes through :mod:`dcgan_core.atomic` (temp file, then ``os.replace``).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Mapping

import numpy as np

from dcgan_core.atomic import atomic_write_bytes, atomic_write_json
from dcgan_core.settings.config import TrainConfig, config_from_dict, config_to_dict
from dcgan_core.errors import ConfigError, RunError
from dcgan_core.images import decode_png, encode_gif, encode_png
from dcgan_core.runs.ownership import lock_owner, require_free
from dcgan_core.paths import default_runs_dir, safe_child

__all__ = [
    "METRIC_KEYS",
    "RUN_STATUSES",
    "OWNED_STATUSES",
    "ACTIVE_STATUSES",
    "RunSummary",
    "new_run_id",
    "create_run",
    "run_path",
    "read_run_config",
    "read_status",
    "read_live_status",
    "write_status",
    "write_metrics",
    "read_metrics",
    "truncate_metrics",
    "save_sample_grid",
    "sample_epochs",
    "sample_grid_path",
    "build_progress_gif",
    "checkpoint_epochs",
    "generator_epochs",
    "generator_onnx_path",
    "saved_generator_epoch",
    "list_runs",
    "delete_run",
    "run_display_name",
    "rename_run",
]

METRIC_KEYS = (
    "epoch", "g_loss", "d_loss", "d_acc_real", "d_acc_fake", "images_per_sec",
    "seconds_per_epoch", "swd", "kl", "diversity", "elapsed_seconds", "augment_p", "rt", "class_acc",
)
RUN_STATUSES = ("queued", "running", "paused", "finished", "failed", "stopped", "interrupted")
OWNED_STATUSES = ("running", "paused")  # a process trains the run (it holds the lock)
ACTIVE_STATUSES = ("queued",) + OWNED_STATUSES  # the run is not over
_SAMPLE_RE = re.compile(r"^epoch_(\d{4,})\.png$")
_NPZ_RE = re.compile(r"^epoch_(\d{4,})\.npz$")


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


def create_run(config: TrainConfig, runs_dir: Path | None = None, dataset_name: str = "",
               run_id: str | None = None) -> Path:
    """Create ``runs/<run_id>/`` with its config and a ``queued`` status; returns the folder.

    A run that draws by class gets its dataset's class names in its config (ConfigError when
    the dataset has none).
    """
    from dcgan_core.settings.autoconfig import with_dataset_classes  # reads the dataset's labels; autoconfig needs no run code

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
    atomic_write_json(folder / "config.json", {
        "run_id": run_id, "dataset_name": dataset_name or Path(config.data_path).stem or config.preset,
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "config": config_to_dict(config),
    })
    write_status(folder, status="queued", epoch=0, epochs_total=config.epochs, message="Waiting to start.",
                 queued_at=time.time())
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
                status = write_status(run_dir, status="interrupted", pid=status.get("pid"), eta_seconds=0.0,
                                      message=f"The training process stopped while this run was {status['status']}; "
                                              "resume it to continue from its last checkpoint.")
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


def _format(value: Any) -> str:
    if value is None:
        return ""
    value = float(value)
    return "" if math.isnan(value) else repr(value)


def read_metrics(run_dir: Path) -> dict[str, list[float]]:
    """metrics.csv as columns (every key of METRIC_KEYS; NaN where not measured)."""
    path = Path(run_dir) / "metrics.csv"
    columns: dict[str, list[float]] = {key: [] for key in METRIC_KEYS}
    if not path.exists():
        return columns
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
        for row in rows:
            for key in METRIC_KEYS:
                text = (row.get(key) or "").strip()
                columns[key].append(float(text) if text else math.nan)
    except (OSError, ValueError) as exc:
        raise RunError(f"{Path(run_dir).name}: metrics.csv is damaged ({exc}).") from exc
    return columns


def write_metrics(run_dir: Path, columns: Mapping[str, list[float]]) -> None:
    """Atomically write metrics.csv from columns keyed by METRIC_KEYS (one row per epoch)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(METRIC_KEYS)
    for i in range(len(columns["epoch"])):
        writer.writerow([_format(columns[key][i]) for key in METRIC_KEYS])
    atomic_write_bytes(Path(run_dir) / "metrics.csv", out.getvalue().encode())


def truncate_metrics(run_dir: Path, last_epoch: int) -> None:
    """Drop rows after ``last_epoch`` (epochs lost since the checkpoint a run resumes from)."""
    columns = read_metrics(run_dir)
    keep = [i for i, e in enumerate(columns["epoch"]) if e <= last_epoch]
    write_metrics(run_dir, {k: [v[i] for i in keep] for k, v in columns.items()})


def save_sample_grid(run_dir: Path, epoch: int, grid: np.ndarray) -> Path:
    """Write ``samples/epoch_XXXX.png`` for ``epoch``."""
    path = Path(run_dir) / "samples" / f"epoch_{epoch:04d}.png"
    atomic_write_bytes(path, encode_png(grid))
    return path


def sample_epochs(run_dir: Path) -> list[int]:
    """Epochs that have a saved sample grid, ascending."""
    folder = Path(run_dir) / "samples"
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _SAMPLE_RE.match(p.name)))


def sample_grid_path(run_dir: Path, epoch: int) -> Path:
    """Path of the sample grid of ``epoch`` (RunError when that epoch has none)."""
    path = Path(run_dir) / "samples" / f"epoch_{int(epoch):04d}.png"
    if not path.is_file():
        raise RunError(f"{Path(run_dir).name} has no sample grid for epoch {epoch}.")
    return path


def build_progress_gif(run_dir: Path, max_frames: int = 120, duration_ms: int = 250) -> Path | None:
    """Animate the saved grids into ``progress.gif`` (evenly thinned to ``max_frames``)."""
    epochs = sample_epochs(run_dir)
    if not epochs:
        return None
    if len(epochs) > max_frames:
        picks = np.unique(np.linspace(0, len(epochs) - 1, max_frames).round().astype(int))
        epochs = [epochs[i] for i in picks]
    frames = [decode_png(sample_grid_path(run_dir, e).read_bytes()) for e in epochs]
    shape = frames[-1].shape
    frames = [f for f in frames if f.shape == shape]
    path = Path(run_dir) / "progress.gif"
    atomic_write_bytes(path, encode_gif(frames, duration_ms=duration_ms))
    return path


def _npz_epochs(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _NPZ_RE.match(p.name)))


def checkpoint_epochs(run_dir: Path) -> list[int]:
    """Epochs with a complete resumable checkpoint (archive and state), ascending."""
    folder = Path(run_dir) / "checkpoints"
    return [e for e in _npz_epochs(folder) if (folder / f"epoch_{e:04d}.json").is_file()]


def generator_onnx_path(run_dir: Path, epoch: int) -> Path:
    """The ONNX file of the sampling generator of ``epoch`` (written by the worker at each checkpoint)."""
    return Path(run_dir) / "generators" / f"epoch_{int(epoch):04d}.onnx"


def saved_generator_epoch(run_dir: Path, epoch: int | None = None) -> int:
    """``epoch`` when the run saved a generator then (default: the newest saved one).

    Raises:
        RunError: when the run has no saved generator yet, or none for that epoch (the
            message lists the saved ones).
    """
    epochs = generator_epochs(run_dir)
    if not epochs:
        raise RunError(f"{Path(run_dir).name} has no saved generator yet (it saves one at each checkpoint).")
    chosen = epochs[-1] if epoch is None else int(epoch)
    if chosen not in epochs:
        raise RunError(f"{Path(run_dir).name} has no generator saved for epoch {chosen}; saved: {epochs}.")
    return chosen


def generator_epochs(run_dir: Path) -> list[int]:
    """Epochs whose sampling generator was saved (for the explorer and the timeline), ascending."""
    return _npz_epochs(Path(run_dir) / "generators")


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs list, read from disk. ``damaged`` runs carry a ``problem``."""

    run_id: str
    path: Path
    status: str
    preset: str
    dataset_name: str
    epochs_done: int
    epochs_total: int
    last_g_loss: float
    last_d_loss: float
    last_swd: float
    duration_seconds: float
    created: str
    damaged: bool = False
    problem: str = ""
    owner_pid: int | None = None
    display_name: str = ""


def _last_finite(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return finite[-1] if finite else math.nan


def _summarize(folder: Path) -> RunSummary:
    try:
        config, meta = read_run_config(folder)
        status = read_live_status(folder)
        metrics = read_metrics(folder)
        return RunSummary(
            run_id=folder.name, path=folder, status=str(status["status"]), preset=config.preset,
            dataset_name=str(meta.get("dataset_name", "")), epochs_done=int(status.get("epoch", 0)),
            epochs_total=int(status.get("epochs_total", config.epochs)),
            last_g_loss=_last_finite(metrics["g_loss"]), last_d_loss=_last_finite(metrics["d_loss"]),
            last_swd=_last_finite(metrics["swd"]),
            duration_seconds=_last_finite(metrics["elapsed_seconds"]) if metrics["epoch"] else 0.0,
            created=str(meta.get("created", "")), owner_pid=lock_owner(folder),
            display_name=run_display_name(meta),
        )
    except RunError as exc:
        problem = str(exc)
    except (TypeError, ValueError, OverflowError) as exc:
        problem = f"{folder.name}: status.json has a field of the wrong type ({exc})."
    return RunSummary(folder.name, folder, "damaged", "?", "?", 0, 0, math.nan, math.nan, math.nan,
                      0.0, "", damaged=True, problem=problem)


def list_runs(runs_dir: Path | None = None) -> list[RunSummary]:
    """Every run folder, newest first; damaged folders are listed as damaged, never raised."""
    root = Path(runs_dir or default_runs_dir())
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return [_summarize(p) for p in sorted(folders, key=lambda p: p.name, reverse=True)]


def run_display_name(meta: Mapping[str, Any]) -> str:
    """A run's name in plain words: the name it was given, else "<dataset> · Dec 4 14:05".

    Args:
        meta: The config.json fields other than the config (see :func:`read_run_config`).
    """
    given = str(meta.get("display_name") or "").strip()
    if given:
        return given
    dataset = str(meta.get("dataset_name") or "").strip() or "run"
    try:
        created = datetime.fromisoformat(str(meta.get("created"))).astimezone()
    except (TypeError, ValueError):
        return dataset
    return f"{dataset} · {created.strftime('%b')} {created.day} {created.strftime('%H:%M')}"


def rename_run(run_id: str, name: str, runs_dir: Path | None = None) -> str:
    """Give a run a display name (kept in config.json; the folder and run id stay as they are).

    An empty ``name`` goes back to the automatic "<dataset> · <time>" name.

    Returns:
        The run's display name after the change.

    Raises:
        RunError: when the run does not exist, its config.json is damaged or the name is too long.
    """
    name = " ".join(str(name).split())
    if len(name) > 80:
        raise RunError("A run name can be at most 80 characters long.")
    path = run_path(run_id, runs_dir) / "config.json"
    data = _read_json(path)
    data["display_name"] = name
    atomic_write_json(path, data)
    return run_display_name(data)


def delete_run(run_id: str, runs_dir: Path | None = None, manager: Any = None) -> None:
    """Remove a run folder; refused while a worker trains it or it waits in the queue.

    ``manager`` is accepted for compatibility and no longer needed: the run's lock and
    status on disk decide, whichever process asks.
    """
    folder = run_path(run_id, runs_dir)
    if not folder.is_dir():
        raise RunError(f"No run called {run_id}.")
    with require_free(folder, "delete"):
        try:
            queued = read_status(folder)["status"] == "queued"
        except RunError:
            queued = False  # a damaged run can always be deleted
        if queued:
            raise RunError(f"{run_id} is waiting in the queue; stop it before deleting it.")
        shutil.rmtree(folder)
