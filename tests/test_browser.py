"""End to end in a real Chromium: train a tiny run on the bundled digits, stop it, reload."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from browser_support import launch_chromium, serve_app

pytestmark = pytest.mark.browser
LONG = 240_000  # ms: the first epoch includes importing TensorFlow and building the model


def _fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")


def _tiny_settings(page, epochs: str) -> None:
    _fill(page, "Epochs", epochs)
    _fill(page, "Steps per epoch (0 = whole dataset)", "2")
    _fill(page, "Batch size", "16")
    _fill(page, "Width", "0.25")
    _fill(page, "Measure quality every N epochs (0 = never)", "0")


def _start_and_wait_for_a_new_run(page, runs: Path, known: set[str]) -> str:
    """Press Start; return the id of the run it created, once the live view shows that run."""
    start = page.get_by_role("button", name=re.compile("Start training"))
    start.click()
    deadline, clicked = time.monotonic() + LONG / 1000, time.monotonic()
    while not {p.name for p in runs.iterdir()} - known:
        assert time.monotonic() < deadline, "no new run folder"
        if time.monotonic() - clicked > 20:  # a click that landed during a rerun of the page is lost: once more
            start.click()
            clicked = deadline
        time.sleep(0.2)
    time.sleep(1.0)  # a slow first click and the second may both have started a run: the page shows the newest
    run_id = max({p.name for p in runs.iterdir()} - known)
    # the live view names the run it shows (its id, in the caption under the heading)
    page.locator('[data-testid="stMain"]').get_by_text(run_id).first.wait_for(timeout=LONG)
    return run_id


def test_train_watch_stop_and_reload_in_chromium(tmp_path: Path):
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    with serve_app(runs, cache, tmp_path / "server.log") as url, playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_text("Train on the sample digits").wait_for(timeout=LONG)
            assert page.get_by_text("No training in progress").is_visible()

            page.get_by_role("link", name="Train").first.click()
            page.get_by_text("Advanced settings").click()
            _tiny_settings(page, "5000")  # long enough to be stopped by hand, however fast this machine
            page.get_by_role("button", name=re.compile("Start training")).click()

            page.get_by_role("img", name="Losses").locator("path").first.wait_for(timeout=LONG)  # the curves
            page.get_by_text(re.compile(r"Fixed-seed samples after epoch \d+")).first.wait_for(timeout=LONG)
            grid = page.locator('[data-testid="stImage"] img').first
            grid.wait_for(timeout=LONG)
            page.wait_for_function(  # the grid is redrawn with each refresh: wait for one that has loaded
                "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
                ".some(img => img.complete && img.naturalWidth > 100)",
                timeout=60_000,
            )
            [run_dir] = list(runs.iterdir())

            page.get_by_role("button", name=re.compile("^.*Stop$")).click()
            page.get_by_text(re.compile("Stopped · ")).first.wait_for(timeout=LONG)

            page.reload()
            page.get_by_text(re.compile("Stopped · ")).first.wait_for(timeout=LONG)
            page.locator('[data-testid="stMain"]').get_by_text(run_dir.name).first.wait_for(timeout=LONG)
            page.get_by_role("img", name="Losses").first.wait_for(timeout=LONG)
            assert page.get_by_text("No training in progress").is_visible()

            # the explorer on the stopped run: moving a direction slider changes the image
            page.get_by_role("link", name="Explore").first.click()
            # the slider's keyboard-focusable part is a visually hidden range input
            slider = (
                page.locator('[data-testid="stSlider"]').filter(has_text="Direction 1").locator('input[type="range"]')
            )
            slider.first.wait_for(state="attached", timeout=LONG)
            image = page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first
            image.wait_for(timeout=LONG)
            before = image.get_attribute("src")
            slider.first.focus()
            for _ in range(15):
                slider.first.press("ArrowRight")
            page.wait_for_function(
                'before => { const img = document.querySelector(\'[data-testid="stMain"] [data-testid="stImage"] img\');'
                " return img && img.getAttribute('src') !== before; }",
                arg=before,
                timeout=60_000,
            )
            assert image.get_attribute("src") != before
            _explore_downloads(page, tmp_path)
            _train_shows_each_new_start(page, runs)
            _runs_delete_keeps_by_default(page, runs)
        finally:
            browser.close()


def _explore_downloads(page, tmp_path: Path) -> None:
    """Every download button of Explore's export panel gives a valid file on the first click."""
    page.get_by_text("Save & export").first.click()
    buttons = page.locator('[data-testid="stDownloadButton"] button')
    buttons.first.wait_for(timeout=LONG)
    signatures = {".png": b"\x89PNG", ".gif": b"GIF8", ".json": b"{"}
    assert buttons.count() == 4
    for index in range(buttons.count()):
        label = buttons.nth(index).inner_text()
        with page.expect_download(timeout=60_000) as info:
            buttons.nth(index).click()
        download = info.value
        assert download.failure() is None, (label, download.failure())
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        data = target.read_bytes()
        assert data.startswith(signatures[target.suffix]), (target.name, data[:16])


