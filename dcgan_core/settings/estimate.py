"""What a run will cost before it starts: a short measured probe on this machine.

The probe builds the run's networks, compiles the training step, runs a few warm-up steps
and times a few more on random data of the run's shape. For heavy models it times a
smaller batch and scales linearly (per-image cost is nearly constant at these sizes).

:func:`estimate_cost` imports TensorFlow; the web app calls :func:`estimate_cost_in_worker`,
which runs the same probe in a short-lived worker process (``python -m dcgan_core
estimate``) so that TensorFlow never loads in the web server.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

from dcgan_core.settings.config import TrainConfig, config_to_dict
from dcgan_core.errors import DcganError
from dcgan_core.paths import child_env

__all__ = ["CostEstimate", "estimate_cost", "estimate_cost_in_worker"]

_PROBE_FLOP_BUDGET = 2.0e11  # FLOPs per probe step at most (about 2-4 s on a laptop CPU)


@dataclass(frozen=True)
class CostEstimate:
    """Predicted cost of training ``config`` on ``n_images`` images.

    Attributes:
        seconds_per_epoch: Everything an epoch costs: the training steps plus its share of
            the epoch-end work (grids, quality score, checkpoints and their exports), each
            measured once and spread over epochs by the run's own schedule.
        images_per_sec: Measured throughput of the training step.
        memory_bytes: Weights, gradients, optimizer slots and activations, roughly.
        device: Where it was measured.
        g_params: Generator parameters.
        d_params: Discriminator parameters.
        flops_per_image: Training FLOPs per image per step.
        probe_batch: Batch size actually timed.
        step_seconds_per_epoch: The training steps alone.
        extra_seconds_per_epoch: The epoch-end work's share.
    """

    seconds_per_epoch: float
    images_per_sec: float
    memory_bytes: int
    device: str
    g_params: int
    d_params: int
    flops_per_image: int
    probe_batch: int
    step_seconds_per_epoch: float = 0.0
    extra_seconds_per_epoch: float = 0.0


def _activation_bytes(model) -> int:
    total = 0
    for layer in model.layers:
        shape = getattr(layer, "output", None)
        if shape is not None:
            total += int(np.prod([d for d in layer.output.shape[1:] if d]))
    return total * 4


def estimate_cost(config: TrainConfig, n_images: int, warmup: int = 2, timed: int = 3) -> CostEstimate:
    """Measure a few training steps of ``config`` and predict an epoch on ``n_images``."""
    from dcgan_core.engine.device import device_description
    from dcgan_core.engine.models import model_cost
    from dcgan_core.engine.pipeline import steps_per_epoch
    from dcgan_core.engine.trainer import build_gan

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
    # a run that draws by class trains on (images, classes)
    labels = rng.integers(0, config.n_classes, probe_batch).astype(np.int32) if config.n_classes else None
    for _ in range(warmup):
        gan.train_on_batch(batch, labels)
    started = time.perf_counter()
    for _ in range(timed):
        gan.train_on_batch(batch, labels)
    step_seconds = (time.perf_counter() - started) / timed
    per_image = step_seconds / probe_batch
    steps = steps_per_epoch(config, n_images)
    step_epoch = per_image * steps * config.batch_size
    extra = _epoch_end_seconds(config, gan, batch, step_epoch) if config.is_image_model else 0.0
    params = cost.g_params + cost.d_params
    optimizer_slots = 2 if config.optimizer == "adam" else 1
    memory = params * 4 * (2 + optimizer_slots) + cost.g_params * 4 * (1 if config.ema_decay else 0)
    memory += config.batch_size * 3 * (_activation_bytes(gan.generator) + 2 * _activation_bytes(gan.discriminator))
    return CostEstimate(
        seconds_per_epoch=step_epoch + extra,
        images_per_sec=1.0 / per_image,
        memory_bytes=int(memory),
        device=device_description(),
        g_params=cost.g_params,
        d_params=cost.d_params,
        flops_per_image=cost.train_flops_per_image,
        probe_batch=probe_batch,
        step_seconds_per_epoch=step_epoch,
        extra_seconds_per_epoch=extra,
    )


def _share(every_epochs: int, every_seconds: float, epoch_seconds: float) -> float:
    """How often per epoch a piece of epoch-end work runs under the run's schedule."""
    if every_seconds > 0:  # by wall clock: at most once per epoch end
        return min(1.0, max(epoch_seconds, 1e-6) / every_seconds)
    return 1.0 / every_epochs if every_epochs > 0 else 0.0


