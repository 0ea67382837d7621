"""The cost estimate counts the epoch-end work by the run's own schedule, not only the training steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import digits_npy, tiny_config

from dcgan_core.settings.estimate import estimate_cost


def test_the_estimate_adds_grids_quality_checks_and_checkpoints_as_often_as_the_run_makes_them(tmp_path: Path):
    data = digits_npy(tmp_path)
    every_epoch = estimate_cost(tiny_config(data, sample_every=1, checkpoint_every=1, swd_every=1), 256)
    assert every_epoch.extra_seconds_per_epoch > 0
    assert every_epoch.seconds_per_epoch == pytest.approx(
        every_epoch.step_seconds_per_epoch + every_epoch.extra_seconds_per_epoch
    )
    rarely = estimate_cost(tiny_config(data, sample_every=50, checkpoint_every=50, swd_every=0), 256)
    assert rarely.extra_seconds_per_epoch < every_epoch.extra_seconds_per_epoch / 5
