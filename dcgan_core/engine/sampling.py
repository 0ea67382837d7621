"""Drawing samples from a generator so that they show what the model really makes.

A generator trained with BatchNormalization uses batch statistics while it trains, but its
moving averages lag far behind early in training (momentum 0.99 needs hundreds of steps):
sampled in inference mode, it then shows noise although it already draws well.
:func:`recalibrate_batchnorm` re-measures those statistics exactly (a "precise BN" pass
over fresh latents) before previews, so grids and the explorer match the model's state.
"""

from __future__ import annotations

import functools
import keras
import numpy as np

from dcgan_core.settings.config import TrainConfig
from dcgan_core.images import to_uint8
from dcgan_core.data.labels import grid_class_rows
from dcgan_core.explore.latent import sample_latents

__all__ = [
    "fixed_latents",
    "recalibrate_batchnorm",
    "generate",
    "generate_uint8",
    "generator_classes",
    "class_vectors",
    "generator_inputs",
    "grid_classes",
    "GRID_CLASS_COLUMNS",
]

GRID_CLASS_COLUMNS = 8


def generator_classes(generator: keras.Model) -> int:
    """Number of classes a generator takes (its second input), 0 for an unconditional one."""
    inputs = generator.inputs
    return int(inputs[1].shape[-1]) if len(inputs) > 1 else 0


def class_vectors(classes: np.ndarray | list | int, n_classes: int, n: int) -> np.ndarray:
    """float32 (n, n_classes) class inputs.

    Args:
        classes: One class index for all, ``n`` class indices, one (n_classes,) mixture for
            all, or (n, n_classes) mixtures (blends of class embeddings; rows need not be one-hot).
        n_classes: Number of classes.
        n: Rows wanted.
    """
    values = np.asarray(classes)
    if values.ndim == 0 or (values.ndim == 1 and np.issubdtype(values.dtype, np.integer)):
        index = np.broadcast_to(values.astype(np.int64), (n,)) % n_classes
        return np.eye(n_classes, dtype=np.float32)[index]
    values = values.astype(np.float32)
    if values.ndim == 1:
        values = np.broadcast_to(values, (n, n_classes))
    return np.ascontiguousarray(values, dtype=np.float32)


def generator_inputs(generator: keras.Model, latents: np.ndarray, classes=None) -> np.ndarray | list[np.ndarray]:
    """What to call ``generator`` with: the latents, plus the class input of a conditional one.

    ``classes`` as in :func:`class_vectors`; by default row i draws class ``i % n_classes``.
    """
    z = np.asarray(latents, dtype=np.float32)
    n_classes = generator_classes(generator)
    if not n_classes:
        return z
    if classes is None:
        classes = np.arange(len(z))
    return [z, class_vectors(classes, n_classes, len(z))]


def grid_classes(config: TrainConfig) -> tuple[np.ndarray | None, int | None]:
    """The fixed-seed grid's class per image and its column count.

    An unconditional run: (None, None): ``grid_size`` images in a square. A conditional run:
    one row per class (an even spread of at most
    :data:`~dcgan_core.data.labels.GRID_CLASS_ROWS` classes when there are more), :data:`GRID_CLASS_COLUMNS` images per row; column j has the same latent in
    every row, so a row shows the class and a column the style.
    """
    if not config.n_classes:
        return None, None
    return np.repeat(grid_class_rows(config.n_classes), GRID_CLASS_COLUMNS), GRID_CLASS_COLUMNS


#: Each purpose (``offset``) of a run's fixed samples draws from its own block of explorer seeds,
#: far above the seeds people type and the sample grid's 0..n-1.
SAMPLE_SEED_BLOCK = 10**9


def fixed_latents(config: TrainConfig, n: int | None = None, offset: int = 0) -> np.ndarray:
    """The run's fixed latents for one purpose: ``n`` (default ``grid_size``) float32 rows.

    Row i is the explorer's seed ``SAMPLE_SEED_BLOCK * (1 + offset) + 10**6 * config.seed + i``
    (:func:`~dcgan_core.explore.latent.sample_latents`): one seed scheme everywhere, so any of
    these images can be found again on the Explore page.
    """
    n = config.grid_size if n is None else n
    first = SAMPLE_SEED_BLOCK * (1 + offset) + 10**6 * config.seed
    return _seed_latents(n, config.latent_dim, first, config.latent_dist)


@functools.lru_cache(maxsize=32)
def _seed_latents(n: int, dim: int, first: int, distribution: str) -> np.ndarray:
    """:func:`sample_latents`, drawn once per run and purpose (one seeded generator per row is
    slow to repeat at every epoch end), read-only so that no caller changes the shared copy."""
    latents = sample_latents(n, dim, first, distribution)
    latents.setflags(write=False)
    return latents


def _batchnorm_layers(model: keras.Model) -> list[keras.layers.BatchNormalization]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def recalibrate_batchnorm(
    generator: keras.Model, config: TrainConfig, samples: int = 512, chunk: int = 128, seed: int = 0
) -> bool:
    """Set every BatchNorm layer's moving statistics to their average over fresh latents.

    Runs ``samples`` latents through the generator in training mode, chunk by chunk, with
    each chunk's weight in the running average set so that the result is the plain mean of
    the chunks' statistics. Weights are not touched.

    Returns:
        True when the generator had BatchNorm layers to recalibrate.
    """
    bn_layers = _batchnorm_layers(generator)
    if not bn_layers:
        return False
    saved = [layer.momentum for layer in bn_layers]
    latents = fixed_latents(config, samples, offset=1_000_003 + seed)
    try:
        for index, start in enumerate(range(0, samples, chunk)):
            for layer in bn_layers:
                layer.momentum = index / (index + 1.0)  # running mean of chunk statistics
            generator(
                generator_inputs(generator, latents[start : start + chunk], np.arange(start, start + chunk)),
                training=True,
            )
    finally:
        for layer, momentum in zip(bn_layers, saved):
            layer.momentum = momentum
    return True


def generate(generator: keras.Model, latents: np.ndarray, batch: int = 256, classes=None) -> np.ndarray:
    """Float32 samples for ``latents`` in inference mode (deterministic).

    ``classes`` (a conditional generator only) as in :func:`generator_inputs`.
    """
    z = np.asarray(latents, dtype=np.float32)
    inputs = generator_inputs(generator, z, classes)
    if isinstance(inputs, list):
        outputs = [
            np.asarray(
                generator([inputs[0][i : i + batch], inputs[1][i : i + batch]], training=False), dtype=np.float32
            )
            for i in range(0, len(z), batch)
        ]
    else:
        outputs = [
            np.asarray(generator(z[i : i + batch], training=False), dtype=np.float32) for i in range(0, len(z), batch)
        ]
    return np.concatenate(outputs) if outputs else np.zeros((0,) + tuple(generator.output.shape[1:]), np.float32)


def generate_uint8(
    generator: keras.Model, latents: np.ndarray, value_range: str, batch: int = 256, classes=None
) -> np.ndarray:
    """uint8 (N, H, W, C) images for ``latents`` (see :func:`generate`)."""
    return to_uint8(generate(generator, latents, batch, classes), value_range)