def _epoch_end_seconds(config: TrainConfig, gan, real: np.ndarray, epoch_seconds: float) -> float:
    """Time each piece of the trainer's epoch-end work once, and spread it by the schedule."""
    import tempfile
    from pathlib import Path

    from dcgan_core.engine.checkpoints import export_generator, save_checkpoint
    from dcgan_core.images import encode_png, make_grid
    from dcgan_core.metrics.quality import sliced_wasserstein_distance
    from dcgan_core.engine.onnx_export import export_sampler_onnx
    from dcgan_core.metrics.class_quality import PER_CLASS_SAMPLES, class_quality
    from dcgan_core.data.labels import grid_class_rows
    from dcgan_core.engine.sampling import fixed_latents, generate_uint8, recalibrate_batchnorm

    preview = gan.sampler or gan.generator

    def timed(work) -> float:
        started = time.perf_counter()
        work()
        return time.perf_counter() - started

    def grid() -> None:
        if config.recalibrate_bn:
            recalibrate_batchnorm(preview, config)
        encode_png(make_grid(generate_uint8(preview, fixed_latents(config), config.value_range)))

    def swd() -> None:
        fake = generate_uint8(preview, fixed_latents(config, 512, offset=5), config.value_range)
        sliced_wasserstein_distance(np.resize(real, fake.shape), fake, seed=config.seed)
        if config.n_classes:  # the per-class measure comes with each quality check
            shown = grid_class_rows(config.n_classes)
            z = fixed_latents(config, PER_CLASS_SAMPLES, offset=11)
            fakes = [generate_uint8(preview, z, config.value_range, classes=int(k)) for k in shown]
            reals = [np.resize(real, f.shape) for f in fakes]
            class_quality(tuple(str(k) for k in shown), fakes, reals, seed=config.seed)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def checkpoint() -> None:
            recalibrate_batchnorm(preview, config)  # a saved generator is always re-measured (see trainer)
            save_checkpoint(folder, 1, gan, {"history": {}, "elapsed_seconds": 0.0})
            export_generator(folder, preview)
            export_sampler_onnx(preview, folder / "generator.onnx")

        checkpoint()  # the first export also loads the converter: once per run, not per epoch
        costs = {"sample": timed(grid), "checkpoint": timed(checkpoint)}
        costs["swd"] = timed(swd) if config.swd_every > 0 or config.swd_every_seconds > 0 else 0.0
    every = {
        "sample": (config.sample_every, config.sample_every_seconds),
        "checkpoint": (config.checkpoint_every, config.checkpoint_every_seconds),
        "swd": (config.swd_every, config.swd_every_seconds),
    }
    return sum(costs[k] * _share(*every[k], epoch_seconds) for k in costs)


def estimate_cost_in_worker(config: TrainConfig, n_images: int, timeout: float = 180.0) -> CostEstimate:
    """:func:`estimate_cost` measured in a short-lived worker process (no TensorFlow here).

    Raises:
        DcganError: when the probe fails or takes longer than ``timeout`` seconds.
    """
    request = json.dumps({"config": config_to_dict(config), "n_images": int(n_images)})
    env = child_env()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dcgan_core", "estimate"],
            input=request,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise DcganError(
            f"The cost probe took longer than {timeout:.0f} s; the model is probably too big for this machine."
        ) from None
    except OSError as exc:
        raise DcganError(f"The cost probe could not start ({exc}).") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DcganError(f"The cost probe failed: {reason}")
    fields = json.loads(lines[-1])
    names = {f.name for f in dataclasses.fields(CostEstimate)}
    return CostEstimate(**{k: v for k, v in fields.items() if k in names})
