"""Take the README's screenshots of the main pages in a real Chromium.

Starts the app on a free port with throw-away run and cache folders, trains a small run
on the bundled digits, and saves ``docs/home.png``, ``docs/data.png``, ``docs/train.png``
and ``docs/runs.png``.

Usage: python3 scripts/screenshots.py [--epochs 6] [--steps 30]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import launch_chromium, serve_app  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

LONG = 600_000


def _fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")


def _shot(page, name: str) -> None:
    page.wait_for_timeout(1500)  # let charts and images finish drawing
    path = ROOT / "docs" / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"saved {path.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    (ROOT / "docs").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with serve_app(tmp_path / "runs", tmp_path / "cache", tmp_path / "server.log") as url, \
                sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.goto(url)
            page.get_by_text("Train on the sample digits").wait_for(timeout=LONG)
            _shot(page, "home")

            page.goto(f"{url}/data")
            page.get_by_text("Your datasets").wait_for(timeout=LONG)
            _shot(page, "data")

            page.goto(f"{url}/train")
            page.get_by_text("Advanced settings").click()
            _fill(page, "Epochs", str(args.epochs))
            _fill(page, "Steps per epoch (0 = whole dataset)", str(args.steps))
            _fill(page, "Measure quality (SWD) every N epochs (0 = never)", "2")
            page.get_by_role("button", name=re.compile("Start training")).click()
            page.get_by_text(re.compile(f"Finished · ")).first.wait_for(timeout=LONG)
            page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=LONG)
            _shot(page, "train")

            page.goto(f"{url}/runs")
            page.get_by_text("Inspect a run").wait_for(timeout=LONG)
            _shot(page, "runs")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
