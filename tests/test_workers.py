"""Training in worker processes: lifecycle, ownership, the queue on disk, crashes, and the ONNX sampler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engine_support import digits_npy, tiny_config
from explore_support import copy_run, train_digits_run

from dcgan_core import JobError, JobManager, RunError, Sampler, delete_run, list_runs, read_metrics, train_run
from dcgan_core.runs.epochs import checkpoint_epochs
from dcgan_core.runs.folder import read_status, write_status
from dcgan_core.runs.ownership import lock_owner

ROOT = Path(__file__).resolve().parents[1]


def wait_for(predicate, timeout: float = 240.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "dcgan_core", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workers")
    return train_digits_run(root / "runs", root / "data")


def test_onnx_sampler_matches_the_keras_generator(trained: Path) -> None:
    from dcgan_core import load_generator, sample_latents

    z = sample_latents(8, 16, 3, "normal")
    keras_out = load_generator(trained, 2)[0](z, training=False).numpy()
    onnx_out = Sampler.from_run(trained, 2).outputs(z)
    assert onnx_out.shape == keras_out.shape == (8, 28, 28, 1)
    assert np.max(np.abs(onnx_out - keras_out)) < 1e-4


def test_a_run_saved_without_onnx_files_gets_them_from_a_short_lived_worker(trained: Path, tmp_path: Path) -> None:
    old = copy_run(trained, tmp_path, "old-run")
    for path in (old / "generators").glob("*.onnx"):
        path.unlink()
    z = np.zeros((2, 16), np.float32)
    images = Sampler.from_run(old, 1).images(z)
    assert (old / "generators" / "epoch_0001.onnx").is_file()
    np.testing.assert_array_equal(images, Sampler.from_run(trained, 1).images(z))


def test_lifecycle_across_processes_with_pause_that_outlives_the_manager(tmp_path: Path) -> None:
    data = digits_npy(tmp_path)
    manager = JobManager(tmp_path / "runs")
    run_id = manager.start(tiny_config(data, epochs=300, steps_per_epoch=4, swd_every=0, checkpoint_every=50))
    snap = wait_for(lambda: (s := manager.snapshot(run_id)) and s.epoch >= 1 and s, what="the first epoch")
    assert snap.owner_pid and snap.owner_pid != os.getpid()  # a separate process trains it
    assert snap.status == "running" and snap.latest_grid is not None
    manager.pause(run_id)
    wait_for(lambda: read_status(tmp_path / "runs" / run_id)["status"] == "paused", 60, "the pause")
    manager.close()
    fresh = JobManager(tmp_path / "runs")  # as after a server restart
    frozen = fresh.snapshot(run_id)
    time.sleep(2.0)
    again = fresh.snapshot(run_id)
    assert again.status == "paused" and (again.epoch, again.step) == (frozen.epoch, frozen.step)
    fresh.resume(run_id)
    wait_for(lambda: fresh.snapshot(run_id).epoch > frozen.epoch, 120, "training to go on")
    fresh.stop(run_id)
    done = fresh.wait(run_id, timeout=120)
    assert done.status == "stopped" and done.epoch < 300
    assert lock_owner(tmp_path / "runs" / run_id) is None
    fresh.close()


def test_the_worker_outlives_a_killed_parent_and_a_fresh_manager_attaches(tmp_path: Path) -> None:
    data = digits_npy(tmp_path)
    runs = tmp_path / "runs"
    script = textwrap.dedent(f"""
        import sys, time; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / "tests")!r})
        from engine_support import tiny_config
        from dcgan_core import JobManager
        from pathlib import Path
        manager = JobManager(Path({str(runs)!r}))
        print(manager.start(tiny_config(Path({str(data)!r}), epochs=12, steps_per_epoch=3, swd_every=0)), flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    run_id = parent.stdout.readline().strip()
    manager = JobManager(runs)
    wait_for(lambda: manager.snapshot(run_id).epoch >= 1, what="the first epoch")
    os.kill(parent.pid, signal.SIGKILL)  # the "web server" dies
    parent.wait()
    epoch = manager.snapshot(run_id).epoch
    wait_for(lambda: manager.snapshot(run_id).epoch > epoch, 120, "training to go on without its parent")
    assert manager.snapshot(run_id).status == "running"
    done = manager.wait(run_id, timeout=240)
    assert done.status == "finished" and done.epoch == 12
    manager.close()


def test_a_killed_worker_is_interrupted_at_the_next_listing_and_resumes_with_its_history(tmp_path: Path) -> None:
    data = digits_npy(tmp_path)
    runs = tmp_path / "runs"
    manager = JobManager(runs, watch=False)
    run_id = manager.start(tiny_config(data, epochs=200, steps_per_epoch=2, swd_every=0))
    run_dir = runs / run_id
    wait_for(lambda: len(checkpoint_epochs(run_dir)) >= 2, what="two checkpoints")
    os.kill(manager.snapshot(run_id).owner_pid, signal.SIGKILL)
    wait_for(lambda: lock_owner(run_dir) is None, 30, "the lock to be freed")
    [summary] = list_runs(runs)
    assert summary.status == "interrupted"  # noticed by a listing, no restart needed
    saved = checkpoint_epochs(run_dir)[-1]
    manager.continue_run(run_id, 1)
    done = manager.wait(run_id, timeout=240)
    assert done.status == "finished" and done.epoch == saved + 1
    assert read_metrics(run_dir)["epoch"] == [float(e) for e in range(1, saved + 2)]


def test_one_owner_per_run(tmp_path: Path) -> None:
    data = digits_npy(tmp_path)
    runs = tmp_path / "runs"
    manager = JobManager(runs)
    run_id = manager.start(tiny_config(data, epochs=300, steps_per_epoch=3, swd_every=0, checkpoint_every=100))
    run_dir = runs / run_id
    wait_for(lambda: manager.snapshot(run_id).epoch >= 1, what="the first epoch")
    owner = lock_owner(run_dir)
    assert owner and owner == manager.snapshot(run_id).owner_pid
    outcome = train_run(run_dir)  # a second trainer in this process
    assert outcome.status == "failed" and f"process {owner}" in outcome.message
    with pytest.raises(RunError, match=f"process {owner}"):
        delete_run(run_id, runs)
    result = cli("train", "--resume", str(run_dir), "--epochs", "1")
    assert result.returncode == 2 and f"process {owner}" in result.stderr
    assert (
        read_status(run_dir)["status"] == "running"
        and json.loads((run_dir / "config.json").read_text())["config"]["epochs"] == 300
    )  # the refused resume changed nothing
    manager.stop(run_id)
    assert manager.wait(run_id, timeout=120).status == "stopped"
    delete_run(run_id, runs)
    assert not run_dir.exists()
    manager.close()


def test_the_queue_survives_a_restart_of_the_manager(tmp_path: Path) -> None:
    data = digits_npy(tmp_path)
    runs = tmp_path / "runs"
    first_manager = JobManager(runs)
    first = first_manager.start(tiny_config(data, epochs=300, steps_per_epoch=3, swd_every=0, checkpoint_every=100))
    second = first_manager.start(tiny_config(data, epochs=1, swd_every=0))
    first_manager.close()
    manager = JobManager(runs)  # the server restarted
    assert manager.interrupted == []
    snap = manager.snapshot(second)
    assert snap.status == "queued" and snap.queue_position == 1
    wait_for(lambda: manager.snapshot(first).epoch >= 1, what="the first run")
    assert manager.snapshot(second).status == "queued"  # one slot: it waits
    manager.stop(first)
    done = manager.wait(second, timeout=240)
    assert done.status == "finished" and done.epoch == 1
    manager.close()


def test_a_worker_that_fails_at_start_is_failed_with_its_reason(tmp_path: Path) -> None:
    bad = tmp_path / "broken.npy"
    bad.write_bytes(b"not a numpy file at all")
    manager = JobManager(tmp_path / "runs")
    run_id = manager.start(tiny_config(bad, epochs=1))
    snap = manager.wait(run_id, timeout=120)
    assert snap.status == "failed" and "broken.npy" in snap.message
    assert snap.traceback
    manager.close()


def test_damaged_run_files_are_listed_as_damaged_and_break_nothing(trained: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    copy_run(trained, runs, "good")
    wrong_types = copy_run(trained, runs, "wrong-types")
    write_status(wrong_types, status="finished", epoch="many", epochs_total=[2])
    deep = copy_run(trained, runs, "deep-config")
    (deep / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    summaries = {s.run_id: s for s in list_runs(runs)}
    assert not summaries["good"].damaged
    assert summaries["wrong-types"].damaged and "wrong type" in summaries["wrong-types"].problem
    assert summaries["deep-config"].damaged and "nested too deeply" in summaries["deep-config"].problem
    manager = JobManager(runs, watch=False)
    assert {s.run_id for s in manager.jobs()} == {"good"}
    assert manager.snapshot("deep-config") is None


def test_resume_falls_back_to_the_previous_checkpoint_when_the_newest_is_damaged(trained: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    run_dir = copy_run(trained, runs, "truncated-checkpoint")
    assert checkpoint_epochs(run_dir) == [1, 2]
    newest = run_dir / "checkpoints" / "epoch_0002.npz"
    newest.write_bytes(newest.read_bytes()[:500])
    manager = JobManager(runs, watch=False)
    manager.continue_run(run_dir.name, 1)
    from dcgan_core.runs.workers import schedule

    schedule(runs)
    done = manager.wait(run_dir.name, timeout=240)
    assert done.status == "finished" and done.epoch == 3  # from epoch 1's checkpoint up to 2 + 1
    metrics = read_metrics(run_dir)
    assert metrics["epoch"] == [1.0, 2.0, 3.0]
    assert metrics["g_loss"][0] == read_metrics(trained)["g_loss"][0]  # epoch 1's history kept


def test_the_cli_drives_background_runs(tmp_path: Path) -> None:
    data = digits_npy(tmp_path)
    runs = tmp_path / "runs"
    started = cli(
        "train",
        "--data",
        str(data),
        "--runs-dir",
        str(runs),
        "--epochs",
        "300",
        "--width",
        "0.25",
        "--batch-size",
        "32",
        "--background",
    )
    assert started.returncode == 0, started.stderr
    run_dir = Path(next(line for line in started.stdout.splitlines() if line.startswith("run: "))[5:].strip())
    manager = JobManager(runs)  # the app's view of a run started from the CLI
    wait_for(lambda: manager.snapshot(run_dir.name).epoch >= 1, what="the first epoch")
    listing = cli("runs", "--runs-dir", str(runs))
    assert run_dir.name in listing.stdout and "running" in listing.stdout and "process" in listing.stdout
    assert "paused" in cli("pause", str(run_dir)).stdout
    wait_for(lambda: "paused" in cli("status", str(run_dir)).stdout, 60, "the pause")
    assert cli("resume", str(run_dir)).returncode == 0
    wait_for(lambda: read_status(run_dir)["status"] == "running", 60, "the resume")
    assert cli("stop", str(run_dir)).returncode == 0
    assert manager.wait(run_dir.name, timeout=120).status == "stopped"
    missing = cli("status", str(tmp_path / "nope"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    with pytest.raises(JobError):
        manager.pause(run_dir.name)
    manager.close()


def test_a_worker_can_run_at_a_lower_priority() -> None:
    import subprocess
    import sys

    from dcgan_core.paths import child_env

    code = (
        "import os; from dcgan_core.runs.worker import _lower_priority; before = os.nice(0); _lower_priority(); "
        "print(os.nice(0) - before)"
    )
    for setting, expected in (("7", "7"), ("0", "0"), ("not a number", "0")):
        env = {**child_env(), "DCGAN_WORKER_NICE": setting}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        assert done.stdout.strip() == expected, (setting, done.stdout, done.stderr)
