"""Small datasets, for real: data-aware defaults, bounded snapshots, the disk floor, transfer,
the bundled colour set and the 16-image floor."""

import json
from pathlib import Path

import numpy as np
import pytest

from engine_support import digits_npy, tiny_config

from dcgan_core import (
    ConfigError,
    DataError,
    JobManager,
    auto_config,
    bundled_emoji_path,
    check_init_run,
    create_run,
    generator_epochs,
    list_datasets,
    read_metrics,
    run_disk_usage,
    sample_epochs,
    train_run,
)
from dcgan_core.engine.trainer import build_gan
from dcgan_core.engine.transfer import load_initial_weights
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.runs.folder import read_status, write_status
from dcgan_core.runs.storage import thin_picks
from dcgan_core.settings.autoconfig import legacy_recommended_config


# --- defaults chosen from the data ---------------------------------------------------------


def test_defaults_follow_the_dataset_size_and_say_why():
    small = auto_config(130, 64, 3, data_path="faces.npy")
    medium = auto_config(2000, 64, 3, data_path="faces.npy")
    large = auto_config(60000, 28, 1, data_path="digits.npy")
    assert small.config.augment_ops == "color,translation,cutout" and small.config.augment_p > 0
    assert small.config.augment_target == pytest.approx(0.6)
    assert any("130 images: augmentation on, adaptive" in r for r in small.reasons)
    assert small.config.r1_gamma == 0.5 and any("gradient penalty on real images (R1" in r for r in small.reasons)
    assert medium.config.r1_gamma == 0.0 and large.config.r1_gamma == 0.0
    with pytest.raises(ConfigError, match="r1_gamma"):
        auto_config(130, 64, 3, data_path="faces.npy", r1_gamma=-1.0)
    assert medium.config.augment_ops and medium.config.augment_p == 0.0  # adaptive from zero
    assert large.config.augment_ops == "" and any("augmentation off" in r for r in large.reasons)
    assert small.config.batch_size < large.config.batch_size
    assert small.config.width < large.config.width  # 64x64 colour on a CPU: narrower
    # a time-based schedule and bounded snapshots for every size
    for choice in (small, medium, large):
        assert choice.config.sample_every_seconds > 0 and choice.config.checkpoint_every_seconds > 0
        assert 2 <= choice.config.max_snapshots <= 32
    # tiny sets get a batch that fits them
    assert auto_config(20, 28, 1, data_path="x.npy").config.batch_size <= 10


def test_measured_speed_sizes_the_network_and_overrides_win():
    slow = auto_config(150, 64, 3, data_path="x.npy", images_per_second=20)
    fast = auto_config(150, 64, 3, data_path="x.npy", images_per_second=5000)
    assert slow.config.width < fast.config.width == 1.0
    assert any("images/s" in r for r in fast.reasons)
    mine = auto_config(150, 64, 3, data_path="x.npy", width=0.75, augment_p=0.9)
    assert mine.config.width == 0.75 and mine.config.augment_p == 0.9
    assert any("Your own settings win" in r for r in mine.reasons)
    with pytest.raises(ConfigError, match="augment_p"):
        auto_config(150, 64, 3, data_path="x.npy", augment_p=2.0)


def test_a_dataset_under_16_images_is_refused_with_a_reason(tmp_path):
    with pytest.raises(DataError, match="at least 16"):
        auto_config(10, 28, 1, data_path="x.npy")
    run = create_run(tiny_config(digits_npy(tmp_path, 10)), tmp_path / "runs")
    outcome = train_run(run)
    assert outcome.status == "failed" and "at least 16" in outcome.message and "10 image" in outcome.message
    assert "Traceback" not in outcome.message


def test_legacy_settings_stay_reproducible():
    old = legacy_recommended_config("x.npy", 64, 3)
    assert (
        old.width,
        old.batch_size,
        old.augment_ops,
        old.sample_every,
        old.checkpoint_every,
        old.max_snapshots,
        old.sample_every_seconds,
    ) == (1.0, 64, "", 1, 1, 0, 0.0)


# --- schedule and storage --------------------------------------------------------------------


def test_thinning_keeps_first_and_last_and_is_denser_early():
    epochs = list(range(1, 2001))
    kept = sorted(set(epochs) - set(thin_picks(epochs, 12)))
    assert len(kept) == 12 and kept[0] == 1 and kept[-1] == 2000
    gaps = np.diff(kept)
    assert gaps[0] < gaps[-1] and sum(k <= 100 for k in kept) >= 6


