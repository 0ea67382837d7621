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

from dcgan_core.settings.config import TrainConfig
from dcgan_core.errors import DataError
from dcgan_core.data.datasets import open_dataset
from dcgan_core.data.labels import read_dataset_classes

__all__ = [
    "open_training_array",
    "open_training_labels",
    "gaussian_samples",
    "steps_per_epoch",
    "make_dataset",
    "balanced_order",
]

GAUSSIAN_SAMPLES = 1000


def open_training_array(config: TrainConfig) -> np.ndarray:
    """The run's data: memory-mapped uint8 images, or the 1-D toy's float32 sample.

    Raises:
        DataError: naming the file when it is missing, unreadable or of the wrong shape.
    """
    if not config.is_image_model:
        return gaussian_samples(config.seed)
    path = Path(config.data_path)
    array = open_dataset(path)  # the one reader of a dataset file: missing, unreadable or wrong shape named
    if tuple(array.shape[1:]) != config.image_shape:
        raise DataError(
            f"Dataset {path.name!r} holds {array.shape[1]}x{array.shape[2]}x{array.shape[3]} images but the "
            f"model makes {config.image_size}x{config.image_size}x{config.channels}."
        )
    if len(array) < 2:
        raise DataError(f"Dataset {path.name!r} has {len(array)} image(s); at least 2 are needed.")
    return array


def open_training_labels(config: TrainConfig, n_images: int) -> np.ndarray | None:
    """A conditional run's int32 (N,) class of each image; None for an unconditional run.

    Raises:
        DataError: when the dataset has no labels, or other classes than the run draws (a
            run resumed on changed data), naming both.
    """
    if not config.n_classes:
        return None
    name = Path(config.data_path).name
    found = read_dataset_classes(config.data_path, n_images)
    if found is None:
        raise DataError(
            f"This run draws by class, but the dataset {name!r} has no classes (its images are not "
            "sorted into subfolders). Start a run without classes, or convert a sorted folder."
        )
    if found.names != config.class_names:
        raise DataError(
            f"This run draws the classes {_listed(config.class_names)}, but the dataset {name!r} now has "
            f"{_listed(found.names)}. Train it on the data it started with, or start a new run."
        )
    return found.labels


def _listed(names: tuple[str, ...], most: int = 6) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def balanced_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One epoch's image order in which every class comes equally often.

    As many draws as images; each class gets an equal share, its images reshuffled and
    repeated as needed (a small class is seen more often, a big one partly), then the
    whole order is shuffled.
    """
    classes = np.unique(labels)
    share = -(-len(labels) // len(classes))
    picks = []
    for cls in classes:
        members = np.flatnonzero(labels == cls)
        repeats = -(-share // len(members))
        picks.append(np.concatenate([rng.permutation(members) for _ in range(repeats)])[:share])
    order = rng.permutation(np.concatenate(picks))
    return order[: len(labels)]


def gaussian_samples(seed: int, n: int = GAUSSIAN_SAMPLES) -> np.ndarray:
    """The 1-D toy's real data: ``n`` draws of N(0, 1) as float32 (n, 1)."""
    return np.random.default_rng([seed, 2002]).standard_normal((n, 1)).astype(np.float32)


def steps_per_epoch(config: TrainConfig, n_samples: int) -> int:
    """Batches per epoch: enough to show every sample once (rounded up), capped by the config."""
    steps = max(1, -(-n_samples // config.batch_size))
    return min(steps, config.steps_per_epoch) if config.steps_per_epoch else steps


def _batches(
    array: np.ndarray, batch_size: int, seed: int, labels: np.ndarray | None = None, balance: bool = False
) -> Iterator[np.ndarray | tuple[np.ndarray, np.ndarray]]:
    """Endless shuffled batches; each epoch is a fresh permutation of every row.

    With ``labels``, each batch comes with its images' classes; with ``balance`` too, an
    epoch draws every class equally often (see :func:`balanced_order`).
    """
    rng = np.random.default_rng([seed, 31337])
    n = len(array)
    size = min(batch_size, n)
    while True:
        order = balanced_order(labels, rng) if labels is not None and balance else rng.permutation(n)
        for start in range(0, n - size + 1, size):
            index = np.sort(order[start : start + size])  # sorted reads are sequential on disk
            batch = np.asarray(array[index])
            mix = rng.permutation(size)
            yield batch[mix] if labels is None else (batch[mix], labels[index][mix])


def make_dataset(
    config: TrainConfig, array: np.ndarray, seed_offset: int = 0, labels: np.ndarray | None = None
) -> tf.data.Dataset:
    """An endless, prefetched ``tf.data`` stream of batches (uint8 images or float32 values).

    Args:
        config: Gives the batch size, the seed and whether to balance classes.
        array: From :func:`open_training_array`.
        seed_offset: Changes the order (used when a run resumes, so it does not replay
            the first epochs' batches).
        labels: From :func:`open_training_labels`; each element is then (images, classes).
    """
    size = min(config.batch_size, len(array))
    spec = tf.TensorSpec((size,) + tuple(array.shape[1:]), tf.as_dtype(array.dtype))
    if labels is not None:
        spec = (spec, tf.TensorSpec((size,), tf.int32))
    dataset = tf.data.Dataset.from_generator(
        lambda: _batches(array, config.batch_size, config.seed + seed_offset, labels, config.balance_classes),
        output_signature=spec,
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)
