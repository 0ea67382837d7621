"""The explorer's sampler and exports on a real tiny run trained on real digits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from explore_support import copy_run, gif_frames, png_array, train_digits_run, train_gaussian_run

from dcgan_core import (
    CheckpointError,
    Exploration,
    ExplorationError,
    RunError,
    Sampler,
    create_run,
    decode_png,
    image_png,
    interpolate,
    interpolation_gif,
    latents_to_json,
    load_exploration,
    make_grid,
    read_run_config,
    sample_grid_path,
    save_exploration,
    walk_gif,
)
from dcgan_core.explore.explorations import latents_from_json


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("explore")
    return train_digits_run(root / "runs", root / "data")


@pytest.fixture(scope="module")
def sampler(run_dir: Path) -> Sampler:
    return Sampler.from_run(run_dir)


def test_loads_the_newest_epoch_with_the_runs_properties(run_dir: Path, sampler: Sampler) -> None:
    assert sampler.epoch == 2
    assert sampler.run_id == run_dir.name
    assert sampler.latent_dim == 16
    assert sampler.latent_distribution == "normal"
    assert sampler.value_range == "signed"
    assert sampler.is_image_model
    assert sampler.image_shape == (28, 28, 1)


def test_images_are_deterministic_and_depend_on_the_latent(run_dir: Path, sampler: Sampler) -> None:
    z = sampler.sample_latents(6, seed=3)
    first = sampler.images(z)
    assert first.dtype == np.uint8 and first.shape == (6, 28, 28, 1)
    np.testing.assert_array_equal(first, sampler.images(z))
    np.testing.assert_array_equal(first, Sampler.from_run(run_dir).images(z))  # a fresh load draws the same
    single = sampler.images(z[2])
    assert single.shape == (1, 28, 28, 1)
    assert np.abs(single[0].astype(int) - first[2].astype(int)).max() <= 1  # batch size does not matter
    assert np.abs(first[0].astype(int) - first[1].astype(int)).mean() > 1.0


def test_sampler_draws_what_training_saved_as_its_sample_grid(run_dir: Path, sampler: Sampler) -> None:
    """Grid image i is the explorer's seed i."""
    config, _ = read_run_config(run_dir)
    grid = make_grid(sampler.images(sampler.sample_latents(config.grid_size, seed=0)))
    saved = decode_png(sample_grid_path(run_dir, 2).read_bytes())
    assert grid.shape == saved.shape
    assert np.abs(grid.astype(int) - saved.astype(int)).max() <= 1


def test_an_earlier_epoch_is_a_different_generator(run_dir: Path, sampler: Sampler) -> None:
    early = Sampler.from_run(run_dir, epoch=1)
    assert early.epoch == 1
    z = sampler.sample_latents(4, seed=0)
    assert not np.array_equal(early.images(z), sampler.images(z))


