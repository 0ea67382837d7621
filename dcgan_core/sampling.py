"""Drawing samples from a generator so that they show what the model really makes.

A generator trained with BatchNormalization uses batch statistics while it trains, but its
moving averages lag far behind early in training (momentum 0.99 needs hundreds of steps):
sampled in inference mode, it then shows noise although it already draws well.
:func:`recalibrate_batchnorm` re-measures those statistics exactly (a "precise BN" pass
over fresh latents) before previews, so grids and the explorer match the model's state.
"""

from __future__ import annotations

import keras
import numpy as np

from .config import TrainConfig
from .images import to_uint8

__all__ = ["fixed_latents", "recalibrate_batchnorm", "generate", "generate_uint8"]


def fixed_latents(config: TrainConfig, n: int | None = None, offset: int = 0) -> np.ndarray:
    """The run's fixed preview latents: ``n`` (default ``grid_size``) float32 rows from its seed."""
    n = config.grid_size if n is None else n
    rng = np.random.default_rng([config.seed, 7919, offset])
    if config.latent_dist == "uniform":
        return rng.uniform(-1.0, 1.0, (n, config.latent_dim)).astype(np.float32)
    return rng.standard_normal((n, config.latent_dim)).astype(np.float32)


def _batchnorm_layers(model: keras.Model) -> list[keras.layers.BatchNormalization]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def recalibrate_batchnorm(generator: keras.Model, config: TrainConfig, samples: int = 512,
                          chunk: int = 128, seed: int = 0) -> bool:
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
            generator(latents[start : start + chunk], training=True)
    finally:
        for layer, momentum in zip(bn_layers, saved):
            layer.momentum = momentum
    return True


def generate(generator: keras.Model, latents: np.ndarray, batch: int = 256) -> np.ndarray:
    """Float32 samples for ``latents`` in inference mode (deterministic)."""
    z = np.asarray(latents, dtype=np.float32)
    outputs = [np.asarray(generator(z[i : i + batch], training=False), dtype=np.float32)
               for i in range(0, len(z), batch)]
    return np.concatenate(outputs) if outputs else np.zeros((0,) + tuple(generator.output.shape[1:]), np.float32)


def generate_uint8(generator: keras.Model, latents: np.ndarray, value_range: str, batch: int = 256) -> np.ndarray:
    """uint8 (N, H, W, C) images for ``latents`` (see :func:`generate`)."""
    return to_uint8(generate(generator, latents, batch), value_range)
