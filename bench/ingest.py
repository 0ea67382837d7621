"""Benchmark: image folder -> 64x64x3 uint8 .npy, against the seed's plain loop.

Generates a folder of photo-like 256x256 images (half JPEG, half PNG), then converts it
with each approach in its own fresh Python process, so that peak memory (the process's
peak resident set, minus what it held before converting) is never shared between them:

- ``plain``: the seed's way: open, resize, append to a Python list, ``np.save`` the list.
- ``ours-1``: :func:`dcgan_core.prepare_dataset` with one decoding thread.
- ``ours``: :func:`dcgan_core.prepare_dataset` with its default thread pool.
- ``procs``: the same decoding in a process pool, for comparison with threads.
- ``cache-hit``: ``prepare_dataset`` again on the same folder (a fresh process).
- ``before``: with ``--compare REF``, ``prepare_dataset`` of the package as it was at git
  ``REF`` (exported to a temporary folder), on the same images, for speed before/after.
- ``hostile``: one request of adversarial inputs (two 7000x7000 16-bit PNGs, two 7000x7000
  RGBA PNGs, two zips of 1,900 members of 1 MiB of zeros; about 5 MB on disk), converted
  in a fresh process whose whole peak resident memory is printed against the 400 MB
  process limit and the decoding budget (README, "Memory").

Prints images per second, peak memory (VmHWM after resetting it once imports are done) and the ratios against the plain loop. Goals: at
least 2x the plain loop's images per second; peak memory lower than the plain loop's by
at least the size of the output array; a cache hit in under a second; ``ours`` at least as
fast as ``before``; the hostile request under 400 MB for the whole process.

Usage: ``python bench/ingest.py [--count 3000] [--keep DIR] [--compare REF] [--no-hostile]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SIZE, SIDE = 64, 256


def photo_like(rng: np.random.Generator) -> Image.Image:
    """A 256x256 picture with smooth colour regions, a few shapes, and sensor-like noise."""
    coarse = (rng.random((rng.integers(3, 7), rng.integers(3, 7), 3)) * 255).astype(np.uint8)
    base = np.asarray(Image.fromarray(coarse).resize((SIDE, SIDE), Image.BICUBIC)).astype(np.int16)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    for _ in range(rng.integers(1, 4)):
        cy, cx, r = rng.integers(0, SIDE, 2).tolist() + [int(rng.integers(15, 70))]
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        base[mask] = (base[mask] * 0.4 + rng.integers(0, 256, 3) * 0.6).astype(np.int16)
    base += rng.normal(0, 4, base.shape).astype(np.int16)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def generate(folder: Path, count: int) -> int:
    """Write ``count`` images (alternately JPEG and PNG); returns their total bytes."""
    rng = np.random.default_rng(0)
    total = 0
    for i in range(count):
        buffer = io.BytesIO()
        if i % 2:
            photo_like(rng).save(buffer, "PNG")
            name = f"img_{i:05d}.png"
        else:
            photo_like(rng).save(buffer, "JPEG", quality=90)
            name = f"img_{i:05d}.jpg"
        (folder / name).write_bytes(buffer.getvalue())
        total += buffer.tell()
    return total


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak() -> float:
    """Reset the peak resident set to the current one (Linux), and return it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mib("VmHWM")


