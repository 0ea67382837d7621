"""Differentiable augmentation on real images: shapes, ranges, gradients, seeds, adaptive strength."""

import numpy as np
import pytest

import engine_support  # noqa: F401  (quiet TensorFlow logs)
from engine_support import digits_npy, tiny_config

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from dcgan_core import ConfigError, bundled_dataset_path, bundled_emoji_path, create_run, read_metrics, train_run
from dcgan_core.engine.augment import AUGMENT_OPS, adjust_strength, augment_images, parse_augment_ops

SEED = tf.constant([3, 7], tf.int32)


def _emoji(n=16) -> tf.Tensor:
    images = np.load(bundled_emoji_path())[:n].astype(np.float32)
    return tf.constant(images / 127.5 - 1.0)


def test_strength_zero_is_the_identity_and_every_op_keeps_the_shape():
    x = _emoji()
    assert np.array_equal(augment_images(x, 0.0, AUGMENT_OPS, SEED).numpy(), x.numpy())
    for ops in (("color",), ("translation",), ("cutout",), AUGMENT_OPS):
        out = augment_images(x, 1.0, ops, SEED)
        assert out.shape == x.shape and out.dtype == x.dtype
        assert np.all(np.isfinite(out.numpy()))
        assert not np.allclose(out.numpy(), x.numpy()), ops


def test_value_ranges_translation_and_cutout_only_move_or_erase_pixels():
    x = _emoji()
    pixels = x.numpy()
    moved = augment_images(x, 1.0, ("translation",), SEED).numpy()
    assert moved.min() >= -1.0 and moved.max() <= 1.0
    assert np.isin(np.round(moved, 5), np.unique(np.round(pixels, 5))).all()  # only the image's own pixels
    assert not np.isclose(moved, 0.0).all(axis=3).any(axis=(1, 2)).all()  # no mid-grey band fills the gap
    # cutout fills a square with the image's background (the mean of its border), not mid-grey
    erased = augment_images(x, 1.0, ("cutout",), SEED).numpy()
    border = np.concatenate([pixels[:, 0], pixels[:, -1], pixels[:, :, 0], pixels[:, :, -1]], axis=1).mean(axis=1)
    changed = ~np.isclose(erased, pixels).all(axis=3)
    for i in range(len(pixels)):
        np.testing.assert_allclose(
            erased[i][changed[i]], np.broadcast_to(border[i], erased[i][changed[i]].shape), atol=1e-5
        )
    share = changed.mean(axis=(1, 2))
    assert np.all(share <= 0.25 + 1e-6) and np.mean(share > 0.02) > 0.5  # at most a half-side square
    # colour on [0, 1] images comes back in [0, 1] units, centred where it was
    unit = (x + 1.0) / 2.0
    out = augment_images(unit, 1.0, ("color",), SEED, value_range="unit").numpy()
    assert -0.5 < out.mean() < 1.5 and abs(out.mean() - unit.numpy().mean()) < 0.5


def test_grey_images_are_augmented_too():
    x = tf.constant(np.load(bundled_dataset_path())[:8].astype(np.float32) / 127.5 - 1.0)
    out = augment_images(x, 1.0, AUGMENT_OPS, SEED)
    assert out.shape == (8, 28, 28, 1) and not np.allclose(out.numpy(), x.numpy())


def test_same_seed_same_result_other_seed_other_result():
    x = _emoji()
    a = augment_images(x, 0.5, AUGMENT_OPS, SEED).numpy()
    b = augment_images(x, 0.5, AUGMENT_OPS, SEED).numpy()
    c = augment_images(x, 0.5, AUGMENT_OPS, SEED + 1).numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def _colour_one_step_at_a_time(x: np.ndarray, p: float, seed: tf.Tensor) -> np.ndarray:
    """The colour transform's definition, step by step: brightness, saturation, contrast (same draws)."""

    def draw(offset):
        return tf.random.stateless_uniform([x.shape[0], 1, 1, 1], seed + offset).numpy()

    def hit(offset):
        return draw(offset) < p

    x = np.where(hit(2), x + (draw(1) - 0.5), x)
    if x.shape[-1] > 1:
        mean = x.mean(axis=3, keepdims=True)
        x = np.where(hit(4), (x - mean) * draw(3) * 2.0 + mean, x)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return np.where(hit(6), (x - mean) * (draw(5) + 0.5) + mean, x)


