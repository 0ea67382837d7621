"""How close the Train page's cost estimate comes to the real seconds per epoch, side by side.

For the presets and datasets a user picks from the pages (the recommended preset with the
settings it chooses for the face emoji, 200 digits and the 5,000 digits; the TensorFlow
tutorial's preset on the digits), prints the estimate (the probe the page runs, training
steps plus the epoch-end work spread by the run's schedule) against the measured wall
time per epoch of a real run (``elapsed_seconds`` between epoch ends, so grids, quality
scores, checkpoints and exports are all counted; the first epoch, which builds the graph,
is left out). Goal: within 25%.

Usage: ``python bench/estimate_accuracy.py [--seconds 45]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dcgan_core import auto_config, bundled_dataset_path, create_run, preset_config, read_metrics, train_run
from dcgan_core.settings.estimate import estimate_cost
from dcgan_core.paths import bundled_emoji_path  # noqa: E402


def cases(folder: Path) -> list[tuple[str, object, int]]:
    digits = np.load(bundled_dataset_path())
    few = folder / "digits200.npy"
    np.save(few, digits[:200])
    emoji = bundled_emoji_path()
    n_emoji = int(np.load(emoji, mmap_mode="r").shape[0])
    return [
        (f"recommended, face emoji ({n_emoji})", auto_config(n_emoji, 64, 3, data_path=str(emoji)).config, n_emoji),
        ("recommended, 200 digits", auto_config(200, 28, 1, data_path=str(few)).config, 200),
        ("recommended, 5,000 digits", auto_config(5000, 28, 1, data_path=str(bundled_dataset_path())).config, 5000),
        (
            "TF tutorial preset, 5,000 digits",
            preset_config("mnist_tutorial", data_path=str(bundled_dataset_path()), steps_per_epoch=8),
            5000,
        ),
    ]


def measured(config, folder: Path, seconds: float) -> tuple[float, int]:
    """Mean wall seconds per epoch after the first, and the epochs it covers."""
    run_dir = create_run(config.with_changes(epochs=10_000, max_seconds=seconds), folder)
    outcome = train_run(run_dir)
    if outcome.status not in ("finished", "stopped"):
        raise SystemExit(f"the run failed: {outcome.message}")
    elapsed = [e for e in read_metrics(run_dir)["elapsed_seconds"] if np.isfinite(e)]
    gaps = np.diff(elapsed)
    return (float(np.mean(gaps)) if len(gaps) else float("nan")), len(gaps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=45.0, help="training time of each measured run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, config, count in cases(Path(tmp)):
            estimate = estimate_cost(config, count)
            real, epochs = measured(config, Path(tmp) / "runs", args.seconds)
            rows.append((name, estimate, real, epochs))
    print(f"{os.cpu_count()} CPU cores; each run trained {args.seconds:.0f} s")
    print(
        f"{'case':36s} {'steps s':>8s} {'extra s':>8s} {'estimate':>9s} {'measured':>9s} {'ratio':>6s} {'epochs':>7s}"
    )
    for name, est, real, epochs in rows:
        ratio = est.seconds_per_epoch / real if real else float("nan")
        print(
            f"{name:36s} {est.step_seconds_per_epoch:8.2f} {est.extra_seconds_per_epoch:8.2f} "
            f"{est.seconds_per_epoch:9.2f} {real:9.2f} {ratio:6.2f} {epochs:7d}"
        )
    print("ratio = estimate / measured seconds per epoch; the goal is 0.75 to 1.25")


if __name__ == "__main__":
    main()
