"""Quality for a fixed wall-clock budget: SWD of 1,000 generated digits against 1,000 real ones.

Trains, one after the other in this process, the engine's recommended preset and the seed
003 recipe as published (Adam 1e-4, BatchNorm momentum 0.99, batch 256, samples drawn in
inference mode), each for the same budget on the bundled digits, then prints SWD x1e3 side
by side with real-vs-real and noise references measured by the same code.

Usage: python bench/quality.py [--seconds 240]
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
    RECOMMENDED_PRESET,
    bundled_dataset_path,
    create_run,
    fixed_latents,
    generate_uint8,
    preset_config,
    sliced_wasserstein_distance,
    train_run,
)
from dcgan_core.engine.sampling import recalibrate_batchnorm
from dcgan_core.images import encode_png, make_grid  # noqa: E402

N = 1000


def train_for(preset: str, seconds: float, runs: Path) -> tuple[object, object]:
    """Train ``preset`` on the bundled digits for ``seconds``; return (outcome, config)."""
    config = preset_config(
        preset,
        data_path=str(bundled_dataset_path()),
        image_size=28,
        channels=1,
        epochs=10_000,
        max_seconds=seconds,
        swd_every=0,
        sample_every=10_000,
        checkpoint_every=10_000,
    )
    outcome = train_run(create_run(config, runs))
    return outcome, config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=240.0)
    args = parser.parse_args()
    digits = np.load(bundled_dataset_path())
    real_a, real_b = digits[:N], digits[N : 2 * N]
    noise = np.random.default_rng(0).integers(0, 256, real_a.shape, dtype=np.uint8)
    rows = [
        ("real vs real (disjoint halves)", sliced_wasserstein_distance(real_a, real_b)),
        ("uniform noise", sliced_wasserstein_distance(real_a, noise)),
    ]
    runs = Path(tempfile.mkdtemp(prefix="quality-"))
    for label, preset, recalibrate in (
        (f"recommended preset ({RECOMMENDED_PRESET})", RECOMMENDED_PRESET, True),
        ("seed 003 recipe as published", "mnist_tutorial", False),
    ):
        started = time.monotonic()
        outcome, config = train_for(preset, args.seconds, runs)
        gan = outcome.gan
        steps = int(gan.g_optimizer.iterations.numpy())
        sampler = gan.sampler or gan.generator
        if recalibrate:
            recalibrate_batchnorm(sampler, config)
        latents = fixed_latents(config, N, offset=99)
        fake = generate_uint8(sampler, latents, config.value_range)
        rows.append(
            (f"{label}: {steps} steps in {time.monotonic() - started:.0f} s", sliced_wasserstein_distance(real_a, fake))
        )
        (runs / f"{preset}.png").write_bytes(encode_png(make_grid(fake[:64])))
        if not recalibrate:  # the same trained model, sampled with re-measured BatchNorm statistics
            recalibrate_batchnorm(sampler, config)
            fixed = generate_uint8(sampler, latents, config.value_range)
            rows.append(("  same model, BatchNorm statistics re-measured", sliced_wasserstein_distance(real_a, fixed)))
            (runs / f"{preset}_recalibrated.png").write_bytes(encode_png(make_grid(fixed[:64])))
    reference = rows[0][1]
    print(f"\nSWD x1e3 of {N} generated digits vs {N} real, budget {args.seconds:.0f} s each (grids in {runs})")
    for label, value in rows:
        print(f"  {label:60s} {value:8.1f}   ({value / reference:5.1f}x real-vs-real)")


if __name__ == "__main__":
    main()