def _cpu_seconds() -> float:
    """CPU time of this process, its threads and its finished child processes."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _decode_path(path: str) -> np.ndarray:
    from dcgan_core import PrepareOptions
    from dcgan_core.data.decode import decode_image

    with open(path, "rb") as handle:
        return decode_image(handle.read(), PrepareOptions(size=SIZE, channels=3))[0]


def child(approach: str, folder: Path, work: Path) -> None:
    """Run one approach in this process and print its figures as JSON."""
    sys.path.insert(0, os.environ.get("DCGAN_BENCH_PACKAGE_ROOT") or str(ROOT))
    from dcgan_core import PrepareOptions, prepare_dataset, sources_from_folder

    if approach == "hostile":
        return hostile_child(folder, work)
    base = _reset_peak()  # peak memory counts from here: imports are not part of the conversion
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    if approach == "plain":
        img_list = os.listdir(folder)
        X = []
        for img_name in img_list:
            img = Image.open(str(folder) + "/" + img_name)
            img = img.resize((SIZE, SIZE))
            X.append(np.array(img))
        np.save(work / "plain.npy", X)
        count = len(X)
    elif approach == "procs":
        from concurrent.futures import ProcessPoolExecutor

        paths = sorted(str(p) for p in folder.iterdir())
        out = np.lib.format.open_memmap(
            work / "procs.npy", mode="w+", dtype=np.uint8, shape=(len(paths), SIZE, SIZE, 3)
        )
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            for index, pixels in enumerate(pool.map(_decode_path, paths, chunksize=32)):
                out[index] = pixels
        out.flush()
        count = len(paths)
    else:
        workers = 1 if approach == "ours-1" else None  # "ours", "before" and "cache-hit": the default pool
        result = prepare_dataset(
            sources_from_folder(folder, lazy=True),
            PrepareOptions(size=SIZE, channels=3),
            cache_dir=work / "cache",
            workers=workers,
        )
        count = result.report.usable
        assert result.from_cache == (approach == "cache-hit"), "unexpected cache state"
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": _cpu_seconds() - cpu_start,
                "count": count,
                "base_mib": base,
                "peak_mib": _status_mib("VmHWM"),
            }
        )
    )


def hostile_child(folder: Path, work: Path) -> None:
    """Convert the hostile folder; print the whole process's peak memory (imports included)."""
    from dcgan_core import PrepareOptions, prepare_dataset, sources_from_folder
    from dcgan_core.data.budget import DEFAULT_BUDGET_BYTES, default_budget

    start = time.perf_counter()
    result = prepare_dataset(
        sources_from_folder(folder, lazy=True), PrepareOptions(size=SIZE, channels=3), cache_dir=work / "cache"
    )
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "count": result.report.usable,
                "skipped": len(result.report.skipped),
                "peak_mib": _status_mib("VmHWM"),
                "budget_mib": default_budget().total / 2**20,
                "reserved_mib": default_budget().peak / 2**20,
                "default_budget_mib": DEFAULT_BUDGET_BYTES / 2**20,
            }
        )
    )


def make_hostile(folder: Path) -> int:
    """Write the hostile request's files into ``folder``; returns their total bytes."""
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile_samples import big_png, repeated_zip

    folder.mkdir(parents=True, exist_ok=True)
    for seed in (0, 1):
        (folder / f"grey16_{seed}.png").write_bytes(big_png(7000, 7000, "I;16", seed))
        (folder / f"rgba_{seed}.png").write_bytes(big_png(7000, 7000, "RGBA", seed))
        (folder / f"zeros_{seed}.zip").write_bytes(repeated_zip(1900, prefix=f"z{seed}_"))
    return sum(p.stat().st_size for p in folder.iterdir())


