"""The multi-worker training loop: one run trained by every worker of a ``TF_CONFIG`` cluster.

Keras 3.15 ``fit`` does not train under ``MultiWorkerMirroredStrategy`` on this stack
(uint8 batches fail in a ``CollectiveReduceV2``; float batches fail with "Invalid
reduction dimension 0 for input with 0 dimensions", keras-team/keras#20585; see
``bench/multiworker_repro.py``), so the workers run a custom loop over the same
:meth:`GAN.train_step`: ``strategy.run`` over a distributed dataset in which each worker
reads its own rows, gradients all-reduced by the strategy, losses reduced across workers.

Everything the workers must agree on travels through collectives from the chief (task 0):
the run's config and a go/no-go before anything is built, every variable after the chief
restored its checkpoint, and, inside every training step, the chief's stop / pause /
time-budget flags, so every worker stops or pauses after the same step. While paused the
workers meet in a small collective about twice a second, so none waits long in one. A
worker that dies makes the others' collectives fail (a timeout on every collective, plus
the strategy's own peer health check): they end ``failed`` with a message naming it.
Only the chief writes the run directory, through the same epoch-end recorder as a
single-machine run.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from pathlib import Path
from typing import Any
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from dcgan_core.settings.config import TrainConfig
from dcgan_core.runs.control import TrainingControl
from dcgan_core.runs.progress import Progress, Publish, ignore_progress
from dcgan_core.errors import DataError, DcganError
from dcgan_core.engine.collectives import broadcast_from_chief, peer_in_error
from dcgan_core.engine.cluster import DIGEST_ENV, Cluster, shard_batches

from dcgan_core.engine.cluster_plan import ClusterPlan, agree_to_start, share_plan, weights_digest

__all__ = ["train_cluster"]

_FLAGS = ("stop", "pause", "budget", "error")


class _ClusterRun:
    """The state of one worker's training: strategy, model, data stream and the chief's duties."""

    def __init__(
        self,
        strategy: tf.distribute.Strategy,
        cluster: Cluster,
        plan: ClusterPlan,
        control: TrainingControl,
        publish: Publish,
    ) -> None:
        self.strategy, self.cluster, self.plan = strategy, cluster, plan
        self.config: TrainConfig = plan.config  # type: ignore[assignment]
        self.control, self.publish = control, publish
        self.run_dir = plan.run_dir if cluster.is_chief else None

    # ---- set-up -------------------------------------------------------------------------
    def build(self, data: np.ndarray) -> None:
        """Build the GAN under the strategy, restore the chief's checkpoint everywhere, make the stream."""
        from dcgan_core.engine.checkpoints import restore_newest_intact
        from dcgan_core.runs.epochs import checkpoint_epochs
        from dcgan_core.engine.trainer import build_gan

        if len(data) < self.config.batch_size:
            raise DataError(
                f"The dataset has {len(data)} rows, fewer than the global batch of "
                f"{self.config.batch_size}; use a smaller --batch-size."
            )
        with self.strategy.scope():
            self.gan = build_gan(self.config)
        self.initial_epoch, self.elapsed_before, problem = 0, 0.0, ""
        if self.run_dir is not None and checkpoint_epochs(self.run_dir):
            try:
                state = restore_newest_intact(self.run_dir, self.gan)
                self.initial_epoch = int(state["epoch"])
                self.elapsed_before = float(state.get("elapsed_seconds", 0.0))
            except DcganError as exc:
                problem = str(exc)
        else:
            self.gan.reset_sampler()
        variables = self._all_variables()
        values = [v.numpy() for v in variables] + [np.asarray([self.initial_epoch, 0 if not problem else 1], np.int64)]
        received = broadcast_from_chief(self.strategy, values)
        for variable, value in zip(variables, received[:-1]):
            variable.assign(value)
        self.initial_epoch, failed = int(received[-1][0]), bool(received[-1][1])
        if failed:
            raise DcganError(problem or "The chief could not restore its checkpoint.")
        self.steps = self._steps(len(data))
        self.iterator = iter(self.strategy.distribute_datasets_from_function(lambda ctx: self._dataset(ctx, data)))
        self._step = self._make_step()

    def _all_variables(self) -> list[Any]:
        gan = self.gan
        models = [gan.generator, gan.discriminator] + ([gan.sampler] if gan.sampler is not None else [])
        found = (
            [w for m in models for w in m.weights] + list(gan.g_optimizer.variables) + list(gan.d_optimizer.variables)
        )
        found += [gan.ema_step, gan.seed_generator.state]
        return found

    def _steps(self, n_rows: int) -> int:
        from dcgan_core.engine.pipeline import steps_per_epoch

        workers = self.cluster.size
        usable = n_rows - n_rows % workers
        return max(1, min(steps_per_epoch(self.config, usable), usable // self.config.batch_size or 1))

    def _dataset(self, ctx: tf.distribute.InputContext, data: np.ndarray) -> tf.data.Dataset:
        per_replica = ctx.get_per_replica_batch_size(self.config.batch_size)
        pipelines = ctx.num_input_pipelines
        per_worker = self.config.batch_size // pipelines
        seed = self.config.seed + self.initial_epoch

        def gen():
            for rows in shard_batches(data, self.config.batch_size, seed, ctx.input_pipeline_id, pipelines):
                for start in range(0, per_worker, per_replica):
                    yield rows[start : start + per_replica]

        spec = tf.TensorSpec((per_replica,) + tuple(data.shape[1:]), tf.as_dtype(data.dtype))
        dataset = tf.data.Dataset.from_generator(gen, output_signature=spec)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return dataset.with_options(options).prefetch(2)

    def _make_step(self) -> Callable[[Any, tf.Tensor], tuple[dict[str, tf.Tensor], tf.Tensor]]:
        strategy, gan = self.strategy, self.gan
        sum_, mean = tf.distribute.ReduceOp.SUM, tf.distribute.ReduceOp.MEAN

        def replica_fn(batch: tf.Tensor, flags: tf.Tensor):
            logs = gan.train_step(batch)
            ctx = tf.distribute.get_replica_context()
            first = tf.equal(ctx.replica_id_in_sync_group, 0)
            decided = ctx.all_reduce(sum_, tf.where(first, flags, tf.zeros_like(flags)))
            return logs, decided

        @tf.function
        def step(iterator, flags):
            logs, decided = strategy.run(replica_fn, args=(next(iterator), flags))
            reduced = {k: strategy.reduce(sum_ if k.endswith("loss") else mean, v, axis=None) for k, v in logs.items()}
            return reduced, strategy.experimental_local_results(decided)[0]

        return step

    # ---- the collective decision ---------------------------------------------------------
    def _chief_flags(self, started: float, error: bool = False) -> np.ndarray:
        flags = np.zeros(len(_FLAGS), np.float32)
        if self.cluster.is_chief:
            c = self.control
            flags[0] = float(c.stop_requested)
            flags[1] = float(c.paused)
            flags[2] = float(
                self.config.max_seconds is not None and time.monotonic() - started >= self.config.max_seconds
            )
            flags[3] = float(error)
        return flags

    def _sync(self, flags: np.ndarray) -> dict[str, bool]:
        decided = broadcast_from_chief(self.strategy, [flags])[0]
        return {name: bool(value > 0.5) for name, value in zip(_FLAGS, decided)}

    def _wait_while_paused(self, started: float) -> dict[str, bool]:
        """Every worker waits together; they meet about twice a second until the chief resumes or stops."""
        self.publish(Progress(status="paused"))
        began = time.monotonic()
        while True:
            time.sleep(0.5)
            decision = self._sync(self._chief_flags(started))
            if decision["stop"] or not decision["pause"]:
                break
        if self.cluster.is_chief:
            self.control.paused_seconds += time.monotonic() - began
        self.publish(Progress(status="running"))
        return decision

    # ---- training --------------------------------------------------------------------------
    def train(self, data: np.ndarray) -> tuple[str, int, str, str]:
        """Train to the configured epochs; returns (status, epoch, message, traceback)."""
        from dcgan_core.engine.device import device_description
        from dcgan_core.runs.history import METRIC_KEYS, read_metrics, truncate_metrics
        from dcgan_core.engine.epoch_end import EpochRecorder

        c = self.config
        device = f"{self.cluster.size} workers: {device_description()} each"
        history: dict[str, list[float]] = {k: [] for k in METRIC_KEYS}
        recorder = None
        if self.run_dir is not None:
            truncate_metrics(self.run_dir, self.initial_epoch)
            history = read_metrics(self.run_dir)  # metrics.csv is the run's one history
            recorder = EpochRecorder(
                self.run_dir,
                c,
                self.gan,
                data,
                self.steps,
                self.control,
                self.publish,
                history,
                self.elapsed_before,
                device,
            )
        self.publish(Progress(status="running", epoch=self.initial_epoch, steps_per_epoch=self.steps))
        started = time.monotonic()
        done = self.initial_epoch
        for epoch in range(self.initial_epoch, c.epochs):
            for metric in self.gan.metrics:
                metric.reset_state()
            began, complete = time.monotonic(), True
            for step in range(self.steps):
                logs, decided = self._step(self.iterator, tf.constant(self._chief_flags(started)))
                decision = {name: bool(v > 0.5) for name, v in zip(_FLAGS, decided.numpy())}
                values = {k: float(v) for k, v in logs.items()}
                if not all(math.isfinite(values[k]) for k in ("g_loss", "d_loss")):
                    return (
                        "failed",
                        done,
                        f"The losses became NaN or infinite at epoch {epoch + 1}, step {step + 1}: "
                        "training diverged. The last good checkpoint is kept.",
                        "",
                    )
                self.publish(
                    Progress(step=step + 1, epoch=epoch, batch_g_loss=values["g_loss"], batch_d_loss=values["d_loss"])
                )
                if decision["pause"] and not decision["stop"]:
                    decision = self._wait_while_paused(started)
                if decision["stop"] or decision["budget"]:
                    complete = False
                    break
            if complete:
                error = ""
                if recorder is not None:
                    try:
                        recorder(epoch + 1, values, time.monotonic() - began)
                    except Exception:  # the other workers must hear of it: through the next sync
                        error = traceback.format_exc()
                decision = self._sync(self._chief_flags(started, error=bool(error)))
                if decision["error"]:
                    return "failed", done, "Saving the epoch's results failed on the chief.", error
                done = epoch + 1
            if decision["stop"]:
                return "stopped", done, f"Stopped after epoch {done}.", ""
            if decision["budget"]:
                return "stopped", done, f"Stopped at the time budget of {c.max_seconds:g} s (epoch {done}).", ""
        return "finished", done, f"Finished {done} epochs.", ""


def train_cluster(
    strategy: tf.distribute.Strategy,
    cluster: Cluster,
    plan: ClusterPlan,
    control: TrainingControl | None = None,
    publish: Publish | None = None,
) -> tuple[str, str]:
    """Train the chief's run on this worker; returns (status, message).

    The chief passes its plan (and owns the run folder, whose lock it holds); every other
    worker passes ``ClusterPlan(ok=True, run_id=...)`` and receives the rest. On the chief
    the outcome is also written to ``status.json``. Never raises for a training failure.
    """
    from dcgan_core.runs.epochs import build_progress_gif
    from dcgan_core.runs.folder import write_status

    control = control or TrainingControl(plan.run_dir if cluster.is_chief else None)
    publish = publish or ignore_progress
    own_run_id = plan.run_id
    epoch, status, message, trace = 0, "failed", "", ""
    try:
        plan = share_plan(strategy, cluster, plan)
        if not plan.ok or plan.config is None:
            return "failed", f"The chief refused the run: {plan.message}"
        data = agree_to_start(strategy, cluster, plan, own_run_id)
        run = _ClusterRun(strategy, cluster, plan, control, publish)
        run.build(data)
        if cluster.is_chief:
            write_status(
                plan.run_dir,
                status="running",
                epoch=run.initial_epoch,
                epochs_total=plan.config.epochs,
                message="Training.",
                traceback="",
                cluster=list(cluster.workers),
                pid=os.getpid(),
            )
        status, epoch, message, trace = run.train(data)
        digest_path = os.environ.get(DIGEST_ENV)
        if digest_path:
            Path(f"{digest_path}.task{cluster.index}").write_text(weights_digest(run.gan.generator))
    except tf.errors.OpError as exc:
        status = "failed"
        message = (
            f"{peer_in_error(exc, cluster)} stopped responding ({type(exc).__name__}); the cluster stopped. "
            "The last checkpoint is kept: start every worker again with --resume to continue."
        )
        trace = traceback.format_exc()
    except DcganError as exc:
        status, message, trace = "failed", str(exc), traceback.format_exc()
    except Exception as exc:  # the failure becomes data
        status, message, trace = "failed", f"Training failed: {type(exc).__name__}: {exc}", traceback.format_exc()
    if cluster.is_chief and plan.run_dir is not None:
        try:
            if plan.config is not None and plan.config.is_image_model:
                build_progress_gif(plan.run_dir)
            write_status(
                plan.run_dir,
                status=status,
                message=message,
                traceback=trace,
                eta_seconds=0.0,
                **({"epoch": epoch} if epoch else {}),
            )
        except OSError:
            pass
    publish(Progress(status=status))
    return status, message
