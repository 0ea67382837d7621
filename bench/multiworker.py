"""One worker against two local workers (TF_CONFIG, MultiWorkerMirroredStrategy), CPU only.

Both trainings use the same data, preset, seed and global batch. The single worker is the
ordinary ``python -m dcgan_core train`` (Keras ``fit``) pinned to core 0; the cluster is
two ``train`` processes with a two-worker ``TF_CONFIG``, pinned to cores 0 and 1 (each
worker trains half of every global batch). Prints images per second (median over the
epochs after the first), the scaling efficiency (two-worker speed / (2 x one-worker
speed)), and the per-epoch losses of both runs side by side; their difference after the
same number of steps is judged against the noise of the single worker itself (the
spread of the same run at seeds 7, 8 and 9).

Usage (on a shared machine, take the heavy lock)::

    flock /tmp/heavy.lock python bench/multiworker.py [--images 512] [--batch 64] [--epochs 6]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dcgan_core import bundled_dataset_path, read_metrics  # noqa: E402


def _port() -> str:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return f"localhost:{s.getsockname()[1]}"


def _command(args: argparse.Namespace, data: Path, runs: Path, *extra: str, seed: int = 7) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dcgan_core",
        "train",
        "--data",
        str(data),
        "--preset",
        "custom",
        "--width",
        str(args.width),
        "--batch-size",
        str(args.batch),
        "--epochs",
        str(args.epochs),
        "--seed",
        str(seed),
        "--runs-dir",
        str(runs),
        *extra,
    ]


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT), **extra)


def one_worker(args: argparse.Namespace, data: Path, work: Path, seed: int = 7) -> tuple[Path, float]:
    runs = work / f"one{seed}"
    started = time.monotonic()
    subprocess.run(
        ["taskset", "-c", "0", *_command(args, data, runs, seed=seed)],
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    return next(p for p in runs.iterdir() if p.is_dir()), time.monotonic() - started


def two_workers(args: argparse.Namespace, data: Path, work: Path) -> tuple[Path, float]:
    workers = [_port(), _port()]
    started = time.monotonic()
    procs = []
    for index in range(2):
        config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        procs.append(
            subprocess.Popen(
                ["taskset", "-c", str(index), *_command(args, data, work / f"two{index}", "--run-id", "bench")],
                env=_env(TF_CONFIG=config),
                stdout=subprocess.DEVNULL,
                stderr=open(work / f"two{index}.log", "w"),
                cwd=ROOT,
            )
        )
    codes = [p.wait() for p in procs]
    if codes != [0, 0]:
        raise SystemExit(f"the cluster failed: {codes}; see {work}/two*.log")
    return work / "two0" / "bench", time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--width", type=float, default=0.25)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dcgan-mw-bench-"))
    try:
        data = work / "digits.npy"
        np.save(data, np.load(bundled_dataset_path())[: args.images])
        print(
            f"{args.images} digits 28x28, custom preset width {args.width}, global batch {args.batch}, "
            f"{args.epochs} epochs of {args.images // args.batch} steps; CPU only, one core per worker"
        )
        results = {}
        references = [read_metrics(one_worker(args, data, work, seed=s)[0]) for s in (8, 9)]  # the noise yardstick
        for name, runner in (("1 worker ", one_worker), ("2 workers", two_workers)):
            run_dir, wall = runner(args, data, work)
            metrics = read_metrics(run_dir)
            speeds = metrics["images_per_sec"][1:] or metrics["images_per_sec"]
            results[name] = metrics
            print(
                f"{name}: {statistics.median(speeds):8.1f} images/s (median of epochs 2..{args.epochs}), "
                f"wall {wall:.0f} s including start-up"
            )
        one, two = (statistics.median(results[k]["images_per_sec"][1:]) for k in results)
        print(f"scaling efficiency: {two / (2 * one):.2f} (2-worker speed / twice the 1-worker speed)")
        print("epoch   G(1w)   G(2w)   D(1w)   D(2w)")
        for i, epoch in enumerate(results["1 worker "]["epoch"]):
            r1, r2 = results["1 worker "], results["2 workers"]
            print(
                f"{int(epoch):5d} {r1['g_loss'][i]:7.3f} {r2['g_loss'][i]:7.3f} {r1['d_loss'][i]:7.3f} {r2['d_loss'][i]:7.3f}"
            )
        for key in ("g_loss", "d_loss"):
            a, b = results["1 worker "][key], results["2 workers"][key]
            singles = [a[-1]] + [r[key][-1] for r in references]
            diff, noise = abs(a[-1] - b[-1]), max(singles) - min(singles)
            verdict = "agree within noise" if diff <= max(noise, 0.02) else "DIFFER beyond noise"
            print(
                f"{key} after {len(a)} epochs ({len(a) * (args.images // args.batch)} steps): 1 worker {a[-1]:.3f}, "
                f"2 workers {b[-1]:.3f}, |diff| {diff:.3f}; 1 worker at seeds 7/8/9: "
                f"{' / '.join(f'{v:.3f}' for v in singles)} (spread {noise:.3f}): {verdict}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
