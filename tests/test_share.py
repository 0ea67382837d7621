"""Sharing a run: model files checked against the generator, web demos, TensorBoard logs and run bundles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine_support import digits_npy, tiny_config

from dcgan_core import (
    DcganError,
    JobManager,
    RunError,
    Sampler,
    create_run,
    export_bundle,
    export_model,
    import_bundle,
    latent_from_seed,
    list_runs,
    read_metrics,
    train_run,
)
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.sharing.bundles import BundleLimits

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "dcgan_core", *args], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run on 128 real digits, 2 epochs, with TensorBoard logs, generators and checkpoints."""
    root = tmp_path_factory.mktemp("share")
    (root / "data").mkdir()
    config = tiny_config(digits_npy(root / "data", 128), epochs=2, steps_per_epoch=2)
    run_dir = create_run(config, root / "runs", dataset_name="digits")
    assert train_run(run_dir).status == "finished"
    return run_dir


@pytest.mark.parametrize(
    "fmt,name", [("keras", "g.keras"), ("savedmodel", "g_savedmodel"), ("onnx", "g.onnx"), ("tflite", "g.tflite")]
)
def test_every_model_format_is_written_and_matches_the_generator(
    trained: Path, tmp_path: Path, fmt: str, name: str
) -> None:
    result = export_model(trained, fmt, tmp_path / name, epoch=1)
    assert result.path.exists() and result.bytes > 1000 and result.epoch == 1
    assert result.max_difference <= 1e-4
    if fmt == "onnx":  # loaded back independently, it draws what the explorer draws at that epoch
        import onnxruntime as ort

        session = ort.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
        z = latent_from_seed(4, 16)[None, :]
        got = session.run(None, {session.get_inputs()[0].name: z})[0]
        np.testing.assert_allclose(got, Sampler.from_run(trained, 1).outputs(z), atol=1e-5)


def test_model_export_errors_are_plain(trained: Path, tmp_path: Path) -> None:
    with pytest.raises(RunError, match="epoch 7"):
        export_model(trained, "onnx", tmp_path / "g.onnx", epoch=7)
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    with pytest.raises(DcganError, match="Cannot write"):
        export_model(trained, "keras", blocker / "g.keras")
    with pytest.raises(DcganError, match="ending in .tflite"):
        export_model(trained, "tflite", tmp_path / "g.onnx")
    fresh = create_run(tiny_config(trained.parent.parent / "data" / "digits.npy"), tmp_path / "runs")
    with pytest.raises(RunError, match="no saved generator"):
        export_model(fresh, "keras", tmp_path / "g.keras")


def test_cli_export_and_import_and_their_errors(trained: Path, tmp_path: Path) -> None:
    ok = cli("export", str(trained), "--format", "tflite", "--out", str(tmp_path / "g.tflite"))
    assert ok.returncode == 0 and "matches the generator" in ok.stdout and (tmp_path / "g.tflite").is_file()
    bundle = cli("export", str(trained), "--format", "bundle", "--out", str(tmp_path / "run.zip"))
    assert bundle.returncode == 0, bundle.stderr
    imported = cli("import", str(tmp_path / "run.zip"), "--runs-dir", str(tmp_path / "elsewhere"))
    assert imported.returncode == 0 and "imported as" in imported.stdout
    assert [s.run_id for s in list_runs(tmp_path / "elsewhere")] == [trained.name]
    for args, words in [
        (("export", str(trained), "--format", "onnx", "--epoch", "9", "--out", str(tmp_path / "x.onnx")), "epoch 9"),
        (("export", str(tmp_path / "none"), "--format", "web", "--out", str(tmp_path / "w")), "not a run folder"),
        (("import", str(tmp_path / "g.tflite")), "not a zip"),
        (("import", str(tmp_path / "missing.zip")), "not a file"),
    ]:
        result = cli(*args)
        assert result.returncode == 2 and words in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1  # one line, no traceback


def test_bundle_round_trip_explores_and_trains_one_more_epoch(trained: Path, tmp_path: Path) -> None:
    zipped = export_bundle(trained, tmp_path / "run.zip", resumable=True)
    other = tmp_path / "other-machine" / "runs"
    run_dir = import_bundle(zipped, other)
    assert (run_dir / "dataset.npy").is_file() and checkpoint_epochs(run_dir) == [2]
    z = latent_from_seed(0, 16)[None, :]
    np.testing.assert_array_equal(Sampler.from_run(run_dir).images(z), Sampler.from_run(trained).images(z))
    manager = JobManager(other)
    manager.continue_run(run_dir.name, 1)
    done = manager.wait(run_dir.name, timeout=240)
    manager.close()
    assert done.status == "finished" and done.epoch == 3
    metrics = read_metrics(run_dir)
    assert metrics["epoch"] == [1.0, 2.0, 3.0] and metrics["g_loss"][:2] == read_metrics(trained)["g_loss"][:2]
    again = import_bundle(zipped, other)  # the same bundle twice: a second run, the first untouched
    assert again != run_dir and checkpoint_epochs(run_dir) == [2, 3]


