"""Named, documented training setups: the five seed systems and the sized custom DCGAN.

Each :class:`Preset` is a complete :class:`~dcgan_core.settings.config.TrainConfig` plus the
plain-language text the UI shows. ``preset_config(name, ...)`` returns a validated
config ready for the engine; for ``custom`` it sizes the network to the data.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcgan_core.settings.choices import FIXED_SHAPES
from dcgan_core.settings.config import TrainConfig
from dcgan_core.errors import ConfigError

__all__ = [
    "Preset",
    "PRESETS",
    "RECOMMENDED_PRESET",
    "list_presets",
    "get_preset",
    "preset_config",
]


@dataclass(frozen=True)
class Preset:
    """A named training setup.

    Attributes:
        name: Identifier used by the UI and the CLI.
        title: Short human title.
        source: Where the recipe comes from.
        description: One paragraph for a non-programmer: origin, use, weight.
        config: The complete default configuration (``data_path`` left empty).
        sized_to_data: True when image size and channels follow the dataset.
    """

    name: str
    title: str
    source: str
    description: str
    config: TrainConfig
    sized_to_data: bool = False


_PRESET_LIST: tuple[Preset, ...] = (
    Preset(
        name="custom",
        title="Quick DCGAN (recommended)",
        source="DCGAN Studio's own recipe",
        description=(
            "A standard DCGAN sized to your images (any square size from 8 to 256 pixels, "
            "grey or colour), with a width knob to trade quality for speed. Its previews come "
            "from an averaged copy of the generator whose BatchNorm statistics are re-measured "
            "before every picture, so what you see is what the model can really do, even "
            "after a minute of training. The best first choice on a laptop CPU: on the bundled "
            "digits it draws recognisable digits within a few minutes."
        ),
        config=TrainConfig(
            preset="custom",
            arch="dcgan",
            image_size=28,
            channels=1,
            latent_dim=64,
            width=1.0,
            bn_momentum=0.8,
            loss="bce_logits",
            optimizer="adam",
            g_lr=2e-4,
            d_lr=2e-4,
            beta_1=0.5,
            batch_size=64,
            epochs=20,
            ema_decay=0.99,
            recalibrate_bn=True,
            swd_every=5,
        ),
        sized_to_data=True,
    ),
    Preset(
        name="face64",
        title="Keras face DCGAN, 64x64 colour",
        source="Seed 000: Keras face DCGAN (image folder to .npy)",
        description=(
            "The classic Keras face generator: an UpSampling2D + Conv2DTranspose generator with "
            "BatchNorm (momentum 0.8) and a strided-convolution discriminator with Dropout 0.25. "
            "Adam(2e-4, 0.5), real labels smoothed to 0.9, real and fake images shown to the "
            "discriminator in one batch. Made for 64x64 colour photos such as faces; heavy: about 10 "
            "GFLOP per image per step, so minutes per 1,000 images on a CPU."
        ),
        config=TrainConfig(
            preset="face64",
            arch="face64",
            image_size=64,
            channels=3,
            latent_dim=100,
            bn_momentum=0.8,
            loss="bce_sigmoid",
            optimizer="adam",
            g_lr=2e-4,
            d_lr=2e-4,
            beta_1=0.5,
            real_label=0.9,
            fake_label=0.0,
            g_target=0.9,
            d_concat=True,
            batch_size=64,
            epochs=500,
            sample_every=50,
            checkpoint_every=10,
            swd_every=50,
            grid_size=25,
            recalibrate_bn=False,
        ),
    ),
    Preset(
        name="mnist_blocks",
        title="Block DCGAN for digits (z = 10)",
        source="Seed 001: PyTorch MNIST DCGAN (gen_block / disc_block)",
        description=(
            "A compact DCGAN built from blocks: transposed convolutions with BatchNorm and ReLU "
            "grow a 10-number latent into a 28x28 image; three convolution blocks with BatchNorm "
            "and LeakyReLU(0.2) judge it, trained with binary cross-entropy on logits and "
            "Adam(2e-4, 0.5). Small and quick: a good CPU choice for digits and other small "
            "grey images."
        ),
        config=TrainConfig(
            preset="mnist_blocks",
            arch="mnist_blocks",
            image_size=28,
            channels=1,
            latent_dim=10,
            width=1.0,
            bn_momentum=0.9,
            loss="bce_logits",
            optimizer="adam",
            g_lr=2e-4,
            d_lr=2e-4,
            beta_1=0.5,
            batch_size=128,
            epochs=50,
            recalibrate_bn=False,
        ),
    ),
    Preset(
        name="gaussian_1d",
        title="1-D Gaussian toy GAN",
        source="Seed 002 (a): Keras 1-D GAN on N(0, 1)",
        description=(
            "Not an image model: two tiny dense networks learn to imitate numbers drawn from a "
            "bell curve N(0, 1). RMSprop (1e-3 for the judge, 5e-4 for the generator), labels "
            "0.9/0.1, 1,000 real samples in three batches. Trains in seconds and shows the "
            "real and generated histograms and their KL divergence: the clearest way to see "
            "what a GAN does."
        ),
        config=TrainConfig(
            preset="gaussian_1d",
            arch="gaussian_1d",
            image_size=8,
            channels=1,
            latent_dim=16,
            latent_dist="uniform",
            loss="bce_sigmoid",
            optimizer="rmsprop",
            g_lr=5e-4,
            d_lr=1e-3,
            real_label=0.9,
            fake_label=0.1,
            g_target=0.9,
            d_concat=True,
            batch_size=334,
            epochs=1000,
            steps_per_epoch=3,
            sample_every=10,
            checkpoint_every=50,
            swd_every=0,
            grid_size=16,
            recalibrate_bn=False,
        ),
    ),
    Preset(
        name="mnist_rmsprop",
        title="Atienza DCGAN for digits (RMSprop)",
        source="Seed 002 (b): Atienza's Keras MNIST DCGAN",
        description=(
            "The DCGAN from 'Advanced Deep Learning with Keras': kernel-5 transposed "
            "convolutions [128, 64, 32, 1] with BatchNorm and ReLU, a sigmoid output in [0, 1], "
            "and a [32, 64, 128, 256] LeakyReLU discriminator. RMSprop at 2e-4 for the "
            "discriminator and half that for the generator, uniform latents. Medium weight."
        ),
        config=TrainConfig(
            preset="mnist_rmsprop",
            arch="mnist_rmsprop",
            image_size=28,
            channels=1,
            latent_dim=100,
            latent_dist="uniform",
            bn_momentum=0.99,
            value_range="unit",
            loss="bce_sigmoid",
            optimizer="rmsprop",
            g_lr=1e-4,
            d_lr=2e-4,
            d_concat=True,
            batch_size=64,
            epochs=50,
            recalibrate_bn=False,
        ),
    ),
    Preset(
        name="mnist_tutorial",
        title="TensorFlow tutorial DCGAN for digits",
        source="Seed 003: TensorFlow DCGAN tutorial (MNIST)",
        description=(
            "The official TensorFlow tutorial: a Dense 7x7x256 projection and Conv2DTranspose "
            "layers (128, 64, 1) with LeakyReLU and tanh; a discriminator with Dropout 0.3 and "
            "a logit output; Adam(1e-4) for each; one compiled training step; a fixed 16-image "
            "preview seed. As published it samples in inference mode, so early previews look "
            "worse than the model is. Medium-heavy on a CPU (about 0.5 GFLOP per image)."
        ),
        config=TrainConfig(
            preset="mnist_tutorial",
            arch="mnist_tutorial",
            image_size=28,
            channels=1,
            latent_dim=100,
            bn_momentum=0.99,
            loss="bce_logits",
            optimizer="adam",
            g_lr=1e-4,
            d_lr=1e-4,
            beta_1=0.9,
            batch_size=256,
            epochs=50,
            grid_size=16,
            recalibrate_bn=False,
        ),
    ),
    Preset(
        name="faces200",
        title="Simpsons faces, 200x200 colour",
        source="Seed 004: Keras Simpsons faces DCGAN",
        description=(
            "A large colour face generator: Dense 25x25x128 and three stride-2 "
            "Conv2DTranspose layers to 200x200x3; the discriminator gets half a batch of real "
            "and half of generated images, with one-sided label smoothing (0.9). Its "
            "discriminator ends in a Dense(8192) layer of 655 million weights: it needs about "
            "10 GB of memory and a GPU. Use the width knob to shrink it for a CPU."
        ),
        config=TrainConfig(
            preset="faces200",
            arch="faces200",
            image_size=200,
            channels=3,
            latent_dim=100,
            bn_momentum=0.99,
            loss="bce_sigmoid",
            optimizer="adam",
            g_lr=2e-4,
            d_lr=2e-4,
            beta_1=0.5,
            real_label=0.9,
            fake_label=0.0,
            g_target=1.0,
            half_batch=True,
            batch_size=256,
            epochs=300,
            sample_every=25,
            checkpoint_every=25,
            swd_every=25,
            recalibrate_bn=False,
        ),
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in _PRESET_LIST}
RECOMMENDED_PRESET = "custom"


def list_presets() -> list[Preset]:
    """All presets, the recommended one first."""
    return list(_PRESET_LIST)


def get_preset(name: str) -> Preset:
    """The preset called ``name``.

    Raises:
        ConfigError: naming the known presets when ``name`` is not one of them.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.") from None