def test_a_long_run_of_tiny_epochs_keeps_a_bounded_number_of_snapshots(tmp_path):
    # 32 images, batch 16, one step per epoch: the few-step epochs of a small dataset
    config = tiny_config(
        digits_npy(tmp_path, 32), epochs=60, batch_size=16, steps_per_epoch=1, swd_every=0, grid_size=4, max_snapshots=5
    )
    run = create_run(config, tmp_path / "runs")
    assert train_run(run).status == "finished"
    snapshots = generator_epochs(run)
    assert len(snapshots) <= 5 and snapshots[0] == 1 and snapshots[-1] == 60
    assert np.all(np.diff(snapshots)[:-1] <= np.diff(snapshots)[1:] + 1)  # denser early
    assert len(sample_epochs(run)) <= 20 and sample_epochs(run)[-1] == 60
    assert checkpoint_epochs(run) == [59, 60]
    assert read_metrics(run)["epoch"] == [float(e) for e in range(1, 61)]  # every epoch still measured
    assert run_disk_usage(run) == sum(p.stat().st_size for p in run.rglob("*") if p.is_file())


def test_a_seconds_schedule_saves_first_and_last_only_in_a_short_run(tmp_path):
    config = tiny_config(
        digits_npy(tmp_path, 32),
        epochs=6,
        batch_size=16,
        steps_per_epoch=1,
        swd_every=1,
        sample_every_seconds=3600.0,
        checkpoint_every_seconds=3600.0,
        swd_every_seconds=3600.0,
    )
    run = create_run(config, tmp_path / "runs")
    assert train_run(run).status == "finished"
    assert sample_epochs(run) == [1, 6]
    assert checkpoint_epochs(run) == [1, 6]
    swd = read_metrics(run)["swd"]
    assert np.isfinite(swd[0]) and np.isfinite(swd[-1]) and not np.isfinite(swd[2])


def test_low_disk_stops_cleanly_and_keeps_the_last_checkpoint(tmp_path):
    runs = tmp_path / "runs"
    manager = JobManager(runs)
    run_id = manager.start(tiny_config(digits_npy(tmp_path, 64), epochs=2, swd_every=0))
    assert manager.wait(run_id, timeout=300).status == "finished"
    run = runs / run_id
    before = (run / "checkpoints" / "epoch_0002.npz").read_bytes()
    manager.continue_run(run_id, 3, overrides={"min_free_disk_mb": 9_000_000.0})  # more than any disk has
    snap = manager.wait(run_id, timeout=300)
    assert snap.status == "stopped" and "MB left on the disk" in snap.message and "epoch 2" in snap.message
    assert "MB left on the disk" in read_status(run)["message"]
    assert checkpoint_epochs(run) == [1, 2]
    assert (run / "checkpoints" / "epoch_0002.npz").read_bytes() == before
    assert read_metrics(run)["epoch"] == [1.0, 2.0]


# --- transfer ----------------------------------------------------------------------------------


def _finished_run(tmp_path: Path, name: str, **changes) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    run = create_run(tiny_config(digits_npy(folder, 64), epochs=2, swd_every=0, **changes), tmp_path / "runs")
    assert train_run(run).status == "finished"
    return run


def test_transfer_refuses_a_mismatch_naming_what_differs(tmp_path):
    source = _finished_run(tmp_path, "src")
    other = tiny_config(digits_npy(tmp_path, 64), width=0.5, latent_dim=8, init_from_run=str(source))
    with pytest.raises(ConfigError, match=r"latent size 16 vs 8; width 0.25 vs 0.5"):
        check_init_run(other)
    run = create_run(other, tmp_path / "runs")
    outcome = train_run(run)
    assert outcome.status == "failed" and "width 0.25 vs 0.5" in outcome.message
    with pytest.raises(ConfigError, match="no run folder"):
        check_init_run(other.with_changes(init_from_run=str(tmp_path / "nowhere")))


def test_transfer_starts_from_the_given_weights_and_can_freeze_d(tmp_path):
    source = _finished_run(tmp_path, "src")
    target_data = tmp_path / "tgt"
    target_data.mkdir()
    data = np.load(digits_npy(target_data, 256))[200:]  # other digits than the source saw
    np.save(target_data / "small.npy", data)
    config = tiny_config(target_data / "small.npy", epochs=1, swd_every=0, init_from_run=str(source), freeze_d_layers=1)
    with np.load(source / "checkpoints" / "epoch_0002.npz") as archive:
        src_g = [archive[k] for k in sorted(k for k in archive.files if k.startswith("g/"))]
        src_d = [archive[k] for k in sorted(k for k in archive.files if k.startswith("d/"))]
    gan = build_gan(config)
    assert load_initial_weights(gan, config) == 2
    assert all(np.array_equal(a, b) for a, b in zip(gan.generator.get_weights(), src_g))
    run = create_run(config, tmp_path / "runs")
    outcome = train_run(run)
    assert outcome.status == "finished", outcome.traceback
    with np.load(run / "checkpoints" / "epoch_0001.npz") as archive:
        new_d = [archive[k] for k in sorted(k for k in archive.files if k.startswith("d/"))]
        new_g = [archive[k] for k in sorted(k for k in archive.files if k.startswith("g/"))]
    assert np.array_equal(new_d[0], src_d[0]) and np.array_equal(new_d[1], src_d[1])  # frozen first conv
    assert not np.array_equal(new_d[-2], src_d[-2])  # the rest trained on
    # fine-tuned from the source, not from scratch: still close to the source weights
    fresh = build_gan(config).generator.get_weights()
    assert np.abs(new_g[0] - src_g[0]).mean() < np.abs(fresh[0] - src_g[0]).mean()
    assert json.loads((run / "config.json").read_text())["config"]["init_from_run"] == str(source)


