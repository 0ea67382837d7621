"""The ``prepare`` command, in-process through argparse and as a real subprocess."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from dcgan_core.paths import project_root
from dcgan_core.cli.prepare import add_prepare_command, run_prepare
from ingest_samples import digit_pngs, make_zip


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dcgan_core")
    add_prepare_command(parser.add_subparsers(dest="command", required=True))
    return run_prepare(parser.parse_args(["prepare", *argv]))


def digit_folder(path: Path, n: int) -> Path:
    path.mkdir()
    for name, data in digit_pngs(n):
        (path / name.split("/")[1]).write_bytes(data)
    (path / "readme.txt").write_text("these are digits")
    return path


def test_prepare_a_folder_prints_the_path_and_the_report(tmp_path, capsys):
    folder = digit_folder(tmp_path / "digits", 10)
    cache = tmp_path / "cache"
    assert run([str(folder), "--size", "32", "--channels", "1", "--fit", "pad", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out.splitlines()
    npy = Path(out[0])
    assert npy.parent == cache and np.load(npy).shape == (10, 32, 32, 1)
    assert "10 usable images, 1 skipped" in "\n".join(out)
    assert "skipped readme.txt: is a text file" in "\n".join(out)
    assert run([str(folder), "--size", "32", "--channels", "1", "--fit", "pad", "--cache-dir", str(cache)]) == 0
    assert "from the cache" in capsys.readouterr().out


def test_prepare_a_zip(tmp_path, capsys):
    archive = tmp_path / "digits.zip"
    make_zip(archive, digit_pngs(6))
    assert run([str(archive), "--cache-dir", str(tmp_path / "c")]) == 0
    assert np.load(capsys.readouterr().out.splitlines()[0]).shape == (6, 64, 64, 3)


def test_nothing_usable_or_bad_arguments_exit_2_with_one_line(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.png").write_text("not an image")
    cases = [
        ([str(empty)], "is empty"),
        ([str(texts)], "None of the 1 files could be used"),
        ([str(tmp_path / "missing")], "does not exist"),
        ([str(texts), "--size", "0"], "size"),
        ([str(tmp_path / "nota.zip")], "not a readable zip"),
    ]
    (tmp_path / "nota.zip").write_bytes(b"hello")
    for argv, message in cases:
        assert run([*argv, "--cache-dir", str(tmp_path / "cache")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not any((tmp_path / "cache").glob("*.npy"))


def test_command_runs_as_a_program(tmp_path):
    folder = digit_folder(tmp_path / "digits", 3)
    env = {**os.environ, "DCGAN_CACHE_DIR": str(tmp_path / "env-cache")}
    done = subprocess.run(
        [sys.executable, "-m", "dcgan_core", "prepare", str(folder), "--size", "28", "--channels", "1"],
        cwd=project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.splitlines()[0]).parent == tmp_path / "env-cache"
    failed = subprocess.run(
        [sys.executable, "-m", "dcgan_core", "prepare", str(tmp_path / "nowhere")],
        cwd=project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 2 and failed.stderr.startswith("error: ") and failed.stdout == ""
