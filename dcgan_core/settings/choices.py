"""The choices a training configuration can make: architectures, losses, optimizers, ranges.

Plain constants, read by :mod:`~dcgan_core.settings.config`, its checks in
:mod:`~dcgan_core.settings.validation`, the presets and the explorer's latent maths.
"""

from __future__ import annotations

__all__ = [
    "ARCHITECTURES",
    "LOSSES",
    "OPTIMIZERS",
    "VALUE_RANGES",
    "LATENT_DISTRIBUTIONS",
    "JIT_MODES",
    "AUGMENT_OP_NAMES",
    "MIN_IMAGE_SIZE",
    "MAX_IMAGE_SIZE",
    "FIXED_SHAPES",
]

ARCHITECTURES = (
    "dcgan",  # the sized "custom" DCGAN
    "face64",
    "mnist_blocks",
    "gaussian_1d",
    "mnist_rmsprop",
    "mnist_tutorial",
    "faces200",
)
LOSSES = ("bce_logits", "bce_sigmoid", "lsgan")
OPTIMIZERS = ("adam", "rmsprop")
VALUE_RANGES = ("signed", "unit")  # signed: [-1, 1] (tanh); unit: [0, 1] (sigmoid)
LATENT_DISTRIBUTIONS = ("normal", "uniform")
JIT_MODES = ("auto", "on", "off")
AUGMENT_OP_NAMES = ("color", "translation", "cutout")  # see dcgan_core.engine.augment
MIN_IMAGE_SIZE = 8
MAX_IMAGE_SIZE = 256

#: Architectures whose output size is fixed by their design: (size, channels or None).
FIXED_SHAPES: dict[str, tuple[int, int | None]] = {
    "face64": (64, None),
    "mnist_blocks": (28, None),
    "mnist_rmsprop": (28, None),
    "mnist_tutorial": (28, None),
    "faces200": (200, None),
}
