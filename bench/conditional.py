"""Drawing by class: the conditional default against the unconditional default, side by side.

Trains, one after the other in this process and each for the same wall-clock budget (240 s
by default), the recommended preset's automatic settings on a labelled dataset (the bundled
digits, or any ``--data`` set with labels) twice: drawing by class (the default for a
labelled set) and without classes (``conditional=False``). Then prints:

* overall SWD x1e3 of 1,000 generated images against 1,000 real ones (for the conditional
  run, the generated images are drawn for the real images' classes);
* per class (conditional run): SWD of that class's samples against its own real images and
  against the nearest other class's;
* the conditioning accuracy: the share of classes whose samples are nearest (by SWD) to
  their own real class; a generator that ignores the class scores about 1 / classes.
  The unconditional run cannot be asked for a class: its figure is the chance level.

Goals: conditioning accuracy 10 of 10 digit classes at 240 s, overall SWD at most 1.2x the
unconditional run's.

Usage: python bench/conditional.py [--seconds 240] [--data LABELLED.npy] [--per-class 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from dcgan_core import (
    auto_config,
    bundled_dataset_path,
    create_run,
    fixed_latents,
    generate_uint8,
    read_dataset_classes,
    sliced_wasserstein_distance,
    train_run,
)
from dcgan_core.engine.sampling import recalibrate_batchnorm
from dcgan_core.metrics.class_quality import class_quality
from dcgan_core.images import encode_png, make_grid  # noqa: E402

N_OVERALL = 1000


def train(config, runs: Path, tag: str):
    """Train ``config`` to its budget; the finished sampling generator, recalibrated, and the steps."""
    run_dir = create_run(config, runs)
    outcome = train_run(run_dir)
    if outcome.status == "failed":
        raise SystemExit(f"{tag} failed: {outcome.message}\n{outcome.traceback}")
    gan = outcome.gan
    sampler = gan.sampler or gan.generator
    if config.recalibrate_bn:
        recalibrate_batchnorm(sampler, config)
    return sampler, int(gan.g_optimizer.iterations.numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=240.0, help="training budget of each run")
    parser.add_argument(
        "--data", default=str(bundled_dataset_path()), help="a labelled uint8 .npy (default: the digits)"
    )
    parser.add_argument("--per-class", type=int, default=200, help="images per class in the per-class measure")
    args = parser.parse_args()
    data = np.load(args.data, mmap_mode="r")
    classes = read_dataset_classes(args.data)
    if classes is None:
        raise SystemExit(f"{args.data} has no labels (a manifest with classes, or a _labels.npy beside it).")
    rng = np.random.default_rng(2026)
    overall_idx = np.sort(rng.choice(len(data), min(N_OVERALL, len(data)), replace=False))
    real_overall = np.asarray(data[overall_idx])
    real_by_class = []
    for k in range(classes.count):
        members = np.flatnonzero(classes.labels == k)
        real_by_class.append(
            np.asarray(data[np.sort(rng.choice(members, min(len(members), args.per_class), replace=False))])
        )

    count, size, channels = data.shape[0], data.shape[1], data.shape[3]
    budget = dict(epochs=100_000, max_seconds=args.seconds)
    runs = Path(tempfile.mkdtemp(prefix="conditional-"))
    results = {}
    for label, changes in (("by class", {}), ("without classes", {"conditional": False})):
        config = auto_config(count, size, channels, data_path=args.data, **budget, **changes).config
        started = time.monotonic()
        sampler, steps = train(config, runs, label)
        z = fixed_latents(config, N_OVERALL, offset=99)[: len(real_overall)]
        if config.n_classes:
            fake = generate_uint8(sampler, z, config.value_range, classes=classes.labels[overall_idx])
            z_class = fixed_latents(config, args.per_class, offset=7)
            fakes = [generate_uint8(sampler, z_class, config.value_range, classes=k) for k in range(classes.count)]
            quality = class_quality(classes.names, fakes, real_by_class)
            grid = np.concatenate([f[:10] for f in fakes])
            (runs / "by_class.png").write_bytes(encode_png(make_grid(grid, cols=10)))
        else:
            fake = generate_uint8(sampler, z, config.value_range)
            quality = None
        results[label] = {
            "swd": sliced_wasserstein_distance(real_overall, fake),
            "steps": steps,
            "seconds": time.monotonic() - started,
            "quality": quality,
        }

    print(
        f"\nDrawing by class on {Path(args.data).name} ({count:,} images, {classes.count} classes), "
        f"{args.seconds:.0f} s of training each (runs in {runs})"
    )
    print(f"  {'settings':16s} {'steps':>6s} {'SWD x1e3':>9s} {'conditioning accuracy':>22s}")
    for label, r in results.items():
        q = r["quality"]
        accuracy = (
            f"{round(q.accuracy * classes.count)} of {classes.count}"
            if q is not None
            else f"(chance: 1 of {classes.count})"
        )
        print(f"  {label:16s} {r['steps']:6d} {r['swd']:9.1f} {accuracy:>22s}")
    q = results["by class"]["quality"]
    print("\n  per class (by class): SWD x1e3 of its samples to its own real images / to the nearest other class")
    for name, own, other in zip(q.names, q.own, q.nearest_other):
        print(f"    {name[:20]:20s} {own:8.1f} / {other:8.1f}  {'ok' if own < other else 'MISSED'}")
    ratio = results["by class"]["swd"] / results["without classes"]["swd"]
    print(
        f"\n  overall SWD by class / without classes = {ratio:.2f} (goal <= 1.2); "
        f"conditioning accuracy {q.accuracy:.0%} (goal 100% on the digits)"
    )


if __name__ == "__main__":
    main()
