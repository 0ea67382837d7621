"""Reference figures of the SWD (x1e3) on the bundled digits, and what each costs.

Run: ``python3 bench/swd_reference.py [--n 1000] [--seed 0]``. Prints SWD x1e3 (mean and
per level 28/14/7) of 1,000 real digits against: another 1,000 real digits, uniform noise,
a blurred copy of those other digits, and the same digits shifted by 2 pixels, with the
seconds each took. These figures calibrate the quality goals: a trained generator should
land between real-vs-real and the degraded sets.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dcgan_core import bundled_dataset_path  # noqa: E402
from dcgan_core.metrics.quality import swd_per_level  # noqa: E402
from dcgan_core.metrics.quality import _blur  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="images per side (at most 2500)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    digits = np.load(bundled_dataset_path())
    real, other = digits[: args.n], digits[args.n : 2 * args.n]
    noise = np.random.default_rng(args.seed + 1).integers(0, 256, other.shape, dtype=np.uint8)
    blurred = np.clip(np.rint(_blur(other.astype(np.float32))), 0, 255).astype(np.uint8)
    shifted = np.roll(other, 2, axis=2)
    print(f"SWD x1e3, {len(real)} real digits vs {len(other)} others (levels 28/14/7)")
    print(f"{'comparison':<22}{'SWD':>9}{'per level':>30}{'seconds':>10}")
    floor = None
    for name, fake in (
        ("real vs real", other),
        ("real vs noise", noise),
        ("real vs blurred real", blurred),
        ("real vs shifted real", shifted),
    ):
        start = time.perf_counter()
        levels = swd_per_level(real, fake, seed=args.seed)
        seconds = time.perf_counter() - start
        value = float(np.mean(levels))
        floor = floor or value
        per_level = " / ".join(f"{v:.1f}" for v in levels)
        print(f"{name:<22}{value:>9.1f}{per_level:>30}{seconds:>10.2f}   x{value / floor:.1f} of real-vs-real")


if __name__ == "__main__":
    main()
