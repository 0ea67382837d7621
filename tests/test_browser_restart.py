"""In a real Chromium: a run goes on training while the web server is stopped and started again."""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from browser_support import launch_chromium, serve_app
from dcgan_core import JobManager
from dcgan_core.runs.folder import read_status
from dcgan_core.runs.ownership import lock_owner

pytestmark = pytest.mark.browser
LONG = 240_000  # ms: the first epoch includes importing TensorFlow and building the model
_EPOCH = re.compile(r"Fixed-seed samples after epoch (\d+)")


def _fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")


def _shown_epoch(page) -> int:
    caption = page.get_by_text(_EPOCH).first
    caption.wait_for(timeout=LONG)
    return int(_EPOCH.search(caption.inner_text()).group(1))


def test_a_run_survives_a_server_restart_and_the_new_server_shows_it_live(tmp_path: Path):
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            with serve_app(runs, cache, tmp_path / "first.log") as url:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{url}/train")
                page.get_by_text("Advanced settings").click()
                _fill(page, "Epochs", "10000")
                _fill(page, "Steps per epoch (0 = whole dataset)", "2")
                _fill(page, "Batch size", "16")
                _fill(page, "Width", "0.25")
                _fill(page, "Measure quality every N epochs (0 = never)", "0")
                page.get_by_role("button", name=re.compile("Start training")).click()
                before = _shown_epoch(page)
                page.close()
            [run_dir] = list(runs.iterdir())
            owner = lock_owner(run_dir)
            assert owner, "the worker died with the server"
            assert read_status(run_dir)["status"] == "running"
            time.sleep(3)  # no server at all for a while
            with serve_app(runs, cache, tmp_path / "second.log") as url:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{url}/train")
                page.get_by_text(re.compile("Training · ")).first.wait_for(timeout=LONG)
                page.locator('[data-testid="stMain"]').get_by_text(run_dir.name).first.wait_for(timeout=LONG)
                deadline = time.monotonic() + 120
                while _shown_epoch(page) <= before + 1 and time.monotonic() < deadline:
                    time.sleep(1)  # the live view follows the worker by itself
                assert _shown_epoch(page) > before + 1
                assert lock_owner(run_dir) == owner  # the same worker all along
                page.get_by_role("button", name=re.compile("^.*Stop$")).click()
                page.get_by_text(re.compile("Stopped · ")).first.wait_for(timeout=LONG)
        finally:
            browser.close()
            _stop_everything(runs)


def _stop_everything(runs: Path) -> None:
    """Workers outlive servers by design: a test stops its own."""
    if not runs.exists():
        return
    jobs = JobManager(runs, watch=False)
    for snap in jobs.jobs():
        if snap.status in ("queued", "running", "paused"):
            with contextlib.suppress(Exception):
                jobs.stop(snap.run_id)
            jobs.wait(snap.run_id, timeout=60)
