"""Before a cluster trains: the plan the chief shares, the strategy, and every worker's go/no-go.

The chief (task 0) decides the run (its folder, config and batch) and sends it to every
worker through a collective; each worker answers whether it can take part (it has the
dataset, the same run id, a batch it can split), so nobody starts alone.
"""

from __future__ import annotations


import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from dcgan_core.settings.config import TrainConfig, config_to_dict
from dcgan_core.settings.config import config_from_dict
from dcgan_core.engine.collectives import broadcast_from_chief, sum_across
from dcgan_core.engine.cluster import COLLECTIVE_TIMEOUT_ENV, Cluster, per_worker_batch
from dcgan_core.errors import DataError, DcganError

__all__ = [
    "ClusterPlan",
    "make_cluster_strategy",
    "share_plan",
    "readiness",
    "agree_to_start",
    "weights_digest",
    "PROBLEMS",
]


_PAYLOAD_BYTES = 1 << 16


@dataclass
class ClusterPlan:
    """What the chief decided before training (the other workers receive it).

    Attributes:
        ok: False when the chief refused the run (``message`` says why).
        message: The reason for a refusal.
        run_id: The run every worker trains.
        config: The run's configuration (the chief's).
        run_dir: The run folder (the chief's only; None on the other workers).
    """

    ok: bool
    message: str = ""
    run_id: str = ""
    config: TrainConfig | None = None
    run_dir: Path | None = None


def make_cluster_strategy(timeout_seconds: float | None = None) -> tf.distribute.MultiWorkerMirroredStrategy:
    """The strategy for the ``TF_CONFIG`` cluster, with a timeout on every collective.

    Must be created before any other TensorFlow work in the process.
    """
    if timeout_seconds is None:
        timeout_seconds = float(os.environ.get(COLLECTIVE_TIMEOUT_ENV, "") or 120.0)
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout_seconds)
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def share_plan(strategy: tf.distribute.Strategy, cluster: Cluster, plan: ClusterPlan) -> ClusterPlan:
    """Send the chief's plan (config, run id, refusal) to every worker."""
    if cluster.is_chief:
        payload = {
            "ok": plan.ok,
            "message": plan.message,
            "run_id": plan.run_id,
            "config": config_to_dict(plan.config) if plan.config else None,
        }
        raw = json.dumps(payload).encode()[:_PAYLOAD_BYTES]
    else:
        raw = b""
    buffer = np.zeros(_PAYLOAD_BYTES + 1, np.int64)
    buffer[0] = len(raw)
    buffer[1 : 1 + len(raw)] = np.frombuffer(raw, np.uint8)
    received = broadcast_from_chief(strategy, [buffer])[0]
    payload = json.loads(bytes(received[1 : 1 + int(received[0])].astype(np.uint8)).decode())
    if cluster.is_chief:
        return plan
    config = config_from_dict(payload["config"]) if payload.get("config") else None
    return ClusterPlan(bool(payload["ok"]), str(payload.get("message", "")), str(payload.get("run_id", "")), config)


PROBLEMS = ("lacks the dataset", "was started with another --run-id", "cannot split the batch")


def readiness(strategy: tf.distribute.Strategy, cluster: Cluster, problem: int | None) -> list[tuple[int, str]]:
    """Every worker's problem (index, kind) learnt by all: ``problem`` indexes :data:`PROBLEMS`."""
    vector = np.zeros((cluster.size, len(PROBLEMS)), np.float32)
    if problem is not None:
        vector[cluster.index, problem] = 1.0
    summed = sum_across(strategy, vector.reshape(-1)).reshape(vector.shape)
    return [(i, PROBLEMS[k]) for i in range(cluster.size) for k in range(len(PROBLEMS)) if summed[i, k] > 0]


def agree_to_start(
    strategy: tf.distribute.Strategy, cluster: Cluster, plan: ClusterPlan, own_run_id: str
) -> np.ndarray:
    """The go/no-go: every worker opens the data and checks the plan fits it, then all agree.

    Returns this worker's training array.

    Raises:
        DataError: when any worker cannot train, naming each one and what it lacks.
    """
    from dcgan_core.engine.pipeline import open_training_array

    if plan.config is None:
        raise DataError("The cluster cannot train: the chief sent no settings.")
    problem, detail, data = None, "", None
    try:
        data = open_training_array(plan.config)
    except DcganError as exc:
        problem, detail = 0, str(exc)
    if plan.run_id != own_run_id:
        problem, detail = 1, f"this worker has --run-id {own_run_id!r}, the chief {plan.run_id!r}"
    try:
        per_worker_batch(plan.config.batch_size, cluster.size)
    except DcganError as exc:
        problem, detail = 2, str(exc)
    bad = readiness(strategy, cluster, problem)
    if bad:
        said = "; ".join(f"{cluster.describe(i)} {kind}" for i, kind in bad)
        if any(kind == PROBLEMS[0] for _, kind in bad):
            said += f" (every host needs it at {plan.config.data_path})"
        raise DataError(f"The cluster cannot train: {said}." + (f" Here: {detail}" if detail else ""))
    return data


def weights_digest(model: Any) -> str:
    digest = hashlib.sha256()
    for weight in model.trainable_weights:
        digest.update(np.ascontiguousarray(np.asarray(weight.numpy(), np.float32)).tobytes())
    return digest.hexdigest()
