"""Tests of the debiased exponential smoothing of training curves."""

import math

import pytest

from dcgan_core import ConfigError, ema_smooth


def test_weight_zero_returns_the_values():
    assert ema_smooth([3.0, 1.0, 4.0], 0.0) == [3.0, 1.0, 4.0]


def test_constant_curve_stays_constant_from_the_first_point():
    # A biased EMA started at 0 would give 0.1, 0.19, ...; debiased gives the value itself.
    smoothed = ema_smooth([5.0] * 10, 0.9)
    assert smoothed == pytest.approx([5.0] * 10)


def test_first_point_is_not_dragged_towards_zero_or_held_by_the_first_value():
    values = [10.0, 0.0, 0.0, 0.0]
    smoothed = ema_smooth(values, 0.5)
    assert smoothed[0] == pytest.approx(10.0)
    # Exact debiased averages: weights 0.5**age normalised.
    assert smoothed[1] == pytest.approx((0.5 * 10.0) / (0.5 + 1.0))
    assert smoothed[3] == pytest.approx((0.125 * 10.0) / (0.125 + 0.25 + 0.5 + 1.0))
    assert smoothed[3] < smoothed[2] < smoothed[1] < smoothed[0]


def test_matches_tensorboard_formula():
    values = [1.0, 2.0, 0.5, 3.0, 2.5, 4.0]
    weight = 0.6
    last, expected = 0.0, []
    for i, v in enumerate(values, start=1):
        last = last * weight + (1 - weight) * v
        expected.append(last / (1 - weight**i))
    assert ema_smooth(values, weight) == pytest.approx(expected)


def test_non_finite_points_pass_through_and_do_not_poison_the_rest():
    smoothed = ema_smooth([1.0, math.nan, 1.0, math.inf], 0.9)
    assert smoothed[0] == pytest.approx(1.0)
    assert math.isnan(smoothed[1])
    assert smoothed[2] == pytest.approx(1.0)
    assert smoothed[3] == math.inf


def test_reduces_noise():
    noisy = [1.0 + (0.5 if i % 2 else -0.5) for i in range(50)]
    smoothed = ema_smooth(noisy, 0.9)
    spread = max(smoothed[25:]) - min(smoothed[25:])
    assert spread < 0.2
    assert len(smoothed) == len(noisy)


@pytest.mark.parametrize("weight", [1.0, -0.1, 1.5, "0.5", True])
def test_bad_weight_is_refused(weight):
    with pytest.raises(ConfigError, match="weight"):
        ema_smooth([1.0], weight)


def test_empty_curve():
    assert ema_smooth([], 0.9) == []
