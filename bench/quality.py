"""Quality for a fixed wall-clock budget: SWD of 1,000 generated digits against 1,000 real ones.

Trains, one after the other in this process and each for the same budget on the 5,000
bundled digits: the first release's recommended settings (``legacy_recommended_config``, a
grid and checkpoint every epoch), the new data-aware defaults a user gets today
(``auto_config``, with their time-based schedule), and the seed 003 recipe as published
(Adam 1e-4, BatchNorm momentum 0.99, batch 256, samples drawn in inference mode); then
prints SWD x1e3 side by side with real-vs-real and noise references measured by the same code.

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
    TrainConfig,
    auto_config,
    bundled_dataset_path,
    create_run,
    fixed_latents,
    generate_uint8,
    preset_config,
    sliced_wasserstein_distance,
    train_run,
)
from dcgan_core.engine.sampling import recalibrate_batchnorm
from dcgan_core.settings.autoconfig import legacy_recommended_config
from dcgan_core.images import encode_png, make_grid  # noqa: E402

N = 1000


def configs(seconds: float, count: int) -> list[tuple[str, TrainConfig, bool]]:
    """(label, config, sample with re-measured BatchNorm statistics) for each row to train on
    the ``count`` bundled digits."""
    data = str(bundled_dataset_path())
    budget = dict(epochs=10_000, max_seconds=seconds)
    seed_recipe = preset_config(
        "mnist_tutorial",
        data_path=data,
        image_size=28,
        channels=1,
        swd_every=0,
        sample_every=10_000,
        checkpoint_every=10_000,
        **budget,
    )
    return [
        ("first release's recommended settings", legacy_recommended_config(data, 28, 1, **budget), True),
        ("new defaults (what the app picks)", auto_config(count, 28, 1, data_path=data, **budget).config, True),
        ("seed 003 recipe as published", seed_recipe, False),
    ]


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
    for index, (label, config, recalibrate) in enumerate(configs(args.seconds, len(digits))):
        started = time.monotonic()
        outcome = train_run(create_run(config, runs))
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
        (runs / f"row{index}.png").write_bytes(encode_png(make_grid(fake[:64])))
        if not recalibrate:  # the same trained model, sampled with re-measured BatchNorm statistics
            recalibrate_batchnorm(sampler, config)
            fixed = generate_uint8(sampler, latents, config.value_range)
            rows.append(("  same model, BatchNorm statistics re-measured", sliced_wasserstein_distance(real_a, fixed)))
            (runs / f"row{index}_recalibrated.png").write_bytes(encode_png(make_grid(fixed[:64])))
    reference = rows[0][1]
    print(f"\nSWD x1e3 of {N} generated digits vs {N} real, budget {args.seconds:.0f} s each (grids in {runs})")
    for label, value in rows:
        print(f"  {label:60s} {value:8.1f}   ({value / reference:5.1f}x real-vs-real)")


if __name__ == "__main__":
    main()
