"""Progress travels as typed events; metrics.csv is a run's one history."""

import csv
import io
import json

import pytest

from dcgan_core import JobManager, read_metrics
from dcgan_core.runs.progress import Progress, ProgressWriter
from engine_support import digits_npy, tiny_config


def test_a_misspelt_progress_field_is_an_error_not_a_lost_value():
    with pytest.raises(TypeError):
        Progress(stpe=3)
    assert Progress(step=3, status="paused").changes() == {"step": 3, "status": "paused"}
    assert Progress(status="paused").is_pause_or_resume and not Progress(status="paused", epoch=2).is_pause_or_resume


def test_the_progress_file_holds_what_the_events_set(tmp_path):
    writer = ProgressWriter(tmp_path, interval=0.05).start()
    writer.update(Progress(step=4, epoch=2, batch_g_loss=float("nan"), batch_d_loss=0.5))
    writer.update(Progress(status="paused"))
    writer.close()
    record = json.loads((tmp_path / "progress.json").read_text())
    assert (record["step"], record["epoch"], record["status"]) == (4, 2, "paused")
    assert record["batch_g_loss"] is None and record["batch_d_loss"] == 0.5 and record["heartbeat"] > 0


def test_a_resumed_run_takes_its_history_from_metrics_csv(tmp_path):
    data = digits_npy(tmp_path)
    manager = JobManager(tmp_path / "runs")
    run_id = manager.start(tiny_config(data, epochs=2))
    assert manager.wait(run_id, timeout=300).status == "finished"
    run_dir = tmp_path / "runs" / run_id
    for state in (run_dir / "checkpoints").glob("*.json"):
        assert "history" not in json.loads(state.read_text())  # the checkpoint keeps no second copy
    rows = list(csv.DictReader(io.StringIO((run_dir / "metrics.csv").read_text())))
    rows[0]["g_loss"] = "123.0"  # a mark only metrics.csv carries
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (run_dir / "metrics.csv").write_text(out.getvalue())
    manager.continue_run(run_id, 1)
    assert manager.wait(run_id, timeout=300).status == "finished"
    after = read_metrics(run_dir)
    assert after["epoch"] == [1.0, 2.0, 3.0] and after["g_loss"][0] == 123.0
