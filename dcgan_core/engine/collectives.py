"""Collectives between the workers of a cluster: the chief's values to all, sums, and whom an error names.

Plain all-reduces through ``strategy.run``, so they work with any number of workers and
local replicas and obey the strategy's collective timeout. Used by the multi-worker
training loop to share the chief's plan, weights and stop / pause decisions.
"""

from __future__ import annotations

import re

import numpy as np
import tensorflow as tf

from dcgan_core.engine.cluster import Cluster

__all__ = ["broadcast_from_chief", "sum_across", "peer_in_error"]


def broadcast_from_chief(strategy: tf.distribute.Strategy, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The chief's values of ``arrays`` on every worker (the others pass anything of the same shapes).

    An all-reduce in which only the first replica of the chief contributes (the others add
    zeros, which leaves float values exact). Dtypes are sent as float32/float64/int64.
    """

    def wire(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)
        if a.dtype in (np.float32, np.float64, np.int64):
            return a
        return a.astype(np.float32 if np.issubdtype(a.dtype, np.floating) else np.int64)

    sent = [tf.constant(wire(a)) for a in arrays]

    def fn(*values: tf.Tensor) -> list[tf.Tensor]:
        ctx = tf.distribute.get_replica_context()
        first = tf.equal(ctx.replica_id_in_sync_group, 0)
        masked = [tf.where(first, v, tf.zeros_like(v)) for v in values]
        return ctx.all_reduce(tf.distribute.ReduceOp.SUM, masked)

    out = strategy.run(fn, args=tuple(sent))
    out = out if isinstance(out, (list, tuple)) else [out]
    return [
        np.asarray(strategy.experimental_local_results(v)[0]).astype(np.asarray(a).dtype) for v, a in zip(out, arrays)
    ]


def sum_across(strategy: tf.distribute.Strategy, vector: np.ndarray) -> np.ndarray:
    """Every worker's ``vector`` summed (each worker counted once per local replica)."""

    def fn(v: tf.Tensor) -> tf.Tensor:
        return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, v)

    out = strategy.run(fn, args=(tf.constant(vector, tf.float32),))
    return np.asarray(strategy.experimental_local_results(out)[0])


def peer_in_error(error: BaseException, cluster: Cluster) -> str:
    """Which other worker an error from a collective points at, in words (``worker 1 (host:port)``)."""
    tasks = {int(t) for t in re.findall(r"task:(\d+)", str(error))} - {cluster.index}
    tasks = {t for t in tasks if t < cluster.size}
    if len(tasks) == 1:
        return cluster.describe(tasks.pop())
    others = [cluster.describe(i) for i in range(cluster.size) if i != cluster.index]
    return others[0] if len(others) == 1 else "a peer worker (one of " + ", ".join(others) + ")"