# --- the bundled small colour set --------------------------------------------------------------


def test_the_small_colour_set_is_listed_after_the_digits_and_trains_one_epoch(tmp_path):
    infos = list_datasets(tmp_path / "empty-cache")
    assert [i.bundled for i in infos[:2]] == [True, True]
    emoji = infos[1]
    assert emoji.path == bundled_emoji_path() and emoji.shape[1:] == (64, 64, 3) and 100 <= emoji.count <= 300
    choice = auto_config(
        emoji.count,
        64,
        3,
        data_path=str(emoji.path),
        epochs=1,
        steps_per_epoch=2,
        width=0.125,
        latent_dim=16,
        grid_size=4,
        swd_every=0,
    )
    assert choice.config.augment_ops  # a small set: augmentation on
    run = create_run(choice.config, tmp_path / "runs")
    outcome = train_run(run)
    assert outcome.status == "finished", outcome.traceback
    metrics = read_metrics(run)
    assert metrics["epoch"] == [1.0] and np.isfinite(metrics["augment_p"][0]) and np.isfinite(metrics["rt"][0])
    assert sample_epochs(run) == [1] and checkpoint_epochs(run) == [1]


def test_the_best_generator_so_far_is_kept_through_thinning_and_resume(tmp_path):
    data = digits_npy(tmp_path, 64)
    manager = JobManager(tmp_path / "runs")
    run_id = manager.start(tiny_config(data, epochs=3, batch_size=16, steps_per_epoch=1, max_snapshots=2))
    assert manager.wait(run_id, timeout=300).status == "finished"
    run = tmp_path / "runs" / run_id
    status, swd = read_status(run), read_metrics(run)["swd"]
    assert status["best_swd"] == pytest.approx(min(swd)) and status["best_epoch"] == 1 + int(np.argmin(swd))
    assert status["best_epoch"] in generator_epochs(run)
    # An epoch that later ones cannot beat: a resumed run measures against it, and thinning
    # (which keeps only the first and the newest of 2) must keep it too.
    assert 3 in generator_epochs(run)
    write_status(run, best_epoch=3, best_swd=1e-9)
    manager.continue_run(run_id, 6)
    assert manager.wait(run_id, timeout=300).status == "finished"
    assert generator_epochs(run) == [1, 3, 9]  # the bound of 2, plus the protected best
    assert read_status(run)["best_epoch"] == 3


def test_a_run_stopped_by_its_time_budget_still_scores_its_last_epoch(tmp_path):
    config = tiny_config(
        digits_npy(tmp_path, 32),
        epochs=100_000,
        batch_size=16,
        steps_per_epoch=1,
        swd_every_seconds=3600.0,
        checkpoint_every_seconds=3600.0,
        max_seconds=8,
    )
    run = create_run(config, tmp_path / "runs")
    assert train_run(run).status == "stopped"
    swd = read_metrics(run)["swd"]
    assert len(swd) > 2 and np.isfinite(swd[0]) and np.isfinite(swd[-1]) and not np.isfinite(swd[1])
    best = read_status(run)["best_epoch"]
    assert best in generator_epochs(run) and read_status(run)["best_swd"] == pytest.approx(np.nanmin(swd))


def test_a_new_best_between_checkpoints_keeps_its_generator_not_a_checkpoint(tmp_path):
    config = tiny_config(digits_npy(tmp_path, 64), epochs=4, batch_size=16, steps_per_epoch=1, checkpoint_every=100)
    run = create_run(config, tmp_path / "runs")
    assert train_run(run).status == "finished"
    swd = read_metrics(run)["swd"]
    bests = {e for e in range(1, 5) if swd[e - 1] == min(swd[:e])}  # epochs that beat every earlier measure
    assert checkpoint_epochs(run) == [4]  # only the schedule's (the last epoch)
    assert generator_epochs(run) == sorted(bests | {4})
    assert all((run / "generators" / f"epoch_{e:04d}.onnx").is_file() for e in bests)