def export_package(ref: str, into: Path) -> Path:
    """``dcgan_core`` as it was at git ``ref``, written under ``into`` (for the ``before`` row)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "dcgan_core"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def measure(approach: str, folder: Path, work: Path, package_root: Path | None = None) -> dict[str, float]:
    env = {**os.environ, "DCGAN_BENCH_PACKAGE_ROOT": str(package_root or ROOT)}
    done = subprocess.run(
        [sys.executable, __file__, "--child", approach, str(folder), str(work)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def hostile_row(temp: Path) -> None:
    """Print the hostile request's peak memory against the process limit and the budget."""
    folder = temp / "hostile"
    total = make_hostile(folder)
    row = measure("hostile", folder, temp / "hostile-work")
    limit = 400.0
    print(
        f"\nhostile request ({total / 2**20:.1f} MiB on disk: 2x 7000x7000 16-bit PNG, 2x 7000x7000 RGBA PNG, "
        f"2 zips of 1,900 x 1 MiB zeros)"
    )
    print(
        f"{'approach':<10} {'usable':>7} {'skipped':>8} {'seconds':>8} {'peak MiB':>9} {'limit':>6}"
        f" {'budget':>7} {'reserved':>9}"
    )
    print(
        f"{'hostile':<10} {row['count']:>7} {row['skipped']:>8} {row['seconds']:>8.2f} {row['peak_mib']:>9.1f}"
        f" {limit:>6.0f} {row['budget_mib']:>7.0f} {row['reserved_mib']:>9.1f}"
    )
    print(
        f"hostile: whole process peaked at {row['peak_mib']:.0f} MiB (goal <= {limit:.0f}): "
        f"{'met' if row['peak_mib'] <= limit else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="images to generate (default 3000)")
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the generated images in this folder")
    parser.add_argument(
        "--compare", default=None, metavar="REF", help="also time the package as it was at this git ref (row 'before')"
    )
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile-input row")
    parser.add_argument("--child", nargs=3, metavar=("APPROACH", "FOLDER", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return

    temp = Path(tempfile.mkdtemp(prefix="dcgan-bench-"))
    try:
        folder = args.keep or temp / "images"
        folder.mkdir(parents=True, exist_ok=True)
        if len(list(folder.iterdir())) != args.count:
            for stale in list(folder.glob("img_*.png")) + list(folder.glob("img_*.jpg")):
                stale.unlink()
            start = time.perf_counter()
            total = generate(folder, args.count)
            print(f"generated {args.count} images ({total / 2**20:.1f} MiB) in {time.perf_counter() - start:.1f} s")
        output_mib = args.count * SIZE * SIZE * 3 / 2**20
        print(
            f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.2f} before the runs; "
            f"output array {args.count}x{SIZE}x{SIZE}x3 = {output_mib:.1f} MiB\n"
        )
        rows = {}
        approaches = ["plain", "ours-1", "ours", "procs", "cache-hit"]
        before_root = export_package(args.compare, temp / "before-package") if args.compare else None
        if before_root:
            approaches.insert(2, "before")
        for approach in approaches:
            work = temp / ("ours" if approach == "cache-hit" else approach)  # the hit reuses the cache of "ours"
            work.mkdir(exist_ok=True)
            rows[approach] = measure(approach, folder, work, before_root if approach == "before" else None)
            if approach != "ours":
                shutil.rmtree(work, ignore_errors=True)
        plain = rows["plain"]
        plain_rate, plain_mem = plain["count"] / plain["seconds"], plain["peak_mib"] - plain["base_mib"]
        print(
            f"{'approach':<10} {'images':>7} {'seconds':>8} {'img/s':>8} {'x plain':>8} {'img/cpu-s':>10}"
            f" {'x plain':>8} {'peak MiB':>9} {'plain - this':>13}"
        )
        plain_eff = plain["count"] / plain["cpu"]
        for name, row in rows.items():
            rate, mem = row["count"] / row["seconds"], row["peak_mib"] - row["base_mib"]
            eff = row["count"] / max(row["cpu"], 1e-9)
            print(
                f"{name:<10} {row['count']:>7} {row['seconds']:>8.2f} {rate:>8.0f} {rate / plain_rate:>8.2f}"
                f" {eff:>10.0f} {eff / plain_eff:>8.2f}"
                f" {mem:>9.1f} {plain_mem - mem:>13.1f}"
            )
        ours = rows["ours"]
        speedup = (ours["count"] / ours["seconds"]) / plain_rate
        saved = plain_mem - (ours["peak_mib"] - ours["base_mib"])
        print(f"\nspeed: {speedup:.2f}x the plain loop (goal >= 2x): {'met' if speedup >= 2 else 'NOT met'}")
        print(
            f"memory: {saved:.1f} MiB below the plain loop, output is {output_mib:.1f} MiB (goal: saved >= output): "
            f"{'met' if saved >= output_mib else 'NOT met'}"
        )
        hit = rows["cache-hit"]["seconds"]
        print(f"cache hit: {hit:.2f} s (goal < 1 s): {'met' if hit < 1 else 'NOT met'}")
        threads, procs = ours["count"] / ours["seconds"], rows["procs"]["count"] / rows["procs"]["seconds"]
        print(f"threads vs processes: {threads:.0f} vs {procs:.0f} img/s")
        if "before" in rows:
            before = rows["before"]["count"] / rows["before"]["seconds"]
            print(
                f"speed vs {args.compare}: {threads:.0f} vs {before:.0f} img/s ({threads / before:.2f}x; goal >= 1x, "
                "within the noise of one run)"
            )
        if not args.no_hostile:
            hostile_row(temp)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
