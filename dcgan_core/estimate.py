"""What a run will cost before it starts: a short measured probe on this machine.

The probe builds the run's networks, compiles the training step, runs a few warm-up steps
and times a few more on random data of the run's shape. For heavy models it times a
smaller batch and scales linearly (per-image cost is nearly constant at these sizes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .config import TrainConfig
from .device import device_description
from .models import model_cost
from .pipeline import steps_per_epoch

__all__ = ["CostEstimate", "estimate_cost"]

_PROBE_FLOP_BUDGET = 2.0e11  # FLOPs per probe step at most (about 2-4 s on a laptop CPU)


@dataclass(frozen=True)
class CostEstimate:
    """Predicted cost of training ``config`` on ``n_images`` images.

    Attributes:
        seconds_per_epoch: Measured step time x steps per epoch.
        images_per_sec: Measured throughput of the training step.
        memory_bytes: Weights, gradients, optimizer slots and activations, roughly.
        device: Where it was measured.
        g_params: Generator parameters.
        d_params: Discriminator parameters.
        flops_per_image: Training FLOPs per image per step.
        probe_batch: Batch size actually timed.
    """

    seconds_per_epoch: float
    images_per_sec: float
    memory_bytes: int
    device: str
    g_params: int
    d_params: int
    flops_per_image: int
    probe_batch: int


def _activation_bytes(model) -> int:
    total = 0
    for layer in model.layers:
        shape = getattr(layer, "output", None)
        if shape is not None:
            total += int(np.prod([d for d in layer.output.shape[1:] if d]))
    return total * 4


def estimate_cost(config: TrainConfig, n_images: int, warmup: int = 2, timed: int = 3) -> CostEstimate:
    """Measure a few training steps of ``config`` and predict an epoch on ``n_images``."""
    from .trainer import build_gan  # imported here: the probe is the only TensorFlow user

    gan = build_gan(config)
    cost = model_cost(config, gan.generator, gan.discriminator)
    per_step = max(1, cost.train_flops_per_image)
    probe_batch = int(max(2, min(config.batch_size, _PROBE_FLOP_BUDGET // per_step)))
    if config.half_batch and probe_batch % 2:
        probe_batch += 1
    rng = np.random.default_rng(0)
    if config.is_image_model:
        batch = rng.integers(0, 256, (probe_batch,) + config.image_shape, dtype=np.uint8)
    else:
        batch = rng.standard_normal((probe_batch, 1)).astype(np.float32)
    for _ in range(warmup):
        gan.train_on_batch(batch)
    started = time.perf_counter()
    for _ in range(timed):
        gan.train_on_batch(batch)
    step_seconds = (time.perf_counter() - started) / timed
    per_image = step_seconds / probe_batch
    steps = steps_per_epoch(config, n_images)
    params = cost.g_params + cost.d_params
    optimizer_slots = 2 if config.optimizer == "adam" else 1
    memory = params * 4 * (2 + optimizer_slots) + cost.g_params * 4 * (1 if config.ema_decay else 0)
    memory += config.batch_size * 3 * (_activation_bytes(gan.generator) + 2 * _activation_bytes(gan.discriminator))
    return CostEstimate(
        seconds_per_epoch=per_image * steps * config.batch_size, images_per_sec=1.0 / per_image,
        memory_bytes=int(memory), device=device_description(), g_params=cost.g_params, d_params=cost.d_params,
        flops_per_image=cost.train_flops_per_image, probe_batch=probe_batch,
    )
