"""Training past one machine: TF_CONFIG clusters of real worker processes on localhost ports.

Each worker gets its own ``--runs-dir`` (as on separate hosts), so "the non-chief wrote
nothing" is checked on a folder it would have written to.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dcgan_core import ConfigError, JobManager, list_runs, read_metrics
from dcgan_core.runs.control import request_pause, request_stop
from dcgan_core.runs.folder import read_status
from dcgan_core.engine.cluster import Cluster, cluster_from_env, per_worker_batch, shard_batches
from engine_support import digits_npy

ROOT = Path(__file__).resolve().parents[1]


def _tf_config(workers: list[str], index: int) -> str:
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def _ports(n: int) -> list[str]:
    found = []
    for _ in range(n):
        with socket.socket() as s:
            s.bind(("localhost", 0))
            found.append(f"localhost:{s.getsockname()[1]}")
    return found


def _start(
    tmp_path: Path, data: Path, *extra: str, epochs: int = 2, timeout: int = 20, wrap_second: list[str] | None = None
) -> list[subprocess.Popen]:
    workers = _ports(2)
    procs = []
    for index in range(2):
        env = dict(
            os.environ,
            TF_CONFIG=_tf_config(workers, index),
            CUDA_VISIBLE_DEVICES="",
            TF_CPP_MIN_LOG_LEVEL="2",
            PYTHONPATH=str(ROOT),
            DCGAN_WEIGHTS_DIGEST=str(tmp_path / "digest"),
            DCGAN_COLLECTIVE_TIMEOUT=str(timeout),
        )
        log = open(tmp_path / f"worker{index}.log", "w")
        procs.append(
            subprocess.Popen(
                (wrap_second if index == 1 and wrap_second else [])
                + [
                    sys.executable,
                    "-m",
                    "dcgan_core",
                    "train",
                    "--data",
                    str(data),
                    "--preset",
                    "custom",
                    "--width",
                    "0.25",
                    "--batch-size",
                    "32",
                    "--epochs",
                    str(epochs),
                    "--runs-dir",
                    str(tmp_path / f"runs{index}"),
                    "--run-id",
                    "cluster-run",
                    *extra,
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return procs


def _log(tmp_path: Path, index: int) -> str:
    return (tmp_path / f"worker{index}.log").read_text()


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _training(run_dir: Path) -> bool:
    try:
        return json.loads((run_dir / "progress.json").read_text()).get("step", 0) >= 1
    except (OSError, ValueError):
        return False


# ---- no TensorFlow -------------------------------------------------------------------------
def test_tf_config_names_the_cluster_and_the_chief():
    workers = ["a:1", "b:2", "c:3"]
    assert cluster_from_env({}) is None
    assert cluster_from_env({"TF_CONFIG": _tf_config(["a:1"], 0)}) is None  # one worker: a plain run
    cluster = cluster_from_env({"TF_CONFIG": _tf_config(workers, 2)})
    assert cluster == Cluster(tuple(workers), 2) and not cluster.is_chief and cluster.size == 3
    assert cluster.describe() == "worker 2 (c:3)"
    assert cluster_from_env({"TF_CONFIG": _tf_config(workers, 0)}).is_chief
    with pytest.raises(ConfigError, match="task index 5"):
        cluster_from_env({"TF_CONFIG": _tf_config(workers, 5)})
    with pytest.raises(ConfigError, match="not a cluster"):
        cluster_from_env({"TF_CONFIG": "{nope"})


def test_the_global_batch_splits_evenly_or_is_refused():
    assert per_worker_batch(64, 2) == 32
    with pytest.raises(ConfigError, match="does not divide between 3 workers"):
        per_worker_batch(64, 3)


def test_each_worker_reads_its_own_rows_and_together_they_cover_each_global_batch():
    array = np.arange(40, dtype=np.int64).reshape(40, 1)
    shards = [shard_batches(array, 8, seed=3, shard=i, shards=2) for i in range(2)]
    seen = []
    for _ in range(5):  # one epoch: 5 global batches of 8
        a, b = next(shards[0]), next(shards[1])
        assert len(a) == len(b) == 4 and not set(a[:, 0]) & set(b[:, 0])
        seen.extend(a[:, 0].tolist() + b[:, 0].tolist())
    assert sorted(seen) == list(range(40))


def test_a_batch_that_does_not_divide_is_refused_before_training(tmp_path):
    env = dict(os.environ, TF_CONFIG=_tf_config(_ports(3), 1), PYTHONPATH=str(ROOT))
    base = [sys.executable, "-m", "dcgan_core", "train", "--runs-dir", str(tmp_path / "runs")]
    result = subprocess.run(
        base + ["--batch-size", "32", "--run-id", "x"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "does not divide between 3 workers" in result.stderr
    result = subprocess.run(base + ["--batch-size", "33"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--run-id" in result.stderr
    assert not (tmp_path / "runs").exists()


# ---- two real workers ------------------------------------------------------------------------
@pytest.mark.slow
def test_two_workers_train_one_run_that_only_the_chief_writes(tmp_path):
    data = digits_npy(tmp_path, n=128)
    procs = _start(tmp_path, data)
    codes = [p.wait(timeout=400) for p in procs]
    assert codes == [0, 0], _log(tmp_path, 0)[-3000:] + _log(tmp_path, 1)[-3000:]
    assert all("finished: Finished 2 epochs." in _log(tmp_path, i) for i in range(2))
    run_dir = tmp_path / "runs0" / "cluster-run"
    status = read_status(run_dir)
    assert status["status"] == "finished" and status["epoch"] == 2 and len(status["cluster"]) == 2
    metrics = read_metrics(run_dir)
    assert metrics["epoch"] == [1.0, 2.0]
    assert all(0.05 < v < 5 for v in metrics["g_loss"] + metrics["d_loss"])  # global means, not sums of shares
    for name in (
        "config.json",
        "generator.keras",
        "progress.gif",
        "samples/epoch_0002.png",
        "checkpoints/epoch_0002.npz",
        "generators/epoch_0002.npz",
        "generators/epoch_0002.onnx",
    ):
        assert (run_dir / name).is_file(), name
    assert not (tmp_path / "runs1").exists()  # the other worker wrote nothing
    digests = [(tmp_path / f"digest.task{i}").read_text() for i in range(2)]
    assert len(digests[0]) == 64 and digests[0] == digests[1]  # same generator weights on both workers
    summary = {r.run_id: r for r in list_runs(tmp_path / "runs0")}["cluster-run"]
    assert summary.status == "finished" and summary.epochs_done == 2  # listed like any other run
    assert JobManager(tmp_path / "runs0").snapshot("cluster-run").status == "finished"

    # resume: the chief extends its run, every worker starts from the chief's checkpoint
    procs = _start(tmp_path, data, "--resume", str(run_dir), epochs=1)
    codes = [p.wait(timeout=400) for p in procs]
    assert codes == [0, 0], _log(tmp_path, 0)[-3000:] + _log(tmp_path, 1)[-3000:]
    assert read_status(run_dir)["status"] == "finished" and read_metrics(run_dir)["epoch"] == [1.0, 2.0, 3.0]
    resumed = [(tmp_path / f"digest.task{i}").read_text() for i in range(2)]
    assert resumed[0] == resumed[1] != digests[0]
    assert not (tmp_path / "runs1").exists()


@pytest.mark.slow
def test_pause_and_stop_reach_every_worker_at_the_same_step(tmp_path):
    data = digits_npy(tmp_path, n=128)
    procs = _start(tmp_path, data, epochs=500)
    run_dir = tmp_path / "runs0" / "cluster-run"
    try:
        assert _wait_for(lambda: _training(run_dir), 240), _log(tmp_path, 0)[-3000:]
        request_pause(run_dir)
        assert _wait_for(lambda: read_status(run_dir)["status"] == "paused", 60)
        time.sleep(25)  # longer than the collective timeout: paused workers keep meeting, none times out
        assert [p.poll() for p in procs] == [None, None]
        request_stop(run_dir)
        codes = [p.wait(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert codes == [0, 0], _log(tmp_path, 0)[-3000:] + _log(tmp_path, 1)[-3000:]
    assert read_status(run_dir)["status"] == "stopped"
    assert all("stopped: Stopped after epoch" in _log(tmp_path, i) for i in range(2))


@pytest.mark.slow
def test_a_worker_that_dies_makes_the_chief_fail_naming_it(tmp_path):
    data = digits_npy(tmp_path, n=128)
    procs = _start(tmp_path, data, epochs=500)
    run_dir = tmp_path / "runs0" / "cluster-run"
    try:
        assert _wait_for(lambda: _training(run_dir), 240), _log(tmp_path, 0)[-3000:]
        procs[1].kill()
        killed = time.monotonic()
        code = procs[0].wait(timeout=120)
        took = time.monotonic() - killed
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert code == 1
    status = read_status(run_dir)
    assert status["status"] == "failed", status
    assert status["message"].startswith("worker 1 (localhost:") and "stopped responding" in status["message"]
    print(f"the chief ended {took:.1f} s after worker 1 was killed")


@pytest.mark.slow
def test_a_host_without_the_dataset_is_named_and_nobody_trains(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    data = digits_npy(folder, n=128)
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {folder} && test ! -e {data}"],
        capture_output=True,
        timeout=30,
    )
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode()[-200:]}")
    # worker 1 sees an empty folder where the dataset is: as on a host without it
    hide = ["unshare", "-m", "sh", "-c", f'mount -t tmpfs none {folder} && exec "$@"', "sh"]
    procs = _start(tmp_path, data, wrap_second=hide)
    codes = [p.wait(timeout=300) for p in procs]
    assert codes == [1, 1], _log(tmp_path, 0)[-3000:] + _log(tmp_path, 1)[-3000:]
    status = read_status(tmp_path / "runs0" / "cluster-run")
    assert status["status"] == "failed"
    assert "worker 1 (localhost:" in status["message"] and "lacks the dataset" in status["message"]
    assert str(data) in status["message"] and "worker 0" not in status["message"]
    assert "was not found" in _log(tmp_path, 1)
    assert not list((tmp_path / "runs0" / "cluster-run").glob("checkpoints/*"))
