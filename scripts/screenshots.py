"""Take the README's screenshots of the main pages in a real Chromium.

Starts the app on a free port with throw-away run and cache folders, trains a small run
on the bundled digits, and saves ``docs/home.png``, ``docs/data.png``, ``docs/train.png``
``docs/runs.png`` and ``docs/explore.png``. Status icons are emoji: install ``fonts-noto-color-emoji`` first
for them to show in headless Chromium.

Usage: python3 scripts/screenshots.py [--epochs 30] [--steps 30] [--shot-at 12]
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


def _shot(page, name: str, height: int = 950) -> None:
    page.set_viewport_size({"width": 1400, "height": height})
    page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop > 0) e.scrollTop = 0; })")
    page.wait_for_timeout(2000)  # let charts and images finish drawing
    path = ROOT / "docs" / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"saved {path.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--shot-at", type=int, default=12, help="epoch at which to photograph the live view")
    args = parser.parse_args()
    (ROOT / "docs").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with serve_app(tmp_path / "runs", tmp_path / "cache", tmp_path / "server.log") as url, sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.goto(url)
            page.get_by_text("Train on the sample digits").wait_for(timeout=LONG)
            _shot(page, "home")

            page.goto(f"{url}/data")
            page.get_by_text("Your datasets").wait_for(timeout=LONG)
            _shot(page, "data", height=1100)

            page.set_viewport_size({"width": 1400, "height": 950})
            page.goto(f"{url}/train")
            page.get_by_text("Advanced settings").click()
            _fill(page, "Epochs", str(args.epochs))
            _fill(page, "Steps per epoch (0 = whole dataset)", str(args.steps))
            _fill(page, "Measure quality every N epochs (0 = never)", "2")
            page.get_by_role("button", name=re.compile("Start training")).click()
            later = "|".join(str(e) for e in range(args.shot_at, args.epochs + 1))
            page.get_by_text(re.compile(f"samples after epoch ({later})(;|$)")).first.wait_for(timeout=LONG)
            _shot(page, "train", height=1500)
            page.get_by_role("button", name=re.compile("Stop$")).click()
            page.get_by_text(re.compile("Stopped · ")).first.wait_for(timeout=LONG)

            page.goto(f"{url}/runs")
            page.get_by_text("Inspect a run").wait_for(timeout=LONG)
            _shot(page, "runs", height=1700)

            page.goto(f"{url}/explore")
            page.get_by_text(re.compile("Direction 1")).first.wait_for(timeout=LONG)
            page.get_by_text("Grid of 16 seeds").click()
            page.wait_for_timeout(3000)
            _shot(page, "explore", height=1300)
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
