"""Every preset builds, reports its cost, and takes a real training step on tiny data."""

import numpy as np
import pytest

from dcgan_core import preset_config
from dcgan_core.engine.gan import GAN, make_optimizer
from dcgan_core.engine.models import build_discriminator, build_generator, custom_layout, model_cost

PRESET_SHAPES = {
    "custom": (28, 1),
    "face64": (64, 3),
    "mnist_blocks": (28, 1),
    "gaussian_1d": None,
    "mnist_rmsprop": (28, 1),
    "mnist_tutorial": (28, 1),
    "faces200": (200, 3),
}


@pytest.mark.parametrize("name", list(PRESET_SHAPES))
def test_preset_builds_costs_and_trains_one_step(name):
    shape = PRESET_SHAPES[name]
    overrides = {"width": 0.125} if name in ("faces200", "face64") else {}
    if shape is None:
        config = preset_config(name, batch_size=8)
    else:
        config = preset_config(
            name, data_path="unused.npy", image_size=shape[0], channels=shape[1], batch_size=4, **overrides
        )
    g, d = build_generator(config), build_discriminator(config)
    assert tuple(g.output.shape[1:]) == config.image_shape
    assert tuple(d.output.shape[1:]) == (1,)
    cost = model_cost(config, g, d)
    assert cost.g_params > 0 and cost.d_params > 0 and cost.train_flops_per_image > cost.g_flops
    gan = GAN(config, g, d)
    gan.compile(d_optimizer=make_optimizer(config, config.d_lr), g_optimizer=make_optimizer(config, config.g_lr))
    rng = np.random.default_rng(0)
    if config.is_image_model:
        batch = rng.integers(0, 256, (config.batch_size,) + config.image_shape, dtype=np.uint8)
    else:
        batch = rng.standard_normal((config.batch_size, 1)).astype(np.float32)
    before = [w.copy() for w in g.get_weights()]
    logs = gan.train_on_batch(batch, return_dict=True)
    assert set(logs) == {"g_loss", "d_loss", "d_acc_real", "d_acc_fake", "augment_p", "rt"}
    assert all(np.isfinite(v) for v in logs.values())
    assert any(not np.allclose(a, b) for a, b in zip(before, g.get_weights())), "generator did not learn"


def test_seed_parameter_counts_match_the_published_summaries():
    tutorial = preset_config("mnist_tutorial", data_path="x.npy")
    assert build_generator(tutorial).count_params() == 2_330_944  # seed 003's generator summary
    assert build_discriminator(tutorial).count_params() == 212_865
    simpsons = preset_config("faces200", data_path="x.npy")
    g = build_generator(simpsons)
    assert g.get_layer(index=1).count_params() == 8_080_000  # seed 004: dense (None, 80000) 8080000
    assert g.count_params() == 8_080_000 + 512 + 204_864 + 256 + 51_232 + 128 + 2_403


@pytest.mark.parametrize("size", [8, 28, 30, 48, 64, 100, 128])
def test_custom_dcgan_sizes_to_any_square(size):
    base, k = custom_layout(size)
    assert base * 2**k >= size and 3 <= base <= 8
    config = preset_config("custom", data_path="x.npy", image_size=size, channels=3, width=0.25)
    assert tuple(build_generator(config).output.shape[1:]) == (size, size, 3)


def test_label_smoothing_and_half_batch_change_the_losses():
    config = preset_config("custom", data_path="x.npy", batch_size=8, width=0.25, latent_dim=8)
    batch = np.random.default_rng(1).integers(0, 256, (8, 28, 28, 1), dtype=np.uint8)
    results = {}
    for label, changes in {
        "plain": {},
        "smooth": {"real_label": 0.9, "fake_label": 0.1},
        "half": {"half_batch": True},
        "lsgan": {"loss": "lsgan"},
    }.items():
        c = config.with_changes(**changes)
        gan = GAN(c, build_generator(c), build_discriminator(c))
        gan.compile(d_optimizer=make_optimizer(c, c.d_lr), g_optimizer=make_optimizer(c, c.g_lr))
        gan.generator.set_weights([np.ones_like(w) * 0.01 for w in gan.generator.get_weights()])
        gan.discriminator.set_weights([np.ones_like(w) * 0.01 for w in gan.discriminator.get_weights()])
        results[label] = gan.train_on_batch(batch, return_dict=True)["d_loss"]
    assert len({round(v, 6) for v in results.values()}) == 4


def test_r1_penalty_is_the_squared_gradient_on_real_images_and_joins_the_judge_loss():
    import tensorflow as tf

    base = preset_config("custom", data_path="x.npy", batch_size=8, width=0.25, latent_dim=8)
    batch = np.random.default_rng(2).integers(0, 256, (8, 28, 28, 1), dtype=np.uint8)
    real = tf.constant(batch.astype(np.float32) / 127.5 - 1.0)
    weights, expected = None, None
    added = {}
    # (steps between penalties, the step the update is): every step; a due lazy step; one between
    for every, step in ((1, 0), (4, 0), (4, 5)):
        losses = {}
        for gamma in (0.0, 4.0):
            c = base.with_changes(r1_gamma=gamma, r1_every=every)
            gan = GAN(c, build_generator(c), build_discriminator(c))
            gan.compile(d_optimizer=make_optimizer(c, c.d_lr), g_optimizer=make_optimizer(c, c.g_lr))
            if weights is None:
                weights = (gan.generator.get_weights(), gan.discriminator.get_weights())
                with tf.GradientTape() as tape:
                    tape.watch(real)
                    score = tf.reduce_sum(gan.discriminator(real, training=True))
                grad = tape.gradient(score, real)
                expected = 0.5 * 4.0 * float(tf.reduce_mean(tf.reduce_sum(grad**2, axis=[1, 2, 3])))
            gan.generator.set_weights(weights[0])
            gan.discriminator.set_weights(weights[1])
            gan.g_optimizer.iterations.assign(step)
            if gamma:
                assert expected > 0 and float(gan._r1_penalty(real, None)) == pytest.approx(expected, rel=1e-4)
            losses[gamma] = gan.train_on_batch(batch, return_dict=True)["d_loss"]
        added[every, step] = losses[4.0] - losses[0.0]
    assert added[1, 0] == pytest.approx(expected, rel=1e-3)
    assert added[4, 0] == pytest.approx(4 * expected, rel=1e-3)  # lazy: 4x the penalty on every 4th step
    assert added[4, 5] == pytest.approx(0.0, abs=1e-6)  # and nothing in between


def test_every_fixed_sample_is_an_explorer_seed():
    from dcgan_core import latent_from_seed
    from dcgan_core.engine.sampling import SAMPLE_SEED_BLOCK, fixed_latents

    for dist in ("normal", "uniform"):
        config = preset_config("custom", data_path="x.npy", latent_dim=8, latent_dist=dist, seed=3)
        z = fixed_latents(config, 4, offset=5)
        first = SAMPLE_SEED_BLOCK * 6 + 10**6 * 3
        assert all(np.array_equal(z[i], latent_from_seed(first + i, 8, dist)) for i in range(4))
        assert not np.array_equal(fixed_latents(config, 1, offset=5), fixed_latents(config, 1, offset=11))
