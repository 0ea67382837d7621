"""``python -m dcgan_core train`` on one worker of a multi-worker cluster (``TF_CONFIG``).

Every worker runs the same command, with the same ``--runs-dir`` and ``--run-id NAME``.
The chief (task 0) creates the run (or, with ``--resume``, extends it), holds its lock,
and writes everything in it, exactly as a single-machine worker does, so the app and
``runs``/``status``/``pause``/``stop`` see it like any other run (owner: the chief's
process). The other workers write nothing there: they receive the chief's settings and
weights and train their shard of each batch. Training runs in the foreground (a cluster
launcher keeps the process); the process ends with ``os._exit`` once the outcome is
written, since TensorFlow's collective executors can hang an ordinary interpreter exit
after a peer died.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import sys
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

from dcgan_core.cli.common import fail
from dcgan_core.errors import DcganError
from dcgan_core.engine.cluster import Cluster, per_worker_batch
from dcgan_core.paths import default_runs_dir
from dcgan_core.runs.progress import ignore_progress

__all__ = ["train_in_cluster"]

#: Builds the run's TrainConfig and dataset path from ``train``'s arguments (the CLI's
#: ``config_from_args``, handed in so that this module does not import the one that calls it).
ConfigMaker = Callable[[argparse.Namespace], tuple[Any, Path]]


@contextlib.contextmanager
def _runs_folder_locked(runs_dir: Path) -> Iterator[None]:
    runs_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(runs_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _chief_plan(args: argparse.Namespace, runs_dir: Path, make_config: ConfigMaker) -> tuple[Any, Any]:
    """Create or extend the run on the chief; returns (ClusterPlan, RunLock or None)."""
    from dcgan_core.settings.config import config_to_dict
    from dcgan_core.runs.control import clear_requests
    from dcgan_core.engine.cluster_plan import ClusterPlan
    from dcgan_core.runs.ownership import RunLock, lock_owner
    from dcgan_core.runs.epochs import checkpoint_epochs
    from dcgan_core.atomic import atomic_write_json
    from dcgan_core.runs.folder import create_run, read_run_config, read_status, run_path, write_status

    run_id = args.run_id
    try:
        if args.resume:
            run_dir = Path(args.resume).resolve()
            if run_dir.name != run_id:
                raise ValueError(f"--resume {run_dir.name} and --run-id {run_id} name different runs")
            if not (run_dir / "config.json").is_file():
                raise ValueError(f"no run at {run_dir}")
        else:
            config, data = make_config(args)
            if config.conditional:  # the custom multi-worker loop feeds images only
                print(
                    "note: training on several machines draws without classes (drawing by class is not "
                    "supported there yet)",
                    file=sys.stderr,
                )
                config = config.with_changes(conditional=False, class_names=())
            run_dir = run_path(run_id, runs_dir)
            if run_dir.exists():
                raise ValueError(
                    f"a run called {run_id} already exists in {runs_dir}; continue it with "
                    f"--resume {run_dir} or pick another --run-id"
                )
        lock = RunLock(run_dir)
        # the runs folder's flock is the queue's lock: no scheduler sees the new run unowned
        with _runs_folder_locked(run_dir.parent):
            if not args.resume:
                create_run(config, runs_dir, dataset_name=data.stem, run_id=run_id)
            elif read_status(run_dir)["status"] == "queued":
                raise ValueError(f"{run_id} is waiting in the queue; stop it first")
            if not lock.acquire():
                raise ValueError(f"{run_id} is being trained by process {lock_owner(run_dir) or 'unknown'}")
            lock.write_owner(os.getpid())
            write_status(run_dir, status="running", message="Starting the cluster.", pid=os.getpid(), traceback="")
    except (DcganError, OSError, ValueError) as exc:
        return ClusterPlan(False, str(exc), run_id), None
    try:
        if args.resume:
            config, meta = read_run_config(run_dir)
            if config.conditional:
                raise ValueError(
                    f"{run_id} draws by class, which training on several machines does not support "
                    "yet; continue it on one machine"
                )
            done = (checkpoint_epochs(run_dir) or [0])[-1]
            config = config.with_changes(epochs=done + (args.epochs or 1))
            atomic_write_json(run_dir / "config.json", {**meta, "config": config_to_dict(config)})
        else:
            config, _ = read_run_config(run_dir)
        clear_requests(run_dir)
    except (DcganError, OSError, ValueError) as exc:
        lock.release()
        return ClusterPlan(False, str(exc), run_id), None
    return ClusterPlan(True, "", run_id, config, run_dir), lock


def train_in_cluster(args: argparse.Namespace, cluster: Cluster, make_config: ConfigMaker) -> int:
    """Run ``train`` as this worker of ``cluster``; returns (through ``os._exit``) the exit status.

    ``make_config`` builds a new run's config from the arguments (on the chief).
    """
    if not args.run_id:
        return fail(f"TF_CONFIG names {cluster.size} workers: start every worker with the same --run-id NAME")
    if args.background:
        return fail(
            "a multi-worker run trains in the foreground (its launcher keeps the process); run it without --background"
        )
    try:
        from dcgan_core.runs.folder import run_path

        runs_dir = Path(args.runs_dir) if args.runs_dir else default_runs_dir()
        run_path(args.run_id, runs_dir)
        if args.batch_size is not None:
            per_worker_batch(args.batch_size, cluster.size)
    except DcganError as exc:
        return fail(str(exc))

    from dcgan_core.runs.control import TrainingControl
    from dcgan_core.engine.cluster_plan import ClusterPlan, make_cluster_strategy
    from dcgan_core.engine.cluster_train import train_cluster

    strategy = make_cluster_strategy()  # before any other TensorFlow work in this process
    lock = None
    if cluster.is_chief:
        plan, lock = _chief_plan(args, runs_dir, make_config)
    else:
        plan = ClusterPlan(True, "", args.run_id)
    run_dir = plan.run_dir if plan.ok else None
    control = TrainingControl(run_dir)
    progress = None
    if run_dir is not None:
        from dcgan_core.runs.progress import ProgressWriter

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: control.stop())
        progress = ProgressWriter(run_dir).start()
        print(f"run: {run_dir} (chief of {cluster.size} workers)", flush=True)

        publish = progress.publish
    else:
        print(f"{cluster.describe()} of run {args.run_id}", flush=True)

        publish = ignore_progress

    status, message = train_cluster(strategy, cluster, plan, control, publish)
    if progress is not None:
        progress.close()
    if lock is not None:
        lock.release()
    print(f"{status}: {message}", flush=True)
    sys.stderr.flush()
    os._exit(0 if status in ("finished", "stopped") else 1)
