"""What each part of the small-data training step costs, side by side in one process.

For the automatic settings on (a) the bundled face emoji (64x64x3) and (b) 200 of the bundled
digits (28x28x1), times the fused training step (``train_on_batch``, same nets, batch and
data) with the parts switched on one at a time:

* plain: no augmentation, no R1 penalty;
* + augmentation: the adaptive colour, translation and cutout, on real and generated images;
* + R1 every step: the gradient penalty on real images at every step (``r1_every=1``);
* the defaults: augmentation and the lazy R1 (every 16th step, 16 times the weight).

and prints milliseconds per step, each part's share of the default step, and the speed-up of
the lazy penalty over the every-step one (the steps a time-budgeted run gets).

Usage: python bench/small_data_step.py [--steps 80]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from dcgan_core import auto_config, bundled_dataset_path, bundled_emoji_path  # noqa: E402
from dcgan_core.engine.trainer import build_gan  # noqa: E402

WARMUP = 10
VARIANTS = (
    ("plain", {"augment_ops": "", "r1_gamma": 0.0}),
    ("+ augmentation", {"r1_gamma": 0.0}),
    ("+ R1 every step", {"r1_every": 1}),
    ("defaults (lazy R1)", {}),
)


def ms_per_step(real: np.ndarray, changes: dict, steps: int) -> float:
    """Mean wall-clock milliseconds of one training step of the automatic settings with ``changes``."""
    count, size, channels = real.shape[0], real.shape[1], real.shape[3]
    config = auto_config(count, size, channels, data_path="bench.npy", **changes).config
    gan = build_gan(config)
    rng = np.random.default_rng(0)
    batches = [real[rng.integers(0, count, config.batch_size)] for _ in range(WARMUP + steps)]
    for batch in batches[:WARMUP]:
        gan.train_on_batch(batch)
    started = time.perf_counter()
    for batch in batches[WARMUP:]:
        gan.train_on_batch(batch)
    return (time.perf_counter() - started) / steps * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=80, help="timed steps per variant (a multiple of 16)")
    args = parser.parse_args()
    sets = (
        ("face emoji 64x64x3", np.load(bundled_emoji_path())),
        ("200 digits 28x28x1", np.load(bundled_dataset_path())[:200]),
    )
    print(f"\nThe small-data step, ms per step over {args.steps} steps ({os.cpu_count()} cores)")
    for name, real in sets:
        times = {label: ms_per_step(real, changes, args.steps) for label, changes in VARIANTS}
        default = times["defaults (lazy R1)"]
        for label, _ in VARIANTS:
            print(f"  {name:20s} {label:20s} {times[label]:7.1f} ms")
        augment = times["+ augmentation"] - times["plain"]
        every_r1 = times["+ R1 every step"] - times["+ augmentation"]
        print(
            f"  {name}: augmentation {augment / default:.0%} of the default step; R1 at every step would add "
            f"{every_r1 / default:.0%}; the lazy R1 gives {times['+ R1 every step'] / default:.2f}x the steps"
        )


if __name__ == "__main__":
    main()
