"""The coach acts: an overfitting discriminator on a real tiny run gets a remedy that continues the run."""

import json

import pytest

from engine_support import digits_npy, tiny_config

from dcgan_core import JobManager, coach_messages, read_metrics, read_run_config
from dcgan_core.metrics.coach import REMEDY_OPS, remedy_for
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.cli.train import coach_lines


def test_remedy_grows_augmentation_then_slows_the_judge(tmp_path):
    config = tiny_config(digits_npy(tmp_path, 32))
    off, label = remedy_for(config, {})
    assert off == {"augment_ops": REMEDY_OPS, "augment_p": 0.5, "augment_target": 0.6} and "augmentation" in label
    on = config.with_changes(augment_ops=REMEDY_OPS, augment_p=0.5)
    stronger, label = remedy_for(on, {"augment_p": [0.4, 0.6]})
    assert stronger["augment_p"] == pytest.approx(0.9) and "stronger" in label
    full, label = remedy_for(on, {"augment_p": [1.0]})
    assert full == {"d_lr": pytest.approx(config.d_lr / 2)} and "halved" in label


def test_overfitting_is_detected_and_the_one_click_remedy_continues_the_run(tmp_path):
    # a judge that learns fast on 32 real digits while the generator barely moves: it memorises them
    runs = tmp_path / "runs"
    manager = JobManager(runs)
    config = tiny_config(
        digits_npy(tmp_path, 32), epochs=6, batch_size=8, steps_per_epoch=4, swd_every=0, d_lr=2e-3, g_lr=1e-7
    )
    run_id = manager.start(config)
    snap = manager.wait(run_id, timeout=300)
    assert snap.status == "finished", snap.traceback
    messages = coach_messages(snap.history, 32, snap.status, snap.config)
    overfit = [m for m in messages if m.rule == "overfitting"]
    assert overfit and overfit[0].remedy and overfit[0].remedy["augment_ops"] == REMEDY_OPS
    assert coach_messages(snap.history, 32, snap.status) and not any(
        m.remedy for m in coach_messages(snap.history, 32, snap.status)
    )  # no config: advice only
    lines = coach_lines(snap, 32, set())
    assert any("memorising" in line for line in lines) and any("--set augment_ops=" in line for line in lines)
    # the click: continue from the last checkpoint with the remedy's settings
    manager.continue_run(run_id, 2, overrides=overfit[0].remedy)
    again = manager.wait(run_id, timeout=300)
    assert again.status == "finished", again.traceback
    run_dir = runs / run_id
    new_config, _ = read_run_config(run_dir)
    assert new_config.augment_ops == REMEDY_OPS and new_config.epochs == 8
    metrics = read_metrics(run_dir)
    assert metrics["epoch"] == [float(e) for e in range(1, 9)]  # the same run, continued
    assert metrics["augment_p"][:6] == [0.0] * 6 and min(metrics["augment_p"][6:]) > 0.0
    assert checkpoint_epochs(run_dir)[-1] == 8
    assert json.loads((run_dir / "status.json").read_text())["status"] == "finished"