def preset_config(
    name: str,
    data_path: str = "",
    image_size: int | None = None,
    channels: int | None = None,
    **overrides: object,
) -> TrainConfig:
    """A validated config for preset ``name`` on a dataset.

    Args:
        name: Preset name.
        data_path: The uint8 ``.npy`` dataset (ignored by ``gaussian_1d``).
        image_size: The dataset's image side; sizes ``custom`` and checks the others.
        channels: The dataset's channel count (1 or 3); every image preset follows it.
        **overrides: Any other :class:`TrainConfig` field.

    Raises:
        ConfigError: when the preset cannot make images of that size, or a value is invalid.
    """
    preset = get_preset(name)
    base = preset.config
    changes: dict[str, object] = dict(overrides)
    if base.arch != "gaussian_1d":
        changes.setdefault("data_path", data_path)
        if channels is not None:
            changes.setdefault("channels", channels)
        if image_size is not None:
            fixed = FIXED_SHAPES.get(base.arch)
            if fixed is not None and image_size != fixed[0]:
                raise ConfigError(
                    f"The {preset.title} preset makes {fixed[0]}x{fixed[0]} images but the "
                    f"dataset is {image_size}x{image_size}; convert it at {fixed[0]} pixels "
                    "or choose 'custom'."
                )
            changes.setdefault("image_size", image_size)
    return base.with_changes(**changes)
