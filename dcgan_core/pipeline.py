"""Training input: a uint8 ``.npy`` opened memory-mapped, fed through ``tf.data``.

Batches stay uint8 until the training step converts them on the device, so the pipeline
never holds a float copy of the dataset (and no second copy of any kind: rows are read
from the memory map batch by batch, in a fresh seeded order each epoch). The 1-D toy
draws its fixed real sample from N(0, 1) with the run's seed, as seed 002 does.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator

import numpy as np
import tensorflow as tf

from .config import TrainConfig
from .errors import DataError

__all__ = ["open_training_array", "gaussian_samples", "steps_per_epoch", "make_dataset"]

GAUSSIAN_SAMPLES = 1000


def open_training_array(config: TrainConfig) -> np.ndarray:
    """The run's data: memory-mapped uint8 images, or the 1-D toy's float32 sample.

    Raises:
        DataError: naming the file when it is missing, unreadable or of the wrong shape.
    """
    if not config.is_image_model:
        return gaussian_samples(config.seed)
    path = Path(config.data_path)
    if not path.is_file():
        raise DataError(f"Dataset {path.name!r} was not found at {path}.")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise DataError(f"Dataset {path.name!r} is not a readable .npy file ({exc}).") from exc
    if array.dtype != np.uint8 or array.ndim != 4:
        raise DataError(f"Dataset {path.name!r} must be uint8 images (N, H, W, C); it is {array.dtype} {array.shape}.")
    if tuple(array.shape[1:]) != config.image_shape:
        raise DataError(
            f"Dataset {path.name!r} holds {array.shape[1]}x{array.shape[2]}x{array.shape[3]} images but the "
            f"model makes {config.image_size}x{config.image_size}x{config.channels}."
        )
    if len(array) < 2:
        raise DataError(f"Dataset {path.name!r} has {len(array)} image(s); at least 2 are needed.")
    return array


def gaussian_samples(seed: int, n: int = GAUSSIAN_SAMPLES) -> np.ndarray:
    """The 1-D toy's real data: ``n`` draws of N(0, 1) as float32 (n, 1)."""
    return np.random.default_rng([seed, 2002]).standard_normal((n, 1)).astype(np.float32)


def steps_per_epoch(config: TrainConfig, n_samples: int) -> int:
    """Batches per epoch: enough to show every sample once (rounded up), capped by the config."""
    steps = max(1, -(-n_samples // config.batch_size))
    return min(steps, config.steps_per_epoch) if config.steps_per_epoch else steps


def _batches(array: np.ndarray, batch_size: int, seed: int) -> Iterator[np.ndarray]:
    """Endless shuffled batches; each epoch is a fresh permutation of every row."""
    rng = np.random.default_rng([seed, 31337])
    n = len(array)
    size = min(batch_size, n)
    while True:
        order = rng.permutation(n)
        for start in range(0, n - size + 1, size):
            index = np.sort(order[start : start + size])  # sorted reads are sequential on disk
            batch = np.asarray(array[index])
            yield batch[rng.permutation(size)]


def make_dataset(config: TrainConfig, array: np.ndarray, seed_offset: int = 0) -> tf.data.Dataset:
    """An endless, prefetched ``tf.data`` stream of batches (uint8 images or float32 values).

    Args:
        config: Gives the batch size and the seed.
        array: From :func:`open_training_array`.
        seed_offset: Changes the order (used when a run resumes, so it does not replay
            the first epochs' batches).
    """
    size = min(config.batch_size, len(array))
    spec = tf.TensorSpec((size,) + tuple(array.shape[1:]), tf.as_dtype(array.dtype))
    dataset = tf.data.Dataset.from_generator(
        lambda: _batches(array, config.batch_size, config.seed + seed_offset), output_signature=spec
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)
