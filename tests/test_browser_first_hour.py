"""The rest of a new user's first hour, in a real Chromium.

The Data page's uploads (loose files, a folder, a file that is not a picture), the Explore
page following a run while it trains, and the Runs page comparing runs. (Home, Train, the
Explore downloads and the delete dialog are walked in ``test_browser.py``.)
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest
from playwright import sync_api as playwright_api
from playwright.sync_api import expect

from apptest_support import digit_pngs, wait_for
from browser_support import launch_chromium, serve_app
from dcgan_core import JobManager
from dcgan_core.runs.epochs import generator_epochs
from engine_support import digits_npy, tiny_config

pytestmark = pytest.mark.browser
LONG = 240_000  # ms: a worker's first epoch includes importing TensorFlow


def _digit_files(folder: Path, count: int, start: int = 0) -> list[Path]:
    """``count`` of the bundled digits as PNG files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data, _ in digit_pngs(count, start):
        paths.append(folder / PurePosixPath(name).name)
        paths[-1].write_bytes(data)
    return paths


def _uploader(page, folder: bool = False):
    """The file input of the upload box; a folder's input has the ``webkitdirectory`` attribute."""
    kind = "[webkitdirectory]" if folder else ":not([webkitdirectory])"
    return page.locator(f'[data-testid="stFileUploaderDropzoneInput"]{kind}').first


def _data_uploads(page, url: str, tmp_path: Path) -> None:
    """A broken-only upload says why in the open; files and a folder get sensible names and convert."""
    broken = tmp_path / "loose" / "broken.png"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"this is not a picture at all")
    page.goto(f"{url}/data")
    page.get_by_text("Images or zip files").first.click()
    uploader = _uploader(page)
    uploader.wait_for(state="attached", timeout=LONG)
    uploader.set_input_files([broken])
    error = page.locator('[data-testid="stAlert"]').filter(has_text="None of the chosen files can be read")
    error.wait_for(timeout=LONG)
    assert "broken.png" in error.inner_text()  # the reason names the file, in the open
    assert not page.get_by_text("No images chosen yet").is_visible()

    page.get_by_role("button", name="Remove broken.png").click()
    page.get_by_text("No images chosen yet").wait_for(timeout=LONG)
    _uploader(page).set_input_files(_digit_files(tmp_path / "loose", 3))
    name = page.get_by_label("Dataset name")
    expect(name).to_have_value(re.compile(r"^3 uploaded images · "), timeout=LONG)  # not a file's name
    page.get_by_role("button", name=re.compile("Convert and check")).click()
    page.get_by_text(re.compile(r"Converted: 3 images ready")).first.wait_for(timeout=LONG)

    folder = tmp_path / "my_digits"
    _digit_files(folder, 20, start=10)
    page.get_by_text("A folder").first.click()
    uploader = _uploader(page, folder=True)
    uploader.wait_for(state="attached", timeout=LONG)
    uploader.set_input_files(folder)
    expect(name).to_have_value("my_digits", timeout=LONG)  # the folder's name, not its first file's
    page.get_by_role("button", name=re.compile("Convert and check")).click()
    page.get_by_text(re.compile(r"Converted: 20 images ready")).first.wait_for(timeout=LONG)


def _wait_for_saved_epoch(runs: Path, run_id: str, after: int = 0) -> None:
    """Wait until the run's worker has saved a generator of an epoch later than ``after``."""
    wait_for(lambda: max(generator_epochs(runs / run_id), default=0) > after, LONG / 1000, f"an epoch after {after}")


def _live_epoch(page) -> int:
    caption = page.get_by_text(re.compile(r"Live weights as of epoch \d+")).first
    caption.wait_for(timeout=LONG)
    return int(re.search(r"epoch (\d+)", caption.inner_text()).group(1))


def _explore_follows(page, url: str, runs: Path, live: str) -> None:
    """Explore opens the running job and moves on to each newly saved epoch by itself."""
    page.goto(f"{url}/explore")
    page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first.wait_for(timeout=LONG)
    first = _live_epoch(page)
    _wait_for_saved_epoch(runs, live, after=first)
    page.get_by_text(re.compile(r"Live weights as of epoch \d+")).filter(
        has_not_text=re.compile(rf"epoch {first}\b")
    ).first.wait_for(timeout=60_000)  # no reload: the page follows by itself
    assert _live_epoch(page) > first


def _runs_compare(page, url: str) -> None:
    """The Runs page overlays both runs' curves, one legend entry each."""
    page.goto(f"{url}/runs")
    page.get_by_text("Compare").first.wait_for(timeout=LONG)
    legend = page.locator('[data-testid="stPlotlyChart"]').first.locator(".legendtext")
    expect(legend).to_have_count(2, timeout=LONG)
    names = {legend.nth(i).text_content() for i in range(2)}  # SVG text
    assert len(names) == 2, names  # one entry per run, told apart


def test_uploads_live_explore_and_compare_in_chromium(tmp_path: Path) -> None:
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    data = digits_npy(tmp_path)
    manager, live = JobManager(runs), ""
    try:
        finished = manager.start(tiny_config(data, epochs=2, swd_every=0), name="digits")
        manager.wait(finished, timeout=LONG / 1000)
        live = manager.start(tiny_config(data, epochs=100_000, swd_every=0), name="digits")
        with serve_app(runs, cache, tmp_path / "server.log") as url, playwright_api.sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                _data_uploads(page, url, tmp_path)  # while the second run starts
                _wait_for_saved_epoch(runs, live)
                _explore_follows(page, url, runs, live)
                manager.stop(live)
                manager.wait(live, timeout=LONG / 1000)
                _runs_compare(page, url)
            finally:
                browser.close()
    finally:
        if live and manager.is_busy(live):
            manager.stop(live)
            manager.wait(live, timeout=60)
        manager.close()
