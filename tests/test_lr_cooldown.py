"""The learning-rate cool-down: the schedule, and real runs whose rates fall over their end."""

from pathlib import Path

import keras
import pytest

from engine_support import digits_npy, tiny_config

from dcgan_core import JobManager, auto_config, create_run, train_run
from dcgan_core.engine.checkpoints import restore_checkpoint
from dcgan_core.engine.lr_cooldown import LearningRateCooldown, cooldown_scale, run_share_done
from dcgan_core.engine.trainer import build_gan
from dcgan_core.errors import ConfigError


def test_the_rates_hold_then_fall_linearly_to_zero_over_the_last_share_of_the_run():
    assert [cooldown_scale(done, 0.5) for done in (0.0, 0.5, 0.75, 1.0)] == [1.0, 1.0, 0.5, 0.0]
    assert cooldown_scale(0.2, 1.0) == pytest.approx(0.8)
    assert cooldown_scale(0.99, 0.0) == 1.0  # 0: constant rates


def test_the_share_done_is_by_steps_or_by_the_time_budget_whichever_is_further():
    assert run_share_done(30, 100, 10.0, None) == pytest.approx(0.3)
    assert run_share_done(30, 100, 45.0, 60.0) == pytest.approx(0.75)
    assert run_share_done(90, 100, 6.0, 60.0) == pytest.approx(0.9)
    assert run_share_done(500, 100, 600.0, 60.0) == 1.0


class _TwoOptimizers:
    def __init__(self) -> None:
        self.g_optimizer, self.d_optimizer = keras.optimizers.Adam(1.0), keras.optimizers.Adam(1.0)


def test_a_time_budget_cools_both_rates_and_small_moves_are_not_assigned(tmp_path: Path):
    config = tiny_config(tmp_path / "x.npy", epochs=100_000, g_lr=2e-4, d_lr=1e-4, lr_cooldown=0.8, max_seconds=60.0)
    gan = _TwoOptimizers()
    cooldown = LearningRateCooldown(gan, config, total_steps=100_000 * 3)
    assert cooldown.update(10, 30.0) == pytest.approx(0.625)  # half the budget gone, 0.3 of 0.8 left
    assert float(gan.g_optimizer.learning_rate.numpy()) == pytest.approx(2e-4 * 0.625)
    assert float(gan.d_optimizer.learning_rate.numpy()) == pytest.approx(1e-4 * 0.625)
    assert cooldown.update(11, 30.01) == pytest.approx(0.625)  # moved by less than 1/500: left as it is
    assert cooldown.update(12, 60.0) == 0.0 and float(gan.g_optimizer.learning_rate.numpy()) == 0.0


def test_a_run_ends_at_the_cooled_rate_and_a_resumed_one_keeps_its_place_in_the_schedule(tmp_path: Path):
    data = digits_npy(tmp_path)
    cooled = dict(steps_per_epoch=2, swd_every=0, g_lr=2e-4, d_lr=1e-4, lr_cooldown=0.5)
    outcome = train_run(create_run(tiny_config(data, epochs=4, **cooled), tmp_path / "runs"))
    assert outcome.status == "finished", outcome.traceback
    # the last of 8 steps starts 7/8 through the run: a quarter of the way back up from the end
    assert float(outcome.gan.g_optimizer.learning_rate.numpy()) == pytest.approx(2e-4 * 0.25)
    assert float(outcome.gan.d_optimizer.learning_rate.numpy()) == pytest.approx(1e-4 * 0.25)
    constant = train_run(create_run(tiny_config(data, epochs=1, steps_per_epoch=2, swd_every=0), tmp_path / "runs"))
    assert float(constant.gan.g_optimizer.learning_rate.numpy()) == pytest.approx(constant.gan.config.g_lr)

    manager = JobManager(tmp_path / "more")
    run_id = manager.start(tiny_config(data, epochs=2, **cooled))
    assert manager.wait(run_id, timeout=300).status == "finished"
    manager.continue_run(run_id, 2)  # to 4 epochs: the schedule stretches to the new end
    assert manager.wait(run_id, timeout=300).status == "finished"
    gan = build_gan(tiny_config(data, epochs=4, **cooled))
    gan.build_optimizers()
    restore_checkpoint(tmp_path / "more" / run_id, gan)
    assert float(gan.g_optimizer.learning_rate.numpy()) == pytest.approx(2e-4 * 0.25)


def test_small_sets_cool_down_and_absurd_values_are_refused():
    small, large = auto_config(200, 28, 1, data_path="d.npy"), auto_config(60000, 28, 1, data_path="d.npy")
    assert 0 < small.config.lr_cooldown <= 1 and any("cool" in r for r in small.reasons)
    assert large.config.lr_cooldown == 0.0
    for wrong in (-0.1, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="lr_cooldown"):
            auto_config(200, 28, 1, data_path="d.npy", lr_cooldown=wrong)
