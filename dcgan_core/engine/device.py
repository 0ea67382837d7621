"""Where training runs: GPU set-up, a description for people, and the distribution strategy.

On a machine where TensorFlow sees GPUs, memory growth is switched on (so the app does not
grab the whole card) and training runs there; with several GPUs it runs under
``tf.distribute.MirroredStrategy``. ``DCGAN_FORCE_MIRRORED=1`` mirrors over the logical
devices present even without GPUs (used to test that path on two logical CPUs).
"""

from __future__ import annotations

import os
import platform

import tensorflow as tf

__all__ = ["configure_devices", "device_description", "distribution_strategy", "use_jit"]

_configured = False


def configure_devices() -> list[str]:
    """Enable memory growth on every visible GPU (once per process); return their names."""
    global _configured
    gpus = tf.config.list_physical_devices("GPU")
    if not _configured:
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except RuntimeError:  # already initialised: growth can no longer change
                pass
        _configured = True
    return [gpu.name for gpu in gpus]


def device_description() -> str:
    """One line naming the device training will use, e.g. ``GPU: NVIDIA H200`` or ``CPU (2 cores)``."""
    gpus = configure_devices()
    if gpus:
        names = []
        for gpu in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(gpu)
            names.append(details.get("device_name", gpu.name))
        return f"GPU: {', '.join(names)}" if len(names) == 1 else f"{len(names)} GPUs: {', '.join(names)}"
    return f"CPU ({os.cpu_count() or 1} cores, {platform.machine()})"


def distribution_strategy() -> tf.distribute.Strategy:
    """MirroredStrategy over several GPUs (or forced logical devices), else the default.

    Inside the scope of a strategy already chosen (a multi-worker run's), that strategy.
    """
    if tf.distribute.has_strategy():
        return tf.distribute.get_strategy()
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([d.name for d in gpus])
    if os.environ.get("DCGAN_FORCE_MIRRORED") == "1":
        cpus = tf.config.list_logical_devices("CPU")
        if len(cpus) > 1:
            return tf.distribute.MirroredStrategy([d.name for d in cpus])
    return tf.distribute.get_strategy()


def use_jit(mode: str) -> bool:
    """XLA for the training step: ``on``/``off`` as asked; ``auto`` compiles on GPUs only
    (on this project's CPU measurements XLA gave no steady gain)."""
    if mode == "on":
        return True
    if mode == "off":
        return False
    return bool(tf.config.list_physical_devices("GPU"))
