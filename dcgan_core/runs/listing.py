"""Every run at a glance: summaries for the pages, friendly names, renaming and deleting.

Nothing here imports TensorFlow.
"""

from __future__ import annotations


import math
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from collections.abc import Mapping


from dcgan_core.atomic import atomic_write_json
from dcgan_core.errors import RunError
from dcgan_core.runs.ownership import lock_owner, require_free
from dcgan_core.paths import default_runs_dir
from dcgan_core.runs.folder import _read_json, best_in_status, read_live_status, read_run_config, read_status, run_path
from dcgan_core.runs.history import read_metrics

__all__ = ["RunSummary", "list_runs", "delete_run", "run_display_name", "rename_run"]


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
    best_epoch: int | None = None


def _last_finite(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return finite[-1] if finite else math.nan


def _summarize(folder: Path) -> RunSummary:
    try:
        config, meta = read_run_config(folder)
        status = read_live_status(folder)
        metrics = read_metrics(folder)
        return RunSummary(
            run_id=folder.name,
            path=folder,
            status=str(status["status"]),
            preset=config.preset,
            dataset_name=str(meta.get("dataset_name", "")),
            epochs_done=int(status.get("epoch", 0)),
            epochs_total=int(status.get("epochs_total", config.epochs)),
            last_g_loss=_last_finite(metrics["g_loss"]),
            last_d_loss=_last_finite(metrics["d_loss"]),
            last_swd=_last_finite(metrics["swd"]),
            duration_seconds=_last_finite(metrics["elapsed_seconds"]) if metrics["epoch"] else 0.0,
            created=str(meta.get("created", "")),
            owner_pid=lock_owner(folder),
            display_name=run_display_name(meta),
            best_epoch=best_in_status(status)[0],
        )
    except RunError as exc:
        problem = str(exc)
    except (TypeError, ValueError, OverflowError) as exc:
        problem = f"{folder.name}: status.json has a field of the wrong type ({exc})."
    return RunSummary(
        folder.name,
        folder,
        "damaged",
        "?",
        "?",
        0,
        0,
        math.nan,
        math.nan,
        math.nan,
        0.0,
        "",
        damaged=True,
        problem=problem,
    )


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
