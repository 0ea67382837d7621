"""The command line, run as a user would: real subprocesses, real files."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from dcgan_core.images import decode_png
from engine_support import digits_npy

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "dcgan_core", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_presets_lists_every_preset():
    result = _cli("presets")
    assert result.returncode == 0
    for name in ("custom", "face64", "mnist_blocks", "gaussian_1d", "mnist_rmsprop", "mnist_tutorial", "faces200"):
        assert name in result.stdout


def test_train_resume_and_sample(tmp_path):
    data = digits_npy(tmp_path, n=128)
    runs = tmp_path / "runs"
    result = _cli(
        "train",
        "--data",
        data,
        "--preset",
        "custom",
        "--epochs",
        1,
        "--batch-size",
        64,
        "--width",
        0.25,
        "--runs-dir",
        runs,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "finished" in result.stdout and "epoch 1/1" in result.stderr
    run_dir = next(runs.iterdir())
    result = _cli("train", "--resume", run_dir, "--epochs", 1)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Finished 2 epochs" in result.stdout
    out = tmp_path / "grid.png"
    result = _cli("sample", "--run", run_dir, "--n", 4, "--out", out, "--seed", 3)
    assert result.returncode == 0, result.stderr
    grid = decode_png(out.read_bytes())
    assert grid.shape == (2 * 30 + 2, 2 * 30 + 2, 1)
    again = tmp_path / "again.png"
    _cli("sample", "--run", run_dir, "--n", 4, "--out", again, "--seed", 3)
    assert np.array_equal(decode_png(again.read_bytes()), grid)  # deterministic for a seed
    from dcgan_core import Sampler, latent_from_seed, make_grid

    explorer = Sampler.from_run(run_dir)  # image i is the explorer's seed 3 + i
    seeds = np.stack([latent_from_seed(3 + i, explorer.latent_dim) for i in range(4)])
    assert np.array_equal(make_grid(explorer.images(seeds)), grid)


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    cases = [
        ("train", "--epochs", "0"),
        ("train", "--preset", "nope", "--runs-dir", tmp_path),
        ("train", "--data", tmp_path / "missing.npy"),
        ("sample", "--run", tmp_path / "norun", "--out", tmp_path / "x.png"),
        ("sample", "--run", tmp_path, "--out", tmp_path / "x.jpg"),
        ("frobnicate",),
    ]
    for args in cases:
        result = _cli(*args, timeout=120)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        lines = [
            l
            for l in result.stderr.splitlines()
            if l.strip()
            and "I0000" not in l
            and "WARNING" not in l
            and "oneDNN" not in l
            and "E0000" not in l
            and "AVX" not in l
            and "rebuild" not in l
        ]
        assert len(lines) == 1 or lines[-1].startswith(("error:", "python -m dcgan_core")), (args, lines)
