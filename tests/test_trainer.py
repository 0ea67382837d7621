"""A real few-epoch run on real digits: files on disk, resume, crash recovery, NaN handling."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from dcgan_core import (
    JobManager,
    RunError,
    create_run,
    generator_epochs,
    list_runs,
    load_generator,
    read_metrics,
    sample_epochs,
    train_run,
)
from dcgan_core.engine.checkpoints import load_exported_generator, restore_checkpoint
from dcgan_core.engine.trainer import build_gan
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.runs.folder import read_status
from dcgan_core.images import decode_png
from engine_support import digits_npy, tiny_config

ROOT = Path(__file__).resolve().parents[1]


def test_few_epoch_run_leaves_a_complete_run_directory(tmp_path):
    config = tiny_config(digits_npy(tmp_path), epochs=3)
    run_dir = create_run(config, tmp_path / "runs")
    updates = []
    outcome = train_run(run_dir, publish=updates.append)
    assert outcome.status == "finished", outcome.traceback
    metrics = read_metrics(run_dir)
    assert metrics["epoch"] == [1.0, 2.0, 3.0]
    assert all(np.isfinite(metrics["g_loss"])) and all(np.isfinite(metrics["swd"]))
    assert all(0.0 <= v <= 1.0 for v in metrics["d_acc_real"] + metrics["d_acc_fake"])
    assert sample_epochs(run_dir) == [1, 2, 3]
    grid = decode_png((run_dir / "samples" / "epoch_0003.png").read_bytes())
    assert grid.shape == (3 * 30 + 2, 3 * 30 + 2, 1) and grid.std() > 0
    assert checkpoint_epochs(run_dir) == [2, 3]  # only the newest two full checkpoints are kept
    assert generator_epochs(run_dir) == [1, 2, 3]
    assert (run_dir / "progress.gif").stat().st_size > 0
    assert read_status(run_dir)["status"] == "finished"
    exported = load_exported_generator(run_dir / "generator.keras")
    assert tuple(exported.output.shape[1:]) == (28, 28, 1)
    assert any(u.grid_epoch for u in updates) and any(u.status == "finished" for u in updates)
    # no temp files left behind by atomic writes
    assert not [p for p in run_dir.rglob("*") if ".tmp" in p.name]


def test_resume_continues_epochs_history_and_optimizer_state(tmp_path):
    data = digits_npy(tmp_path)
    manager = JobManager(tmp_path / "runs")
    run_id = manager.start(tiny_config(data, epochs=2))
    assert manager.wait(run_id, timeout=300).status == "finished"
    run_dir = tmp_path / "runs" / run_id
    before = read_metrics(run_dir)
    gan = build_gan(tiny_config(data, epochs=2))
    gan.build_optimizers()
    state = restore_checkpoint(run_dir, gan)
    steps_done = int(gan.g_optimizer.iterations.numpy())
    assert state["epoch"] == 2 and steps_done == 2 * 3
    manager.continue_run(run_id, 2)
    snap = manager.wait(run_id, timeout=300)
    assert snap.status == "finished" and snap.epoch == 4
    after = read_metrics(run_dir)
    assert after["epoch"] == [1.0, 2.0, 3.0, 4.0]
    assert after["g_loss"][:2] == before["g_loss"][:2]  # history carried, not restarted
    gan2 = build_gan(tiny_config(data, epochs=4))
    gan2.build_optimizers()
    restore_checkpoint(run_dir, gan2)
    assert int(gan2.g_optimizer.iterations.numpy()) == 4 * 3


def test_killed_process_becomes_interrupted_and_resumes(tmp_path):
    data = digits_npy(tmp_path)
    runs = tmp_path / "runs"
    config = tiny_config(data, epochs=40, steps_per_epoch=2, swd_every=0)
    run_dir = create_run(config, runs)
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / "tests")!r})
        from dcgan_core import train_run
        train_run({str(run_dir)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.time() + 240
    while time.time() < deadline and len(checkpoint_epochs(run_dir)) < 2:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # mid-run, no chance to clean up
    proc.wait()
    saved = checkpoint_epochs(run_dir)[-1]
    assert read_status(run_dir)["status"] == "running"
    manager = JobManager(runs)  # a fresh process-wide manager rescans runs/
    assert manager.interrupted == [run_dir.name]
    assert read_status(run_dir)["status"] == "interrupted"
    manager.continue_run(run_dir.name, 1)
    snap = manager.wait(run_dir.name, timeout=300)
    assert snap.status == "finished" and snap.epoch == saved + 1
    assert read_metrics(run_dir)["epoch"] == [float(e) for e in range(1, saved + 2)]


def test_nan_loss_fails_with_a_plain_reason_and_keeps_the_good_checkpoint(tmp_path):
    data = digits_npy(tmp_path)
    run_dir = create_run(tiny_config(data, epochs=1, swd_every=0), tmp_path / "runs")
    assert train_run(run_dir).status == "finished"
    archive_path = run_dir / "checkpoints" / "epoch_0001.npz"
    with np.load(archive_path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["d/0000"] = np.full_like(arrays["d/0000"], np.nan)  # the weights blow up
    with open(archive_path, "wb") as handle:
        np.savez(handle, **arrays)
    manager = JobManager(tmp_path / "runs")
    manager.continue_run(run_dir.name, 2)
    snap = manager.wait(run_dir.name, timeout=300)
    assert snap.status == "failed"
    assert "NaN" in snap.message and "learning rate" in snap.message
    assert checkpoint_epochs(run_dir) == [1]
    assert read_status(run_dir)["status"] == "failed"


def test_damaged_run_directory_is_reported_not_raised(tmp_path):
    runs = tmp_path / "runs"
    broken = runs / "20260101-000000-custom-dead"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{not json")
    (runs / "20260101-000001-custom-beef").mkdir()
    summaries = list_runs(runs)
    assert len(summaries) == 2 and all(s.damaged for s in summaries)
    assert "config.json" in summaries[0].problem
    with pytest.raises(RunError, match="config.json"):
        load_generator(broken)
    good = create_run(tiny_config(digits_npy(tmp_path)), runs)
    with pytest.raises(RunError, match="no saved generator"):
        load_generator(good)
    status = json.loads((good / "status.json").read_text())
    assert status["status"] == "queued"


@pytest.mark.parametrize("ema_decay", [0.99, 0.0])
def test_every_saved_generator_draws_the_same_whatever_the_preview_toggle(tmp_path: Path, ema_decay: float) -> None:
    """Saved generators carry BatchNorm statistics measured for them, with honest previews on or off."""
    from dcgan_core import Sampler, latent_from_seed, load_generator
    from dcgan_core.engine.sampling import recalibrate_batchnorm
    from dcgan_core.engine.sampling import generate

    data = digits_npy(tmp_path, 96)
    drawn = {}
    for toggle in (True, False):
        # a grid every 2 epochs, a checkpoint every epoch: epoch 1 is saved without a preview
        config = tiny_config(
            data, epochs=2, steps_per_epoch=2, ema_decay=ema_decay, recalibrate_bn=toggle, sample_every=2, swd_every=0
        )
        run_dir = create_run(config, tmp_path / f"runs_{toggle}")
        assert train_run(run_dir).status == "finished"
        z = latent_from_seed(0, config.latent_dim)[None, :]
        drawn[toggle] = [Sampler.from_run(run_dir, epoch).outputs(z) for epoch in (1, 2)]
        # what was saved is what a fresh measure of the same weights gives
        generator, _ = load_generator(run_dir, 1)
        saved = generate(generator, z)
        recalibrate_batchnorm(generator, config)
        np.testing.assert_allclose(saved, generate(generator, z), atol=1e-5)
    for on, off in zip(drawn[True], drawn[False]):
        np.testing.assert_allclose(on, off, atol=1e-5)


def test_the_same_seed_and_settings_give_the_same_run(tmp_path: Path) -> None:
    from dcgan_core import Sampler, latent_from_seed

    data = digits_npy(tmp_path, 96)
    drawn = []
    for seed in (5, 5, 6):
        run_dir = create_run(tiny_config(data, epochs=1, steps_per_epoch=2, swd_every=0, seed=seed), tmp_path / "runs")
        assert train_run(run_dir).status == "finished"
        drawn.append(Sampler.from_run(run_dir).outputs(latent_from_seed(0, 16)[None, :]))
    np.testing.assert_array_equal(drawn[0], drawn[1])  # initial weights, data order and latents all seeded
    assert not np.allclose(drawn[0], drawn[2])
