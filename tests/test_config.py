"""Tests of the frozen TrainConfig, its validation and the presets (no TensorFlow)."""

import dataclasses

import pytest

from dcgan_core import (
    ConfigError,
    TrainConfig,
    config_from_dict,
    config_to_dict,
    get_preset,
    list_presets,
    preset_config,
)
from dcgan_core.settings.presets import PRESETS


def test_config_is_frozen_and_round_trips_through_dict():
    config = preset_config("custom", data_path="x.npy", image_size=32, channels=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 3  # type: ignore[misc]
    assert config_from_dict(config_to_dict(config)) == config
    assert config.image_shape == (32, 32, 3)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": -5}, "epochs"),
        ({"batch_size": 1}, "batch_size"),
        ({"g_lr": float("nan")}, "g_lr"),
        ({"channels": 2}, "channels"),
        ({"image_size": 4}, "image_size"),
        ({"loss": "hinge"}, "loss"),
        ({"real_label": 0.0}, "real_label"),
        ({"epochs": True}, "epochs"),
    ],
)
def test_invalid_values_name_the_field(change, field):
    base = preset_config("custom", data_path="x.npy")
    with pytest.raises(ConfigError, match=field):
        base.with_changes(**change)


def test_a_config_saved_before_the_lazy_penalty_keeps_its_penalty_at_every_step():
    config = preset_config("custom", data_path="x.npy", r1_gamma=0.5)
    assert config.r1_every == 16 and config_from_dict(config_to_dict(config)).r1_every == 16
    saved_earlier = {k: v for k, v in config_to_dict(config).items() if k != "r1_every"}
    assert config_from_dict(saved_earlier).r1_every == 1


def test_unknown_fields_are_refused():
    with pytest.raises(ConfigError, match="bogus"):
        config_from_dict({"bogus": 1})
    with pytest.raises(ConfigError, match="bogus"):
        preset_config("custom", data_path="x.npy").with_changes(bogus=1)


def test_every_seed_preset_is_present_and_valid():
    names = [p.name for p in list_presets()]
    assert names[0] == "custom"
    for name in ("face64", "mnist_blocks", "gaussian_1d", "mnist_rmsprop", "mnist_tutorial", "faces200"):
        assert name in PRESETS
        preset = get_preset(name)
        assert len(preset.description) > 80
        config = preset_config(name, data_path="x.npy")
        assert config.preset == name


def test_fixed_size_preset_refuses_other_sizes_with_advice():
    with pytest.raises(ConfigError, match="64x64"):
        preset_config("face64", data_path="x.npy", image_size=28, channels=3)
    with pytest.raises(ConfigError, match="Unknown preset"):
        get_preset("nope")


def test_seed_settings_are_faithful():
    face = get_preset("face64").config
    assert (face.bn_momentum, face.g_lr, face.beta_1, face.real_label) == (0.8, 2e-4, 0.5, 0.9)
    blocks = get_preset("mnist_blocks").config
    assert (blocks.latent_dim, blocks.loss) == (10, "bce_logits")
    toy = get_preset("gaussian_1d").config
    assert (toy.optimizer, toy.real_label, toy.fake_label) == ("rmsprop", 0.9, 0.1)
    atienza = get_preset("mnist_rmsprop").config
    assert atienza.value_range == "unit" and atienza.g_lr == atienza.d_lr / 2
    tutorial = get_preset("mnist_tutorial").config
    assert (tutorial.g_lr, tutorial.d_lr, tutorial.batch_size, tutorial.grid_size) == (1e-4, 1e-4, 256, 16)
    simpsons = get_preset("faces200").config
    assert simpsons.half_batch and simpsons.real_label == 0.9 and simpsons.image_size == 200


def test_image_model_needs_data_but_toy_does_not():
    with pytest.raises(ConfigError, match="data_path"):
        TrainConfig(data_path="").with_changes()
    assert preset_config("gaussian_1d").image_shape == (1,)
