"""Generator and discriminator builders for every preset, and what they cost.

Every builder uses only built-in Keras layers, so an exported generator loads back with
``safe_mode=True`` and no custom objects. ``config.width`` scales every layer's channel
count (1.0 is the published size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
from keras import layers

from dcgan_core.settings.config import TrainConfig

__all__ = [
    "build_generator",
    "build_discriminator",
    "custom_layout",
    "ModelCost",
    "model_cost",
    "CLASS_EMBEDDING",
    "CLASS_PROJECTION",
]

CLASS_EMBEDDING = "class_embedding"  # the generator's layer that turns a class into a latent-sized vector
CLASS_PROJECTION = "class_projection"  # the discriminator's class embedding (projection discriminator)


def _ch(config: TrainConfig, channels: int) -> int:
    return max(1, int(round(channels * config.width)))


def _out_activation(config: TrainConfig) -> str:
    return "tanh" if config.value_range == "signed" else "sigmoid"


def _d_head(config: TrainConfig, x):
    """Final score: a logit, or a probability for ``bce_sigmoid``."""
    return layers.Dense(1, activation="sigmoid" if config.loss == "bce_sigmoid" else None, name="score")(x)


def custom_layout(image_size: int) -> tuple[int, int]:
    """(base side, number of 2x upsamplings) for the sized DCGAN.

    The generator starts at ``base`` pixels and doubles ``k`` times; when ``base * 2**k``
    overshoots ``image_size`` the output is centre-cropped. Chooses the least overshoot,
    then the most upsamplings.
    """
    best: tuple[int, int, int] | None = None
    for k in range(1, 7):
        for base in range(3, 9):
            side = base * 2**k
            if side < image_size:
                continue
            key = (side - image_size, -k, base)
            if best is None or key < best:
                best = key
    assert best is not None
    return best[2], -best[1]


def _gen_dcgan(config: TrainConfig, z):
    base, k = custom_layout(config.image_size)
    top = min(512, 64 * 2 ** (k - 1))
    x = layers.Dense(base * base * _ch(config, top), use_bias=False)(z)
    x = layers.Reshape((base, base, _ch(config, top)))(x)
    x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
    x = layers.ReLU()(x)
    for j in range(1, k):
        x = layers.Conv2DTranspose(
            _ch(config, min(512, 64 * 2 ** (k - 1 - j))), 4, strides=2, padding="same", use_bias=False
        )(x)
        x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(config.channels, 4, strides=2, padding="same", activation=_out_activation(config))(x)
    extra = base * 2**k - config.image_size
    if extra:
        x = layers.Cropping2D(((extra // 2, extra - extra // 2), (extra // 2, extra - extra // 2)))(x)
    return x


def _disc_dcgan(config: TrainConfig, img, label=None):
    _, k = custom_layout(config.image_size)
    x = img
    for j in range(1, k + 1):
        x = layers.Conv2D(_ch(config, min(512, 64 * 2 ** (j - 1))), 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    features = layers.Flatten()(x)
    if label is None:
        return _d_head(config, features)
    # projection discriminator (Miyato & Koyama 2018): score = psi(h) + <embed(y), h>
    logit = layers.Dense(1, name="score_unconditional")(features)
    embedded = layers.Dense(int(features.shape[-1]), use_bias=False, name=CLASS_PROJECTION)(label)
    score = layers.Add()([logit, layers.Dot(axes=1, name="class_match")([embedded, features])])
    return layers.Activation("sigmoid", name="score")(score) if config.loss == "bce_sigmoid" else score


def _gen_face64(config: TrainConfig, z):
    m = config.bn_momentum
    x = layers.Dense(_ch(config, 128) * 8 * 8, activation="relu")(z)
    x = layers.Reshape((8, 8, _ch(config, 128)))(x)
    for up, filters in ((True, 64), (True, 128), (False, 128), (True, 256)):
        if up:
            x = layers.UpSampling2D()(x)
        x = layers.Conv2DTranspose(_ch(config, filters), 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization(momentum=m)(x)
    return layers.Conv2DTranspose(config.channels, 3, padding="same", activation=_out_activation(config))(x)


def _disc_face64(config: TrainConfig, img):
    x = img
    for i, (filters, stride) in enumerate(((64, 2), (128, 2), (128, 2), (256, 1))):
        x = layers.Conv2D(_ch(config, filters), 3, strides=stride, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        if i > 0:
            x = layers.BatchNormalization(momentum=0.8)(x)
        x = layers.Dropout(0.25)(x)
    return _d_head(config, layers.Flatten()(x))


def _gen_blocks(config: TrainConfig, z):
    x = layers.Reshape((1, 1, config.latent_dim))(z)
    for filters, kernel, stride in ((256, 3, 2), (128, 4, 1), (64, 3, 2)):
        x = layers.Conv2DTranspose(_ch(config, filters), kernel, strides=stride, padding="valid")(x)
        x = layers.BatchNormalization(momentum=config.bn_momentum, epsilon=1e-5)(x)
        x = layers.ReLU()(x)
    return layers.Conv2DTranspose(config.channels, 4, strides=2, padding="valid", activation=_out_activation(config))(x)


def _disc_blocks(config: TrainConfig, img):
    x = img
    for filters in (16, 32):
        x = layers.Conv2D(_ch(config, filters), 4, strides=2, padding="valid")(x)
        x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(1, 4, strides=2, padding="valid")(x)
    x = layers.Flatten()(x)
    if config.loss == "bce_sigmoid":
        x = layers.Activation("sigmoid")(x)
    return x


def _gen_rmsprop(config: TrainConfig, z):
    x = layers.Dense(7 * 7 * _ch(config, 128))(z)
    x = layers.Reshape((7, 7, _ch(config, 128)))(x)
    for filters, stride in ((128, 2), (64, 2), (32, 1), (1, 1)):
        x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
        x = layers.ReLU()(x)
        out = config.channels if filters == 1 else _ch(config, filters)
        x = layers.Conv2DTranspose(out, 5, strides=stride, padding="same")(x)
    return layers.Activation(_out_activation(config))(x)


def _disc_rmsprop(config: TrainConfig, img):
    x = img
    for filters, stride in ((32, 2), (64, 2), (128, 2), (256, 1)):
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Conv2D(_ch(config, filters), 5, strides=stride, padding="same")(x)
    return _d_head(config, layers.Flatten()(x))


def _gen_tutorial(config: TrainConfig, z):
    x = layers.Dense(7 * 7 * _ch(config, 256), use_bias=False)(z)
    x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
    x = layers.LeakyReLU(0.3)(x)
    x = layers.Reshape((7, 7, _ch(config, 256)))(x)
    for filters, stride in ((128, 1), (64, 2)):
        x = layers.Conv2DTranspose(_ch(config, filters), 5, strides=stride, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
        x = layers.LeakyReLU(0.3)(x)
    return layers.Conv2DTranspose(
        config.channels, 5, strides=2, padding="same", use_bias=False, activation=_out_activation(config)
    )(x)


def _disc_tutorial(config: TrainConfig, img):
    x = img
    for filters in (64, 128):
        x = layers.Conv2D(_ch(config, filters), 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.3)(x)
        x = layers.Dropout(0.3)(x)
    return _d_head(config, layers.Flatten()(x))


def _gen_faces200(config: TrainConfig, z):
    x = layers.Dense(25 * 25 * _ch(config, 128))(z)
    x = layers.Reshape((25, 25, _ch(config, 128)))(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
    for filters in (64, 32):
        x = layers.Conv2DTranspose(_ch(config, filters), 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
    return layers.Conv2DTranspose(config.channels, 5, strides=2, padding="same", activation=_out_activation(config))(x)


def _disc_faces200(config: TrainConfig, img):
    x = img
    for filters in (32, 64, 128):
        x = layers.Conv2D(_ch(config, filters), 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(_ch(config, 8192))(x)
    x = layers.LeakyReLU(0.2)(x)
    return _d_head(config, x)


def _gen_gaussian(config: TrainConfig, z):
    return layers.Dense(1, activation="linear")(layers.Dense(_ch(config, 32), activation="relu")(z))


def _disc_gaussian(config: TrainConfig, x):
    return _d_head(config, layers.Dense(_ch(config, 32), activation="relu")(x))


_BUILDERS = {
    "dcgan": (_gen_dcgan, _disc_dcgan),
    "face64": (_gen_face64, _disc_face64),
    "mnist_blocks": (_gen_blocks, _disc_blocks),
    "mnist_rmsprop": (_gen_rmsprop, _disc_rmsprop),
    "mnist_tutorial": (_gen_tutorial, _disc_tutorial),
    "faces200": (_gen_faces200, _disc_faces200),
    "gaussian_1d": (_gen_gaussian, _disc_gaussian),
}


def build_generator(config: TrainConfig, name: str = "generator") -> keras.Model:
    """The generator for ``config``: latent (latent_dim,) -> sample ``config.image_shape``.

    A conditional run's generator has a second input, ``label`` (n_classes,): a one-hot
    class (or a blend of classes) whose learned embedding (:data:`CLASS_EMBEDDING`, one
    latent-sized vector per class) is joined to z.
    """
    z = keras.Input((config.latent_dim,), name="z")
    if not config.n_classes:
        return keras.Model(z, _BUILDERS[config.arch][0](config, z), name=name)
    label = keras.Input((config.n_classes,), name="label")
    embedded = layers.Dense(config.latent_dim, use_bias=False, name=CLASS_EMBEDDING)(label)
    joined = layers.Concatenate(name="z_and_class")([z, embedded])
    return keras.Model([z, label], _BUILDERS[config.arch][0](config, joined), name=name)


def build_discriminator(config: TrainConfig, name: str = "discriminator") -> keras.Model:
    """The discriminator for ``config``: sample -> (batch, 1) score (logit or probability).

    A conditional run's discriminator also takes the ``label`` (n_classes,) and judges image
    and class together (a projection discriminator).
    """
    img = keras.Input(config.image_shape, name="sample")
    if not config.n_classes:
        return keras.Model(img, _BUILDERS[config.arch][1](config, img), name=name)
    label = keras.Input((config.n_classes,), name="label")
    return keras.Model([img, label], _disc_dcgan(config, img, label), name=name)


@dataclass(frozen=True)
class ModelCost:
    """Size and arithmetic cost of a configuration's networks.

    Attributes:
        g_params: Generator parameters.
        d_params: Discriminator parameters.
        g_flops: Generator forward FLOPs per sample (multiply-add = 2 FLOPs).
        d_flops: Discriminator forward FLOPs per sample.
        train_flops_per_image: FLOPs of one fused training step per real image
            (G forward and backward, D forward on real and fake, both backward passes):
            3 x G + 7 x D.
    """

    g_params: int
    d_params: int
    g_flops: int
    d_flops: int
    train_flops_per_image: int


def _forward_flops(model: keras.Model) -> int:
    total = 0
    for layer in model.layers:
        if not layer.weights:
            continue
        out_shape = layer.output.shape
        kernel = layer.weights[0]
        if isinstance(layer, layers.Conv2DTranspose):
            in_shape = layer.input.shape
            kh, kw, cout, cin = kernel.shape
            total += 2 * kh * kw * cin * cout * in_shape[1] * in_shape[2]
        elif isinstance(layer, layers.Conv2D):
            kh, kw, cin, cout = kernel.shape
            total += 2 * kh * kw * cin * cout * out_shape[1] * out_shape[2]
        elif isinstance(layer, layers.Dense):
            total += 2 * kernel.shape[0] * kernel.shape[1]
        elif isinstance(layer, layers.BatchNormalization):
            total += 4 * math.prod(d for d in out_shape[1:] if d)
    return int(total)


def model_cost(
    config: TrainConfig, generator: keras.Model | None = None, discriminator: keras.Model | None = None
) -> ModelCost:
    """Parameters and FLOPs of ``config``'s networks (builds them if not given)."""
    g = generator or build_generator(config)
    d = discriminator or build_discriminator(config)
    g_flops, d_flops = _forward_flops(g), _forward_flops(d)
    return ModelCost(
        g_params=int(g.count_params()),
        d_params=int(d.count_params()),
        g_flops=g_flops,
        d_flops=d_flops,
        train_flops_per_image=3 * g_flops + 7 * d_flops,
    )