def test_refuses_missing_epochs_runs_without_generators_and_damaged_files(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(RunError, match="epoch 99"):
        Sampler.from_run(run_dir, epoch=99)
    config, _ = read_run_config(run_dir)
    fresh = create_run(config, tmp_path / "runs")
    with pytest.raises(RunError, match="no saved generator"):
        Sampler.from_run(fresh)
    with pytest.raises(RunError, match="missing"):
        Sampler.from_run(tmp_path / "runs" / "nothing-here")
    garbage = copy_run(run_dir, tmp_path / "runs", "garbage")
    (garbage / "generators" / "epoch_0002.onnx").write_bytes(b"this is not a model")
    with pytest.raises(CheckpointError, match="damaged"):
        Sampler.from_run(garbage)
    truncated = copy_run(run_dir, tmp_path / "runs", "truncated")
    path = truncated / "generators" / "epoch_0002.onnx"
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(CheckpointError, match="damaged"):
        Sampler.from_run(truncated)
    assert Sampler.from_run(truncated, epoch=1).epoch == 1  # the other epoch still opens


def test_wrong_latents_and_wrong_kind_of_output_are_refused(sampler: Sampler) -> None:
    with pytest.raises(ExplorationError, match="16"):
        sampler.images(np.zeros((2, 8), np.float32))
    with pytest.raises(ExplorationError, match="NaN"):
        sampler.images(np.full((1, 16), np.nan, np.float32))
    with pytest.raises(ExplorationError, match="images"):
        sampler.values(np.zeros((1, 16), np.float32))


def test_features_are_the_first_dense_layer_and_seeded(sampler: Sampler) -> None:
    z, feats = sampler.feature_samples(64, seed=5)
    assert z.shape == (64, 16)
    assert feats.shape == (64, 7 * 7 * 32)  # Dense to 7x7x(128 * width 0.25)
    z2, feats2 = sampler.feature_samples(64, seed=5)
    np.testing.assert_array_equal(z, z2)
    np.testing.assert_allclose(feats, feats2, rtol=1e-5, atol=1e-5)


def test_discovered_directions_are_ordered_unit_vectors_that_move_their_own_component(sampler: Sampler) -> None:
    found = sampler.discover_directions(5, n=2000, seed=0)
    assert len(found) == 5 and found.latent_dim == 16
    ratios = found.explained_variance_ratio
    assert np.all(np.diff(ratios) <= 1e-12) and ratios[0] > 0 and ratios.sum() <= 1.0 + 1e-9
    np.testing.assert_allclose(np.linalg.norm(found.vectors, axis=1), 1.0, atol=1e-5)
    assert found.names[0] == "Direction 1"
    # Moving along direction 1 changes the first layer along its first principal component,
    # not along the second one (the layer is linear in z for this architecture).
    z, feats = sampler.feature_samples(2000, seed=0)
    _, _, vt = np.linalg.svd(feats - feats.mean(axis=0), full_matrices=False)
    start = z[:1]
    delta = sampler.features(start + 2.0 * found.vectors[0]) - sampler.features(start)
    along = np.abs(delta @ vt[:2].T)[0]
    assert along[1] < 0.1 * along[0]
    assert len(sampler.discover_directions(100, n=500)) == 16  # capped at the latent size


def test_png_export_upscales_a_single_image_or_tiles_a_batch(sampler: Sampler) -> None:
    images = sampler.images(sampler.sample_latents(4, seed=1))
    one = png_array(image_png(images[0], upscale=4))
    assert one.shape == (112, 112)
    np.testing.assert_array_equal(one[::4, ::4], images[0, :, :, 0])
    grid = png_array(image_png(images, upscale=2))
    assert grid.shape == (2 * (2 * 30 + 2), 2 * (2 * 30 + 2))
    with pytest.raises(ExplorationError, match="upscale"):
        image_png(images[0], upscale=0)


def test_interpolation_gif_passes_through_both_keyframes(sampler: Sampler) -> None:
    keys = sampler.sample_latents(2, seed=8)
    data = interpolation_gif(sampler, keys, frames=6, method="slerp", upscale=2, bounce=False)
    frames = gif_frames(data)
    assert len(frames) == 6 and frames[0].shape == (56, 56)
    ends = sampler.images(keys)[:, :, :, 0]
    np.testing.assert_array_equal(frames[0][::2, ::2], ends[0])
    np.testing.assert_array_equal(frames[-1][::2, ::2], ends[1])
    path = sampler.images(interpolate(keys, 6, "slerp"))[:, :, :, 0]
    np.testing.assert_array_equal(frames[3][::2, ::2], path[3])
    assert len(gif_frames(interpolation_gif(sampler, keys, frames=6, method="lerp"))) == 10  # bounced
    with pytest.raises(ExplorationError, match="frames"):
        interpolation_gif(sampler, keys, frames=1)


def test_walk_gif_is_seeded(sampler: Sampler) -> None:
    start = sampler.sample_latents(1, seed=2)[0]
    first = walk_gif(sampler, start, steps=5, step_size=0.2, seed=4)
    assert len(gif_frames(first)) == 5
    assert first == walk_gif(sampler, start, steps=5, step_size=0.2, seed=4)
    assert first != walk_gif(sampler, start, steps=5, step_size=0.2, seed=5)


def test_latents_and_explorations_load_back_to_the_same_images(run_dir: Path, sampler: Sampler) -> None:
    z = sampler.sample_latents(3, seed=11)
    back = np.stack([nv.vector for nv in latents_from_json(latents_to_json(z), expected_latent_dim=16)])
    np.testing.assert_array_equal(sampler.images(back), sampler.images(z))
    found = sampler.discover_directions(2, n=500)
    saved = save_exploration(
        Exploration(
            run_dir.name,
            sampler.epoch,
            16,
            latents=[("a", z[0]), ("b", z[1])],
            directions=list(zip(found.names, found.vectors)),
        )
    )
    assert json.loads(saved)["run_id"] == run_dir.name
    loaded = load_exploration(saved, expected_run_id=run_dir.name, expected_latent_dim=16)
    np.testing.assert_array_equal(sampler.images(loaded.latent_array()), sampler.images(z[:2]))
    with pytest.raises(ExplorationError, match="another|belongs"):
        load_exploration(saved, expected_run_id="some-other-run")
    with pytest.raises(ExplorationError, match="size"):
        load_exploration(saved, expected_latent_dim=64)


def test_the_one_dimensional_toy_makes_numbers(tmp_path: Path) -> None:
    toy = Sampler.from_run(train_gaussian_run(tmp_path / "runs"))
    assert not toy.is_image_model and toy.image_shape == (1,)
    assert toy.latent_distribution == "uniform"
    z = toy.sample_latents(50, seed=0)
    assert np.all(np.abs(z) <= 1.0)
    values = toy.values(z)
    assert values.shape == (50,) and values.dtype == np.float32
    np.testing.assert_array_equal(values, toy.values(z))
    with pytest.raises(ExplorationError, match="numbers"):
        toy.images(z)
    found = toy.discover_directions(3, n=500)
    assert len(found) == 3 and np.all(np.diff(found.explained_variance_ratio) <= 1e-12)
