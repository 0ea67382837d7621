"""Small datasets: the first release's recommended settings against the data-aware defaults.

Trains, one after the other in this process and each for the same wall-clock budget, the
first release's recommended settings (``legacy_recommended_config``) and the new automatic
settings (``auto_config``) on (a) the bundled small colour set (face emoji, 64x64) and
(b) 200 of the bundled digits, then prints side by side for each:

* SWD x1e3 of 1,000 generated images against the real set (lower is better); for the digits
  also against 1,000 real digits the run never saw ("unseen"): a generator that memorises
  its 200 images scores well on the first and not on the second;
* the diversity ratio: per-pixel standard deviation across 1,000 samples, averaged over
  pixels, divided by the same for the real images (1.0 = as varied as the data);
* near-duplicate pairs among 64 samples: pairs whose mean absolute pixel difference is
  below ``NEAR_DUPLICATE`` (on 0-255), with the real set's count for reference;
* the run's disk use;
* the same SWD and near-duplicate count for the generator the run kept as its best (lowest
  SWD measured while training; the Explore page offers it in one click), with its epoch.

For the digits two reference rows frame the figures: real digits the run never saw (what a
perfect generator of new digits would score; the floor of the SWD column) and 1,000 copies
drawn from the 200 training images (what memorising them scores; it looks better than the
floor on the first SWD column and worse on the unseen one).

Usage: python bench/small_data.py [--seconds 600] [--sets emoji,digits] [--data PATH.npy ...]
                                  [--variant "KEY=VALUE;KEY=VALUE" ...] [--skip-legacy]

``--data`` adds any uint8 ``.npy`` image set (N, H, W, C) of your own (``scripts/make_check_sets.py``
builds three the defaults were not tuned on: food emoji in colour and in grey, and flags);
``--variant`` adds a row of the new defaults with some settings changed (to try alternatives
side by side).
Grids of 64 samples are written next to the runs (the folder is printed).
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
    bundled_emoji_path,
    create_run,
    fixed_latents,
    generate_uint8,
    load_generator,
    parse_setting,
    run_disk_usage,
    sliced_wasserstein_distance,
    train_run,
)
from dcgan_core.runs.folder import read_status
from dcgan_core.engine.sampling import recalibrate_batchnorm
from dcgan_core.settings.autoconfig import legacy_recommended_config
from dcgan_core.images import encode_png, make_grid  # noqa: E402

N_SAMPLES = 1000
N_PAIRS = 64
NEAR_DUPLICATE = 8.0  # mean absolute pixel difference (0-255) under which two images count as the same


def spread(images: np.ndarray) -> float:
    """Per-pixel standard deviation across the images, averaged over pixels."""
    return float(images.astype(np.float32).std(axis=0).mean())


def near_duplicates(images: np.ndarray, threshold: float = NEAR_DUPLICATE) -> int:
    """Pairs among ``images`` whose mean absolute pixel difference is under ``threshold``."""
    flat = images.reshape(len(images), -1).astype(np.float32)
    count = 0
    for i in range(len(flat)):
        diffs = np.abs(flat[i + 1 :] - flat[i]).mean(axis=1)
        count += int((diffs < threshold).sum())
    return count


def _datasets(
    folder: Path, wanted: list[str], extra: list[str]
) -> list[tuple[str, Path, np.ndarray, np.ndarray | None]]:
    """(name, path, the training images, real images the run never sees or None) per set."""
    sets = [(Path(p).stem, Path(p), np.load(p), None) for p in extra]
    if "emoji" in wanted:
        sets.append(("face emoji 64x64x3", bundled_emoji_path(), np.load(bundled_emoji_path()), None))
    if "digits" in wanted:
        every = np.load(bundled_dataset_path())
        digits = every[:200]
        path = folder / "digits_200.npy"
        np.save(path, digits)
        sets.append(("200 digits 28x28x1", path, digits, every[-N_SAMPLES:]))
    return sets


def reference_rows(real: np.ndarray, unseen: np.ndarray | None) -> list[tuple[str, dict[str, float]]]:
    """What a perfect generator and a memoriser score, for a set with unseen real images."""
    if unseen is None:
        return []
    copies = real[np.random.default_rng(0).integers(0, len(real), N_SAMPLES)]
    rows = []
    for label, fake in (("(unseen real)", unseen), ("(copies)", copies)):
        rows.append(
            (
                label,
                {
                    "steps": float("nan"),
                    "epochs": float("nan"),
                    "swd": sliced_wasserstein_distance(real, fake),
                    "unseen": sliced_wasserstein_distance(unseen, fake) if fake is not unseen else float("nan"),
                    "ratio": spread(fake) / spread(real),
                    "dups": float(near_duplicates(fake[:N_PAIRS])),
                    "disk_mb": 0.0,
                    "best_epoch": float("nan"),
                    "best_swd": float("nan"),
                    "best_unseen": float("nan"),
                    "best_dups": float("nan"),
                },
            )
        )
    return rows


def run_one(config, runs: Path, real: np.ndarray, tag: str, unseen: np.ndarray | None = None) -> dict[str, float]:
    """Train ``config`` to its time budget; measure the finished generator."""
    started = time.monotonic()
    run_dir = create_run(config, runs)
    outcome = train_run(run_dir)
    if outcome.status == "failed":
        raise SystemExit(f"{tag} failed: {outcome.message}\n{outcome.traceback}")
    gan = outcome.gan
    sampler = gan.sampler or gan.generator
    if config.recalibrate_bn:
        recalibrate_batchnorm(sampler, config)
    fake = generate_uint8(sampler, fixed_latents(config, N_SAMPLES, offset=99), config.value_range)
    (runs / f"{tag}.png").write_bytes(encode_png(make_grid(fake[:N_PAIRS])))
    best = int(read_status(run_dir).get("best_epoch") or 0)
    best_fake = fake
    if best and best != outcome.epoch:  # the generator the run kept as its best (lowest in-training SWD)
        generator, _ = load_generator(run_dir, best)
        best_fake = generate_uint8(generator, fixed_latents(config, N_SAMPLES, offset=99), config.value_range)
        (runs / f"{tag}_best.png").write_bytes(encode_png(make_grid(best_fake[:N_PAIRS])))
    return {
        "best_epoch": float(best or outcome.epoch),
        "best_swd": sliced_wasserstein_distance(real, best_fake),
        "best_unseen": sliced_wasserstein_distance(unseen, best_fake) if unseen is not None else float("nan"),
        "best_dups": float(near_duplicates(best_fake[:N_PAIRS])),
        "steps": float(gan.g_optimizer.iterations.numpy()),
        "epochs": float(outcome.epoch),
        "seconds": time.monotonic() - started,
        "swd": sliced_wasserstein_distance(real, fake),
        "unseen": sliced_wasserstein_distance(unseen, fake) if unseen is not None else float("nan"),
        "ratio": spread(fake) / spread(real),
        "dups": float(near_duplicates(fake[:N_PAIRS])),
        "disk_mb": run_disk_usage(run_dir) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="training budget of each run")
    parser.add_argument("--sets", default="emoji,digits", help="comma-separated: emoji, digits (or none)")
    parser.add_argument("--data", action="append", default=[], help="another uint8 .npy image set (repeatable)")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help='new defaults with changes, e.g. "width=0.25;batch_size=64" (repeatable)',
    )
    parser.add_argument("--skip-legacy", action="store_true", help="leave out the first release's settings")
    args = parser.parse_args()
    variants = [dict(parse_setting(part) for part in text.split(";") if part) for text in args.variant]
    runs = Path(tempfile.mkdtemp(prefix="small-data-"))
    table = []
    for name, path, real, unseen in _datasets(runs, args.sets.split(","), args.data):
        count, size, channels = real.shape[0], real.shape[1], real.shape[3]
        budget = dict(epochs=100_000, max_seconds=args.seconds)
        old = legacy_recommended_config(str(path), size, channels, **budget)
        new = auto_config(count, size, channels, data_path=str(path), **budget).config
        real_dups = near_duplicates(real[:N_PAIRS])
        rows = [] if args.skip_legacy else [("first release", old)]
        rows.append(("new defaults", new))
        rows += [
            (
                ",".join(f"{k}={v}" for k, v in changes.items()),
                auto_config(count, size, channels, data_path=str(path), **budget, **changes).config,
            )
            for changes in variants
        ]
        for label, config in rows:
            tag = f"{path.stem}_{''.join(c if c.isalnum() else '_' for c in label)}"
            table.append((name, label, real_dups, run_one(config, runs, real, tag, unseen)))
        table += [(name, label, real_dups, r) for label, r in reference_rows(real, unseen)]
    print(
        f"\nSmall datasets, {args.seconds:.0f} s of training each (grids and runs in {runs});"
        f" near-duplicates: mean |difference| < {NEAR_DUPLICATE:g}/255 among {N_PAIRS} samples"
    )
    print(
        f"  {'dataset':20s} {'settings':18s} {'steps':>6s} {'epochs':>6s} {'SWD x1e3':>9s} "
        f"{'(unseen)':>9s} {'diversity':>9s} {'near-dups':>9s} {'(real)':>6s} {'disk MB':>8s} "
        f"{'best ep':>7s} {'SWD@best':>8s} {'(unseen)':>9s} {'dups@best':>9s}"
    )
    for name, label, real_dups, r in table:
        print(
            f"  {name:20s} {label[:18]:18s} {r['steps']:6.0f} {r['epochs']:6.0f} {r['swd']:9.1f} "
            f"{r['unseen']:9.1f} {r['ratio']:9.2f} {r['dups']:9.0f} {real_dups:6d} {r['disk_mb']:8.1f} "
            f"{r['best_epoch']:7.0f} {r['best_swd']:8.1f} {r['best_unseen']:9.1f} {r['best_dups']:9.0f}"
        )
    for name in dict.fromkeys(row[0] for row in table):
        rows = {label: r for n, label, _, r in table if n == name}
        if "first release" in rows:
            new, old = rows["new defaults"], rows["first release"]
            unseen = (
                f", against unseen real images {new['unseen'] / old['unseen']:.2f}"
                if np.isfinite(old["unseen"])
                else ""
            )
            print(
                f"  {name}: SWD new/old = {new['swd'] / old['swd']:.2f}{unseen}; "
                f"of the generators each run kept as its best: {new['best_swd'] / old['best_swd']:.2f}"
            )
            if "(unseen real)" in rows:
                floor = rows["(unseen real)"]["swd"]
                print(
                    f"  {name}: real images the run never saw score {floor:.1f}, the floor for a generator of new "
                    f"images; new/floor = {new['swd'] / floor:.2f}, old/floor = {old['swd'] / floor:.2f}"
                )


if __name__ == "__main__":
    main()
