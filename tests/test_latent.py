"""Tests of the latent maths against known values (numpy only)."""

import numpy as np
import pytest

from dcgan_core import ExplorationError, grid_2d, interpolate, latent_from_seed, move_along, sample_latents
from dcgan_core.explore.directions import Directions, direction_from_examples, directions_from_features, pca_directions
from dcgan_core.explore.latent import edit_dimensions, lerp, random_walk, scale_toward_mean, slerp, vector_arithmetic


def _max_subspace_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Largest principal angle (degrees) between the row spaces of a and b."""
    qa, _ = np.linalg.qr(np.asarray(a, np.float64).T)
    qb, _ = np.linalg.qr(np.asarray(b, np.float64).T)
    cosines = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return float(np.degrees(np.arccos(np.clip(cosines.min(), -1.0, 1.0))))


def test_seeds_are_deterministic_and_independent_of_batch_size():
    z = sample_latents(5, 16, seed=42)
    assert z.dtype == np.float32 and z.shape == (5, 16)
    assert np.array_equal(z, sample_latents(5, 16, seed=42))
    assert np.array_equal(sample_latents(1, 16, seed=44)[0], z[2])
    assert np.array_equal(latent_from_seed(42, 16), z[0])
    assert not np.array_equal(z[0], z[1])
    u = sample_latents(200, 8, seed=0, distribution="uniform")
    assert u.min() >= -1.0 and u.max() <= 1.0 and u.min() < -0.9
    with pytest.raises(ExplorationError, match="distribution"):
        latent_from_seed(0, 8, "cauchy")


def test_lerp_is_linear_and_slerp_keeps_endpoints_and_norm():
    a = latent_from_seed(1, 32)
    b = latent_from_seed(2, 32)
    assert np.allclose(lerp(a, b, 0.25), 0.75 * a + 0.25 * b, atol=1e-6)
    path = lerp(a, b, [0.0, 0.5, 1.0])
    assert path.shape == (3, 32) and np.allclose(path[1], (a + b) / 2, atol=1e-6)
    assert np.array_equal(slerp(a, b, 0.0), a) and np.array_equal(slerp(a, b, 1.0), b)
    x = np.zeros(4, np.float32)
    x[0] = 3.0
    y = np.zeros(4, np.float32)
    y[1] = 3.0
    mid = slerp(x, y, 0.5)
    assert np.linalg.norm(mid) == pytest.approx(3.0, rel=1e-6)
    assert np.allclose(mid, [3 / np.sqrt(2), 3 / np.sqrt(2), 0, 0], atol=1e-6)
    assert np.linalg.norm(lerp(x, y, 0.5)) == pytest.approx(3 / np.sqrt(2), rel=1e-6)  # lerp shrinks
    near = x + np.float32(1e-9)
    assert np.all(np.isfinite(slerp(x, near, 0.3))) and np.allclose(slerp(x, near, 0.3), x, atol=1e-6)
    with pytest.raises(ExplorationError, match=r"\(4,\).*\(5,\)"):
        slerp(x, np.zeros(5), 0.5)


def test_interpolate_hits_every_keyframe():
    keys = sample_latents(3, 8, seed=5)
    path = interpolate(keys, 9, "slerp")
    assert path.shape == (9, 8) and path.dtype == np.float32
    assert np.allclose(path[0], keys[0], atol=1e-6)
    assert np.allclose(path[4], keys[1], atol=1e-6) and np.allclose(path[8], keys[2], atol=1e-6)
    uneven = interpolate(keys, 10, "lerp")
    for key in keys:
        assert np.min(np.linalg.norm(uneven - key, axis=1)) < 1e-5
    looped = interpolate(keys, 12, "lerp", loop=True)
    assert np.allclose(looped[0], keys[0]) and np.allclose(looped[4], keys[1]) and np.allclose(looped[8], keys[2])
    assert np.allclose(looped[10], (keys[2] + keys[0]) / 2, atol=1e-6)  # on the way back to the start
    with pytest.raises(ExplorationError, match="2 frames cannot show 3 keyframes"):
        interpolate(keys, 2)


def test_random_walk_is_seeded_and_stays_on_the_shell():
    start = latent_from_seed(3, 128)
    walk = random_walk(start, 300, 0.2, seed=9)
    assert walk.shape == (300, 128) and np.array_equal(walk[0], start)
    assert np.array_equal(walk, random_walk(start, 300, 0.2, seed=9))
    assert not np.array_equal(walk, random_walk(start, 300, 0.2, seed=10))
    norms = np.linalg.norm(walk, axis=1)
    assert np.all(np.abs(norms - np.sqrt(128)) < 3.0)  # sqrt(128) ~ 11.3; the shell is ~0.7 thick
    steps = np.linalg.norm(np.diff(walk, axis=0), axis=1)
    assert 0.15 * np.sqrt(128) < steps.mean() < 0.25 * np.sqrt(128)
    far = random_walk(np.full(128, 5.0, np.float32), 200, 0.3, seed=1)
    assert abs(np.linalg.norm(far[-1]) - np.sqrt(128)) < 3.0  # drifts back from off the shell
    uniform = random_walk(np.zeros(16, np.float32), 100, 0.5, seed=0, distribution="uniform")
    assert uniform.min() >= -1.0 and uniform.max() <= 1.0


def test_truncation_arithmetic_and_edits():
    z = latent_from_seed(0, 6)
    assert np.allclose(scale_toward_mean(z, 0.5), z / 2)
    mean = np.ones(6, np.float32)
    assert np.allclose(scale_toward_mean(z, 0.0, mean), mean)
    a, b, c = sample_latents(3, 6, seed=1)
    assert np.allclose(vector_arithmetic(a, b, c), a - b + c, atol=1e-6)
    edited = edit_dimensions(z, {0: 2.5, 5: -1.0})
    assert edited[0] == 2.5 and edited[5] == -1.0 and np.array_equal(edited[1:5], z[1:5])
    assert z[0] != 2.5  # the input is not changed
    with pytest.raises(ExplorationError, match="dimension 6 does not exist; the latent has 6"):
        edit_dimensions(z, {6: 1.0})


def test_pca_recovers_a_planted_low_rank_generator():
    rng = np.random.default_rng(0)
    latent_dim, feature_dim = 16, 40
    w = rng.normal(size=(latent_dim, 3)) * np.array([5.0, 2.0, 0.7]) @ rng.normal(size=(3, feature_dim))
    latents = sample_latents(2000, latent_dim, seed=0)
    features = latents @ w + 1e-3 * rng.normal(size=(2000, feature_dim))
    feats_pca = pca_directions(features, 3)
    assert np.all(np.diff(feats_pca.explained_variance_ratio) < 0)
    assert feats_pca.explained_variance_ratio.sum() > 0.999
    w_u, _, w_vt = np.linalg.svd(w, full_matrices=False)
    assert _max_subspace_angle(feats_pca.vectors, w_vt[:3]) < 1.0  # row space of W, in feature space
    found = directions_from_features(latents, features, 3)
    assert found.vectors.shape == (3, latent_dim) and found.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(found.vectors, axis=1), 1.0, atol=1e-6)
    assert _max_subspace_angle(found.vectors, w_u[:, :3].T) < 2.0  # column space of W, in latent space
    assert found.names == ("Direction 1", "Direction 2", "Direction 3")
    # Moving along direction 1 changes the features mostly along the first component.
    effect = found.vectors[0].astype(np.float64) @ w
    share = (effect @ feats_pca.vectors.T.astype(np.float64)) ** 2 / np.sum(effect**2)
    assert share[0] > 0.9
    with pytest.raises(ExplorationError, match="2000 latents but 1999 feature rows"):
        directions_from_features(latents, features[:-1], 3)


def test_pca_on_latents_orders_variance_and_is_stable():
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(3000, 5)) * np.array([1.0, 4.0, 0.5, 2.0, 0.1])
    directions = pca_directions(samples, 3)
    assert np.argmax(np.abs(directions.vectors[0])) == 1 and np.argmax(np.abs(directions.vectors[1])) == 3
    assert list(directions.explained_variance_ratio) == sorted(directions.explained_variance_ratio, reverse=True)
    assert np.array_equal(directions.vectors, pca_directions(samples, 3).vectors)
    with pytest.raises(ExplorationError, match="cannot take 6 directions from 3000 samples of size 5"):
        pca_directions(samples, 6)


def test_direction_from_examples_recovers_a_planted_offset():
    rng = np.random.default_rng(2)
    offset = np.zeros(32)
    offset[7], offset[11] = 3.0, -4.0
    negatives = rng.normal(size=(40, 32))
    positives = rng.normal(size=(40, 32)) + offset
    d = direction_from_examples(positives, negatives)
    assert d.dtype == np.float32 and np.linalg.norm(d) == pytest.approx(1.0, abs=1e-6)
    assert float(d @ (offset / 5.0)) > 0.9
    with pytest.raises(ExplorationError, match="'has it' group is empty"):
        direction_from_examples(np.zeros((0, 32)), negatives)
    with pytest.raises(ExplorationError, match="16 values per latent, expected 32"):
        direction_from_examples(positives, negatives[:, :16])


def test_directions_move_rename_and_map():
    directions = Directions(np.array([[2.0, 0, 0], [0, 0, 5.0]]), [0.6, 0.3])
    assert np.allclose(directions.vectors, [[1, 0, 0], [0, 0, 1]]) and directions.latent_dim == 3
    renamed = directions.renamed(1, "  smile ")
    assert renamed.names == ("Direction 1", "smile") and directions.names[1] == "Direction 2"
    with pytest.raises(ExplorationError, match="direction 2 does not exist"):
        directions.renamed(2, "x")
    with pytest.raises(ValueError):
        directions.vectors[0, 0] = 3.0  # read-only
    z = np.array([1.0, 1.0, 1.0], np.float32)
    assert np.allclose(move_along(z, directions, [0.5, -2.0]), [1.5, 1.0, -1.0])
    with pytest.raises(ExplorationError, match="1 amounts for 2 directions"):
        move_along(z, directions, [1.0])
    with pytest.raises(ExplorationError, match="latent has 4 values but the directions have 3"):
        move_along(np.zeros(4), directions, [0.0, 0.0])
    grid = grid_2d(z, directions.vectors[0], directions.vectors[1], steps=3, span=1.0)
    assert grid.shape == (9, 3) and np.allclose(grid[4], z)
    assert np.allclose(grid[0], [0.0, 1.0, 0.0]) and np.allclose(grid[2], [2.0, 1.0, 0.0])  # row 0: -span on y
    assert np.allclose(grid[6], [0.0, 1.0, 2.0])  # last row: +span on y


def test_large_pca_takes_the_randomized_path_and_agrees_with_full_svd():
    rng = np.random.default_rng(4)
    features = rng.normal(size=(600, 3)) * [6.0, 3.0, 1.5] @ rng.normal(size=(3, 400)) + 0.05 * rng.normal(
        size=(600, 400)
    )
    fast = pca_directions(features, 3)  # min(600, 400) is large: randomized SVD
    _, s, vt = np.linalg.svd(features - features.mean(axis=0), full_matrices=False)
    assert _max_subspace_angle(fast.vectors, vt[:3]) < 0.5
    assert np.allclose(fast.explained_variance_ratio, s[:3] ** 2 / np.sum(s**2), rtol=1e-3)
    assert np.allclose(np.abs(np.sum(fast.vectors * vt[:3], axis=1)), 1.0, atol=1e-3)  # same order


def test_pca_basis_maps_components_into_latent_space():
    rng = np.random.default_rng(5)
    samples = rng.normal(size=(500, 4)) * [3.0, 1.0, 0.5, 0.2]
    basis = np.zeros((4, 6))
    basis[0, 5] = 2.0
    basis[1, 2] = 1.0
    basis[2, 0] = 1.0
    basis[3, 1] = 1.0
    mapped = pca_directions(samples, 2, basis=basis)
    assert mapped.latent_dim == 6
    assert np.argmax(np.abs(mapped.vectors[0])) == 5 and np.argmax(np.abs(mapped.vectors[1])) == 2
    with pytest.raises(ExplorationError, match="basis has 3 rows but the samples have 4 values"):
        pca_directions(samples, 2, basis=basis[:3])


def test_numerics_modules_import_no_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, dcgan_core.metrics.quality, dcgan_core.explore.latent, dcgan_core.explore.directions, dcgan_core.explore.explorations\n"
        "assert not any(m.split('.')[0] in ('tensorflow', 'keras', 'scipy') for m in sys.modules), 'heavy import'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
