"""Tests of the numpy quality numbers (SWD, histogram KL, diversity) on the bundled digits."""

import math

import numpy as np
import pytest

from dcgan_core import DataError, bundled_dataset_path, sliced_wasserstein_distance, upscale
from dcgan_core.metrics.quality import (
    histograms,
    kl_divergence_histogram,
    mean_pairwise_distance,
    pyramid_sizes,
    swd_per_level,
)
from dcgan_core.metrics.quality import _blur, _laplacian_pyramid, _pyr_up, _w1_sorted


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    data = np.load(bundled_dataset_path())
    assert data.shape == (5000, 28, 28, 1) and data.dtype == np.uint8
    return data


def _blurred(images: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(_blur(_blur(images.astype(np.float32)))), 0, 255).astype(np.uint8)


def test_swd_ranks_real_far_below_noise_blur_and_shift(digits):
    real, other = digits[:600], digits[600:1200]
    noise = np.random.default_rng(3).integers(0, 256, other.shape, dtype=np.uint8)
    baseline = sliced_wasserstein_distance(real, other)
    assert 0 < baseline < 40
    for name, fake in (("noise", noise), ("blurred", _blurred(other)), ("shifted", np.roll(other, 3, axis=2))):
        value = sliced_wasserstein_distance(real, fake)
        assert value > 3 * baseline, (name, value, baseline)
    assert sliced_wasserstein_distance(real, noise) > sliced_wasserstein_distance(real, _blurred(other))


def test_swd_is_zero_for_identical_sets_symmetric_and_deterministic(digits):
    a, b = digits[:300], digits[300:600]
    assert sliced_wasserstein_distance(a, a.copy()) == 0.0
    assert sliced_wasserstein_distance(a, b) == sliced_wasserstein_distance(b, a)
    assert swd_per_level(a, b, seed=7) == swd_per_level(a, b, seed=7)
    other_seed = sliced_wasserstein_distance(a, b, seed=8)
    assert other_seed != sliced_wasserstein_distance(a, b, seed=7)
    assert abs(other_seed - sliced_wasserstein_distance(a, b, seed=7)) < 0.5 * other_seed


def test_swd_levels_and_shapes(digits):
    assert pyramid_sizes(28, 28) == [(28, 28), (14, 14), (7, 7)]
    assert pyramid_sizes(64, 64) == [(64, 64), (32, 32), (16, 16), (8, 8)]
    assert pyramid_sizes(8, 8) == [(8, 8)]
    assert len(pyramid_sizes(256, 256)) == 6
    assert len(swd_per_level(digits[:50], digits[50:100])) == 3
    rng = np.random.default_rng(0)
    for side in (8, 25, 256):
        x = rng.integers(0, 256, (6, side, side, 3), dtype=np.uint8)
        y = rng.integers(0, 128, (9, side, side, 3), dtype=np.uint8)  # darker, different count
        levels = swd_per_level(x, y, patches_per_image=16, dir_repeats=1, dirs_per_repeat=32)
        assert len(levels) == len(pyramid_sizes(side, side))
        assert all(math.isfinite(v) and v > 0 for v in levels)


def test_swd_refuses_mismatched_or_tiny_images(digits):
    with pytest.raises(DataError, match=r"\(28, 28, 1\) vs \(14, 14, 1\)"):
        sliced_wasserstein_distance(digits[:10], digits[:10, ::2, ::2])
    with pytest.raises(DataError, match="6x6"):
        sliced_wasserstein_distance(digits[:10, :6, :6], digits[:10, :6, :6])


def test_laplacian_pyramid_reconstructs_the_images(digits):
    images = digits[:20].astype(np.float32)
    pyramid = _laplacian_pyramid(images, 3)
    assert [p.shape[1] for p in pyramid] == [28, 14, 7]
    rebuilt = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        rebuilt = band + _pyr_up(rebuilt, band.shape[1:3])
    assert np.allclose(rebuilt, images, atol=1e-3)
    flat = _laplacian_pyramid(np.full((2, 28, 28, 3), 90.0, np.float32), 3)
    assert np.allclose(flat[0], 0.0, atol=1e-4) and np.allclose(flat[1], 0.0, atol=1e-4)
    assert np.allclose(flat[2], 90.0)  # a flat image lives in the low-pass level only


def test_w1_of_unequal_sets_matches_replicated_equal_sets():
    rng = np.random.default_rng(1)
    a = np.sort(rng.normal(size=(4, 6)), axis=1)
    b = np.sort(rng.normal(1.0, 2.0, size=(4, 4)), axis=1)
    replicated = _w1_sorted(np.repeat(a, 2, axis=1), np.repeat(b, 3, axis=1))  # 12 vs 12
    assert _w1_sorted(a, b) == pytest.approx(replicated)
    assert _w1_sorted(a, a) == 0.0


def test_kl_matches_hand_computation_and_behaves():
    p = np.array([0.0, 0.0, 1.0, 1.0])
    q = np.array([0.0, 0.0, 0.0, 1.0])
    expected = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    assert kl_divergence_histogram(p, q, bins=2) == pytest.approx(expected, abs=1e-6)
    rng = np.random.default_rng(0)
    real = rng.normal(size=20000)
    assert kl_divergence_histogram(real, rng.normal(size=20000)) < 0.05
    assert kl_divergence_histogram(real, rng.normal(2.0, 1.0, size=20000)) > 1.0
    assert kl_divergence_histogram(real, real) == pytest.approx(0.0, abs=1e-6)


def test_histograms_share_edges_and_are_densities():
    rng = np.random.default_rng(0)
    result = histograms(rng.normal(size=5000), rng.normal(3.0, 0.5, size=5000), bins=40)
    edges = result["edges"]
    assert edges.shape == (41,) and result["real"].shape == (40,) == result["fake"].shape
    width = np.diff(edges)
    assert np.sum(result["real"] * width) == pytest.approx(1.0)
    assert np.sum(result["fake"] * width) == pytest.approx(1.0)
    assert result["centers"][np.argmax(result["real"])] == pytest.approx(0.0, abs=0.5)
    assert result["centers"][np.argmax(result["fake"])] == pytest.approx(3.0, abs=0.5)


def test_diversity_zero_for_copies_larger_for_variety_and_size_free(digits):
    same = np.repeat(digits[:1], 16, axis=0)
    assert mean_pairwise_distance(same) == 0.0
    varied = mean_pairwise_distance(digits[:16])
    assert varied > 0.1
    noise = np.random.default_rng(0).integers(0, 256, (16, 28, 28, 1), dtype=np.uint8)
    assert mean_pairwise_distance(noise) > varied
    bigger = np.stack([upscale(image, 2) for image in digits[:16]])
    assert mean_pairwise_distance(bigger) == pytest.approx(varied, rel=1e-5)
    with pytest.raises(DataError, match="at least 2"):
        mean_pairwise_distance(digits[:1])
