"""Training past one machine: the cluster named by ``TF_CONFIG``, and each worker's share of it.

A run trains on several machines with TensorFlow's ``MultiWorkerMirroredStrategy``,
configured the standard way: every worker runs the same command with a ``TF_CONFIG``
environment variable naming the cluster and its own task, e.g.::

    {"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}

Task 0 is the chief: it alone owns and writes the run directory. This module reads that
variable, splits the configured (global) batch between the workers and gives each worker
its own rows of every global batch of the memory-mapped dataset. No TensorFlow here, so
the CLI can refuse a bad cluster before loading it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from collections.abc import Iterator, Mapping

import numpy as np

from dcgan_core.errors import ConfigError

__all__ = [
    "Cluster",
    "cluster_from_env",
    "per_worker_batch",
    "shard_indices",
    "shard_batches",
    "DIGEST_ENV",
    "COLLECTIVE_TIMEOUT_ENV",
]

DIGEST_ENV = "DCGAN_WEIGHTS_DIGEST"
"""When set, each worker writes a hash of its generator's weights to ``<value>.task<N>`` at the end."""

COLLECTIVE_TIMEOUT_ENV = "DCGAN_COLLECTIVE_TIMEOUT"
"""Seconds a worker waits in one collective before it counts a peer as gone (default 120)."""


@dataclass(frozen=True)
class Cluster:
    """The workers of a multi-worker run and this process's place among them.

    Attributes:
        workers: ``host:port`` of every worker, in task order.
        index: This worker's task index (0 is the chief).
    """

    workers: tuple[str, ...]
    index: int

    @property
    def size(self) -> int:
        return len(self.workers)

    @property
    def is_chief(self) -> bool:
        return self.index == 0

    def describe(self, index: int | None = None) -> str:
        """``worker 1 (host2:12345)`` for ``index`` (default: this worker)."""
        index = self.index if index is None else index
        return f"worker {index} ({self.workers[index]})"


def cluster_from_env(environ: Mapping[str, str] | None = None) -> Cluster | None:
    """The cluster of ``TF_CONFIG``, or None when it is unset or names a single worker.

    Raises:
        ConfigError: when ``TF_CONFIG`` is set but is not a usable worker cluster.
    """
    text = (os.environ if environ is None else environ).get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        spec = json.loads(text)
        cluster, task = spec["cluster"], spec["task"]
        workers = tuple(str(w) for w in cluster.get("chief", [])) + tuple(str(w) for w in cluster.get("worker", []))
        index = int(task["index"]) + (len(cluster.get("chief", [])) if task.get("type") == "worker" else 0)
        kind = task.get("type")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"TF_CONFIG is not a cluster description ({type(exc).__name__}: {exc}).") from None
    extra = sorted(set(cluster) - {"chief", "worker"})
    if extra:
        raise ConfigError(f"TF_CONFIG names {', '.join(extra)} tasks; only 'worker' (and 'chief') are supported.")
    if kind not in ("worker", "chief"):
        raise ConfigError(f"TF_CONFIG's task type is {kind!r}; it must be 'worker' (or 'chief').")
    if not 0 <= index < len(workers):
        raise ConfigError(f"TF_CONFIG's task index {task.get('index')} is outside its {len(workers)} worker(s).")
    if len(workers) < 2:
        return None
    return Cluster(workers, index)


def per_worker_batch(global_batch: int, workers: int) -> int:
    """Each worker's share of the configured (global) batch.

    Raises:
        ConfigError: when the batch does not divide evenly between the workers.
    """
    if global_batch % workers:
        lower, upper = global_batch - global_batch % workers, global_batch + workers - global_batch % workers
        raise ConfigError(
            f"The batch size {global_batch} does not divide between {workers} workers; "
            f"use a multiple of {workers}, e.g. {lower or upper} or {upper}."
        )
    return global_batch // workers


def shard_indices(order: np.ndarray, step: int, global_batch: int, shard: int, shards: int) -> np.ndarray:
    """Rows of global batch ``step`` (in the permutation ``order``) that belong to ``shard`` of ``shards``."""
    size = global_batch // shards
    start = step * global_batch + shard * size
    return order[start : start + size]


def shard_batches(array: np.ndarray, global_batch: int, seed: int, shard: int, shards: int) -> Iterator[np.ndarray]:
    """Endless batches of ``shard``'s rows: every shard walks the same seeded permutation per epoch.

    Each global batch of ``global_batch`` rows is cut into ``shards`` equal parts; this
    shard reads only its part from the (memory-mapped) array, in sorted order so reads are
    sequential on disk. Together the shards cover exactly the global batch.
    """
    rng = np.random.default_rng([seed, 31337])
    n = len(array)
    global_batch = min(global_batch, n - n % shards) or shards
    steps = n // global_batch
    while True:
        order = rng.permutation(n)
        for step in range(steps):
            index = np.sort(shard_indices(order, step, global_batch, shard, shards))
            yield np.asarray(array[index])