def test_the_one_pass_colour_transform_equals_its_three_steps_in_turn():
    colour, grey = _emoji(), tf.constant(np.load(bundled_dataset_path())[:16].astype(np.float32) / 127.5 - 1.0)
    for images in (colour, grey):
        for p in (0.5, 1.0):
            fused = augment_images(images, p, ("color",), SEED).numpy()
            expected = _colour_one_step_at_a_time(images.numpy(), p, SEED)
            np.testing.assert_allclose(fused, expected, atol=1e-5)
            assert not np.allclose(fused, images.numpy())


def test_gradients_reach_the_generator_through_every_op():
    generator = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(8 * 8 * 3, activation="tanh"), keras.layers.Reshape((8, 8, 3))]
    )
    discriminator = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    z = tf.random.stateless_normal((16, 8), [1, 2])
    for ops in (("color",), ("translation",), ("cutout",), AUGMENT_OPS):
        with tf.GradientTape() as tape:
            fake = augment_images(generator(z), 1.0, ops, SEED)
            loss = tf.reduce_mean(discriminator(fake))
        grads = tape.gradient(loss, generator.trainable_variables)
        assert all(g is not None for g in grads), ops
        assert float(tf.add_n([tf.reduce_sum(tf.abs(g)) for g in grads])) > 0, ops


def test_adjust_strength_moves_towards_the_target():
    assert float(adjust_strength(0.5, 0.9, 0.6, 100, 1000)) == pytest.approx(0.6)
    assert float(adjust_strength(0.5, 0.1, 0.6, 100, 1000)) == pytest.approx(0.4)
    assert float(adjust_strength(0.99, 1.0, 0.6, 100, 1000)) == 1.0
    assert float(adjust_strength(0.01, -1.0, 0.6, 100, 1000)) == 0.0


def test_strength_rises_when_a_real_discriminator_overfits(tmp_path):
    # 32 real digits, a judge that learns fast and a generator that barely moves: D memorises
    # the real images, r_t goes to 1, above the 0.6 target, so the strength must rise from 0.
    config = tiny_config(
        digits_npy(tmp_path, 32),
        epochs=4,
        batch_size=8,
        steps_per_epoch=4,
        swd_every=0,
        d_lr=2e-3,
        g_lr=1e-7,
        augment_ops="color,translation,cutout",
        augment_p=0.0,
        augment_target=0.6,
        augment_speed=200,
    )
    run_dir = create_run(config, tmp_path / "runs")
    outcome = train_run(run_dir)
    assert outcome.status == "finished", outcome.traceback
    metrics = read_metrics(run_dir)
    assert metrics["rt"][-1] > 0.6
    assert metrics["augment_p"][-1] > max(0.2, metrics["augment_p"][0])
    # a fixed strength (target 0) stays where it was put
    fixed = create_run(config.with_changes(augment_p=0.3, augment_target=0.0), tmp_path / "runs")
    assert train_run(fixed).status == "finished"
    assert read_metrics(fixed)["augment_p"] == pytest.approx([0.3] * 4)


def test_absurd_settings_are_refused_with_a_reason(tmp_path):
    config = tiny_config(digits_npy(tmp_path, 32))
    with pytest.raises(ConfigError, match="augment_p"):
        config.with_changes(augment_p=3.0)
    with pytest.raises(ConfigError, match="unknown augmentation blur"):
        config.with_changes(augment_ops="color,blur")
    with pytest.raises(ConfigError, match="never apply"):
        config.with_changes(augment_ops="cutout", augment_p=0.0, augment_target=0.0)
    with pytest.raises(ValueError, match="unknown augmentation"):
        parse_augment_ops("zoom")
    assert parse_augment_ops(" cutout, COLOR ") == ("color", "cutout")
