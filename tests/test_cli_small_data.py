"""The CLI's small-data options, run as a user would: --set, automatic settings, --init-from."""

import json
import subprocess
import sys
from pathlib import Path

from engine_support import digits_npy

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "dcgan_core", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def _error_lines(result):
    return [l for l in result.stderr.splitlines() if l.startswith("error:")]


def test_auto_settings_are_printed_and_set_changes_any_field(tmp_path):
    data = digits_npy(tmp_path, n=64)
    runs = tmp_path / "runs"
    result = _cli(
        "train",
        "--data",
        data,
        "--epochs",
        1,
        "--runs-dir",
        runs,
        "--set",
        "augment_p=0.7",
        "--set",
        "width=0.25",
        "--set",
        "steps_per_epoch=1",
        "--set",
        "swd_every=0",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "settings chosen for digits.npy (64 images" in result.stdout
    assert "64 images: augmentation on, adaptive" in result.stdout and "Your own settings win" in result.stdout
    run_dir = next(runs.iterdir())
    config = json.loads((run_dir / "config.json").read_text())["config"]
    assert config["augment_p"] == 0.7 and config["augment_ops"] == "color,translation,cutout"
    assert config["width"] == 0.25 and config["steps_per_epoch"] == 1
    # --set on resume changes the rest of the run
    result = _cli("train", "--resume", run_dir, "--epochs", 1, "--set", "d_lr=1e-4")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((run_dir / "config.json").read_text())["config"]["d_lr"] == 1e-4
    # a run of another size cannot seed this one: refused before training, naming the difference
    result = _cli("train", "--data", data, "--runs-dir", runs, "--init-from", run_dir, "--set", "width=0.5")
    assert result.returncode == 2 and "width 0.25 vs 0.5" in _error_lines(result)[0]


def test_bad_settings_exit_2_with_one_line(tmp_path):
    data = digits_npy(tmp_path, n=64)
    for args, words in (
        (("--set", "nope=1"), "Unknown setting 'nope'"),
        (("--set", "augment_p=lots"), "augment_p must be a number"),
        (("--set", "augment_p=4"), "augment_p"),
        (("--set", "width"), "KEY=VALUE"),
    ):
        result = _cli("train", "--data", data, "--runs-dir", tmp_path / "runs", *args, timeout=120)
        assert result.returncode == 2, (args, result.stdout, result.stderr[-1000:])
        assert len(_error_lines(result)) == 1 and words in _error_lines(result)[0], result.stderr
    tiny = tmp_path / "tiny.npy"
    import numpy as np

    np.save(tiny, np.load(data)[:10])
    result = _cli("train", "--data", tiny, "--runs-dir", tmp_path / "runs", timeout=120)
    assert result.returncode == 2 and "at least 16" in _error_lines(result)[0]
