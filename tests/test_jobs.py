"""The background job manager: queue, pause, resume, stop and snapshots, with real training."""

import time

import pytest

from dcgan_core import JobError, JobManager, delete_run, RunError
from dcgan_core.runs.folder import read_status
from engine_support import digits_npy, tiny_config


def _wait_for(predicate, timeout=240.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_queue_pause_resume_stop(tmp_path):
    data = digits_npy(tmp_path)
    manager = JobManager(tmp_path / "runs")
    first = manager.start(tiny_config(data, epochs=200, steps_per_epoch=5, swd_every=0))
    second = manager.start(tiny_config(data, epochs=1, swd_every=0))
    third = manager.start(tiny_config(data, epochs=1, swd_every=0))
    assert manager.snapshot(second).status == "queued" and manager.snapshot(second).queue_position == 1
    assert [s.run_id for s in manager.jobs()][:3] == [first, second, third]
    assert _wait_for(lambda: manager.snapshot(first).epoch >= 1), manager.snapshot(first).message
    with pytest.raises(RunError, match="stop it"):
        delete_run(first, tmp_path / "runs", manager=manager)
    manager.pause(first)
    assert _wait_for(lambda: read_status(tmp_path / "runs" / first)["status"] == "paused", timeout=60)
    frozen = (manager.snapshot(first).epoch, manager.snapshot(first).step)
    time.sleep(1.5)
    assert (manager.snapshot(first).epoch, manager.snapshot(first).step) == frozen  # really paused
    assert read_status(tmp_path / "runs" / first)["status"] == "paused"
    with pytest.raises(JobError, match="paused"):
        manager.pause(first)
    manager.resume(first)
    assert _wait_for(lambda: (manager.snapshot(first).epoch, manager.snapshot(first).step) != frozen)
    manager.stop(third)  # a queued job is simply dropped
    assert manager.snapshot(third).status == "stopped"
    manager.stop(first)
    snap = manager.wait(first, timeout=60)
    assert snap.status == "stopped" and snap.epoch < 200
    done = manager.wait(second, timeout=240)
    assert done.status == "finished" and done.history["epoch"] == [1.0]
    assert done.latest_grid is not None and done.latest_grid.dtype.name == "uint8"
    history = manager.snapshot(first).history
    assert len(history["g_loss"]) == snap.epoch  # snapshot carries the whole history


def test_bad_requests_are_refused(tmp_path):
    manager = JobManager(tmp_path / "runs")
    with pytest.raises(JobError, match="unknown"):
        manager.pause("nope")
    with pytest.raises(RunError):
        manager.continue_run("../../etc", 1)
    with pytest.raises(JobError, match="at least 1"):
        manager.continue_run("x", 0)