def _rezip(source: Path, target: Path, change) -> Path:
    """A copy of a bundle with its members changed by ``change(name, data) -> [(name, data), ...]``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            for name, data in change(info.filename, old.read(info.filename)):
                new.writestr(name, data)
    return target


def test_hostile_bundles_are_refused_and_nothing_is_touched(trained: Path, tmp_path: Path) -> None:
    good = export_bundle(trained, tmp_path / "good.zip")
    runs = tmp_path / "runs"
    existing = import_bundle(good, runs)
    before = sorted(p.name for p in runs.iterdir())

    def manifest_says(latent_dim):
        def change(name, data):
            if name == "bundle.json":
                data = json.dumps({**json.loads(data), "latent_dim": latent_dim}).encode()
            return [(name, data)]

        return change

    def wrong_config(name, data):
        if name == "config.json":
            meta = json.loads(data)
            meta["config"]["latent_dim"] = 99
            data = json.dumps(meta).encode()
        return [(name, data)]

    cases = {
        "not a zip": (tmp_path / "text.zip", "not a zip"),
        "truncated": (tmp_path / "truncated.zip", "not a zip"),
        "escape": (
            _rezip(
                good,
                tmp_path / "escape.zip",
                lambda n, d: [(n, d), ("../../evil.txt", b"x")] if n == "bundle.json" else [(n, d)],
            ),
            "outside itself",
        ),
        "foreign file": (
            _rezip(
                good,
                tmp_path / "foreign.zip",
                lambda n, d: [(n, d), ("run.py", b"import os")] if n == "bundle.json" else [(n, d)],
            ),
            "does not belong",
        ),
        "changed file": (
            _rezip(good, tmp_path / "changed.zip", lambda n, d: [(n, d + b"x" if n == "metrics.csv" else d)]),
            "does not match",
        ),
        "latent size": (_rezip(good, tmp_path / "latent.zip", manifest_says(32)), "latent size"),
        "config latent": (_rezip(good, tmp_path / "config.zip", wrong_config), "does not match"),
        "no manifest": (
            _rezip(good, tmp_path / "plain.zip", lambda n, d: [] if n == "bundle.json" else [(n, d)]),
            "not a run bundle",
        ),
    }
    (tmp_path / "text.zip").write_text("hello")
    (tmp_path / "truncated.zip").write_bytes(good.read_bytes()[:2000])
    for path, words in cases.values():
        with pytest.raises(DcganError, match=words):
            import_bundle(path, runs)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.json", "{}")
        archive.writestr("dataset.npy", b"\0" * (64 * 2**20))
    with pytest.raises(DcganError, match="zip bomb"):
        import_bundle(bomb, runs)
    with pytest.raises(DcganError, match="at most 5 are accepted"):
        import_bundle(good, runs, BundleLimits(max_members=5))
    assert sorted(p.name for p in runs.iterdir()) == before  # no staging left, no run touched
    assert Sampler.from_run(existing).epoch == 2


def test_web_demo_folder_holds_the_page_the_runtime_the_model_and_the_card(trained: Path, tmp_path: Path) -> None:
    from dcgan_core import Exploration
    from dcgan_core.sharing.web_demo import build_web_demo

    exploration = Exploration(
        run_id=trained.name,
        epoch=2,
        latent_dim=16,
        latents=[("favourite", latent_from_seed(3, 16))],
        directions=[("thicker", np.eye(16, dtype=np.float32)[0])],
    )
    zipped = build_web_demo(trained, tmp_path / "demo", explorations=[exploration])
    folder = tmp_path / "demo"
    meta = json.loads((folder / "demo.json").read_text())
    assert meta["latent_dim"] == 16 and meta["image_shape"] == [28, 28, 1] and meta["epoch"] == 2
    assert "thicker" in [d["name"] for d in meta["directions"]] and meta["saved_latents"][0]["name"] == "favourite"
    assert meta["card"]["facts"]["Dataset"].startswith("digits (128 images)")
    seeds = np.fromfile(folder / "latents.bin", np.float32).reshape(meta["seed_count"], 16)
    np.testing.assert_array_equal(seeds[5], latent_from_seed(5, 16))  # seed 5 here is seed 5 in the app
    with zipfile.ZipFile(zipped) as archive:
        names = set(archive.namelist())
    assert {"demo/index.html", "demo/model.onnx", "demo/vendor/ort.wasm.min.js", "demo/vendor/LICENSE.txt"} <= names


def test_tensorboard_event_files_hold_the_scalars_and_the_grids(trained: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    events = EventAccumulator(str(trained / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    tags = set(events.Tags()["tensors"])  # TF2 summaries are tensors with a plugin name
    assert {"g_loss", "d_loss", "d_acc_real", "images_per_sec", "swd", "fixed-seed samples"} <= tags
    g_loss = events.Tensors("g_loss")
    assert [e.step for e in g_loss] == [1, 2]
    values = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in g_loss]
    assert values == pytest.approx(read_metrics(trained)["g_loss"], rel=1e-5)
    [grid] = [e for e in events.Tensors("fixed-seed samples") if e.step == 2]
    png = tensor_util.make_ndarray(grid.tensor_proto)[2]  # width, height, then the PNG bytes
    assert png[:4] == b"\x89PNG"
