"""The web process never imports TensorFlow or Keras: every page, training and exploring, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from explore_support import train_digits_run

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, ROOT); sys.path.insert(0, ROOT + "/tests")
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest
    original = PagesManager.__init__
    def init(self, *a, **k):
        original(self, *a, **k)
        PagesManager.uses_pages_directory = False
    PagesManager.__init__ = init

    at = AppTest.from_file(ROOT + "/app.py", default_timeout=120)
    at.run()
    seen = []
    for page in ["pages/home.py", "pages/data.py", "pages/train.py", "pages/runs.py", "pages/explore.py"]:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        seen.append(page)
    images_on_explore = len(at.get("image"))
    at.slider(key="ex_dir_0").set_value(2.0).run()  # a slider move samples the generator again
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/train.py").run()
    at.button(key="train_estimate").click().run()   # the cost probe runs in a worker process
    assert not at.exception, [e.value for e in at.exception]
    estimated = any("Per epoch" in m.label for m in at.metric)
    at.switch_page("pages/home.py").run()
    at.button(key="home_train_digits").click().run()  # training starts in a worker process
    assert not at.exception, [e.value for e in at.exception]
    from dcgan_core import JobManager, default_runs_dir
    jobs = JobManager(default_runs_dir(), watch=False)
    started = [j for j in jobs.jobs() if j.status in ("queued", "running")]
    for job in started:
        jobs.stop(job.run_id)
    print(json.dumps({"tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules,
                      "pages": seen, "explore_images": images_on_explore, "estimated": estimated,
                      "started": len(started)}))
""")


def test_no_tensorflow_in_the_web_process(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    train_digits_run(runs, tmp_path / "data")
    env = dict(os.environ, DCGAN_RUNS_DIR=str(runs), DCGAN_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-c", f"ROOT = {str(ROOT)!r}\n" + _SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["pages"]) == 5 and report["explore_images"] >= 1
    assert report["estimated"] and report["started"] == 1
    assert report["tensorflow"] is False and report["keras"] is False
