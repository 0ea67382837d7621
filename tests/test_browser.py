"""End to end in a real Chromium: train a tiny run on the bundled digits, stop it, reload."""

from __future__ import annotations

import re
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
            _fill(page, "Epochs", "200")
            _fill(page, "Steps per epoch (0 = whole dataset)", "2")
            _fill(page, "Batch size", "16")
            _fill(page, "Width", "0.25")
            _fill(page, "Measure quality (SWD) every N epochs (0 = never)", "0")
            page.get_by_role("button", name=re.compile("Start training")).click()

            page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=LONG)
            page.get_by_text(re.compile(r"Fixed-seed samples after epoch \d+")).first.wait_for(timeout=LONG)
            grid = page.locator('[data-testid="stImage"] img').first
            grid.wait_for(timeout=LONG)
            assert grid.evaluate("img => img.naturalWidth") > 100
            [run_dir] = list(runs.iterdir())

            page.get_by_role("button", name=re.compile("^.*Stop$")).click()
            page.get_by_text(re.compile("Stopped · ")).first.wait_for(timeout=LONG)

            page.reload()
            page.get_by_text(re.compile(f"Stopped · {re.escape(run_dir.name)}")).first.wait_for(timeout=LONG)
            page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=LONG)
            assert page.get_by_text("No training in progress").is_visible()

            # the explorer on the stopped run: moving a direction slider changes the image
            page.get_by_role("link", name="Explore").first.click()
            # the slider's keyboard-focusable part is a visually hidden range input
            slider = page.locator('[data-testid="stSlider"]').filter(has_text="Direction 1").locator('input[type="range"]')
            slider.first.wait_for(state="attached", timeout=LONG)
            image = page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first
            image.wait_for(timeout=LONG)
            before = image.get_attribute("src")
            slider.first.focus()
            for _ in range(15):
                slider.first.press("ArrowRight")
            page.wait_for_function(
                "before => { const img = document.querySelector('[data-testid=\"stMain\"] [data-testid=\"stImage\"] img');"
                " return img && img.getAttribute('src') !== before; }", arg=before, timeout=60_000)
            assert image.get_attribute("src") != before
        finally:
            browser.close()


def test_first_request_to_a_page_url_still_goes_through_the_router(tmp_path: Path):
    # A bookmark or a restored tab can be the first request a fresh server sees.
    with serve_app(tmp_path / "runs", tmp_path / "cache", tmp_path / "server.log") as url, \
            playwright_api.sync_playwright() as p:
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
