"""A web demo served by a plain static server, opened in Chromium: it draws what the app draws."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from collections.abc import Iterator

import numpy as np
import pytest
from playwright import sync_api as playwright_api

from browser_support import free_port, launch_chromium
from explore_support import train_digits_run

from dcgan_core import Sampler, latent_from_seed
from dcgan_core.sharing.web_demo import build_web_demo

pytestmark = pytest.mark.browser
_PIXELS = "() => Array.from(document.getElementById('canvas').getContext('2d').getImageData(0, 0, 28, 28).data)"


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """``python -m http.server`` on a free local port: no app code at all."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_demo_runs_in_the_browser_and_matches_the_app(tmp_path: Path) -> None:
    run_dir = train_digits_run(tmp_path / "runs", tmp_path / "data")
    build_web_demo(run_dir, tmp_path / "demo", make_zip=False)
    expected = Sampler.from_run(run_dir).images(latent_from_seed(0, 16)[None, :])[0, :, :, 0]
    with static_server(tmp_path / "demo") as url, playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.goto(url)
            page.wait_for_function(
                "() => window.demo && (window.demo.error || window.demo.state.drawMs.length > 0)", timeout=60_000
            )
            assert page.evaluate("() => window.demo.error || ''") == ""
            seed0 = np.array(page.evaluate(_PIXELS), np.int16).reshape(28, 28, 4)
            assert np.abs(seed0[:, :, 0] - expected).max() <= 2  # the same image for seed 0 as the app's
            assert page.get_by_text("Direction 1").is_visible()
            page.locator("#direction-0").fill("4")
            page.wait_for_function("() => window.demo.state.drawMs.length >= 2", timeout=30_000)
            moved = np.array(page.evaluate(_PIXELS), np.int16).reshape(28, 28, 4)
            assert np.abs(moved - seed0).sum() > 0  # the slider changed the picture
            page.get_by_role("button", name="Randomize").click()
            page.wait_for_function("() => window.demo.state.drawMs.length >= 3", timeout=30_000)
            assert page.locator("#card").inner_text().count("Dataset: digits (128 images)") == 1
        finally:
            browser.close()
