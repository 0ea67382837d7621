"""A run's history: ``metrics.csv``, one row per epoch, the one record every reader reads.

Written whole and atomically at each epoch end; a resumed run cuts it back to its checkpoint.
Nothing here imports TensorFlow.
"""

from __future__ import annotations


import csv
import io
import math
from pathlib import Path
from typing import Any
from collections.abc import Mapping


from dcgan_core.atomic import atomic_write_bytes
from dcgan_core.errors import RunError

__all__ = ["METRIC_KEYS", "write_metrics", "read_metrics", "truncate_metrics"]


METRIC_KEYS = (
    "epoch",
    "g_loss",
    "d_loss",
    "d_acc_real",
    "d_acc_fake",
    "images_per_sec",
    "seconds_per_epoch",
    "swd",
    "kl",
    "diversity",
    "elapsed_seconds",
    "augment_p",
    "rt",
    "class_acc",
)


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