def _train_shows_each_new_start(page, runs: Path) -> None:
    """Two more starts on the Train page: each time the live view shows the new run."""
    page.get_by_role("link", name="Train").first.click()
    page.get_by_text("Advanced settings").click()
    _tiny_settings(page, "1")
    second = _start_and_wait_for_a_new_run(page, runs, {p.name for p in runs.iterdir()})
    page.get_by_text(re.compile("Finished · ")).first.wait_for(timeout=LONG)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Run shown").wait_for(timeout=LONG)
    third = _start_and_wait_for_a_new_run(page, runs, {p.name for p in runs.iterdir()})
    assert third != second
    deadline = time.monotonic() + LONG / 1000
    while json.loads((runs / third / "status.json").read_text()).get("status") != "finished":
        assert time.monotonic() < deadline, "the third run did not finish"
        time.sleep(0.5)
    # The page redraws itself once when the run it shows ends (its live timers stop); wait for that
    # redraw before leaving, as a user would see it: a page link pressed during the ending run's last
    # refresh is replaced by that redraw (the newer rerun request's page wins in Streamlit).
    page.get_by_text(re.compile("Finished · ")).first.wait_for(timeout=LONG)


def _runs_delete_keeps_by_default(page, runs: Path) -> None:
    """In the Runs page's delete dialog, the primary (default) answer is "Keep it"."""
    page.get_by_role("link", name="Runs").first.click()
    count = len(list(runs.iterdir()))
    delete = page.locator('[data-testid="stMain"] button').filter(has_text=re.compile("^.*Delete$"))
    delete.first.wait_for(timeout=LONG)
    enabled = [i for i in range(delete.count()) if delete.nth(i).is_enabled()]
    delete.nth(enabled[0]).click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=LONG)
    keep = dialog.get_by_role("button", name=re.compile("Keep it"))
    delete = dialog.get_by_role("button", name=re.compile("Delete"))
    kinds = (keep.get_attribute("data-testid"), delete.get_attribute("data-testid"))
    assert "primary" in kinds[0] and "primary" not in kinds[1], kinds
    keep.click()
    dialog.wait_for(state="detached", timeout=60_000)
    assert len(list(runs.iterdir())) == count


def test_first_request_to_a_page_url_still_goes_through_the_router(tmp_path: Path):
    # A bookmark or a restored tab can be the first request a fresh server sees.
    with (
        serve_app(tmp_path / "runs", tmp_path / "cache", tmp_path / "server.log") as url,
        playwright_api.sync_playwright() as p,
    ):
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/runs")
            page.get_by_text("No runs yet").wait_for(timeout=LONG)
            page.get_by_text("No training in progress").wait_for(timeout=LONG)
            assert page.locator('[data-testid="stSidebarNavLink"]').count() == 5
            assert page.title() == "DCGAN Studio"
        finally:
            browser.close()
