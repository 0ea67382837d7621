"""What watching costs: training speed with 0, 1 and 3 Chromium tabs on the Train page, side by side.

Starts the real app (``streamlit run``) and one run of the recommended preset on the bundled
digits, which trains in its worker process. For each number of viewers it opens that many
headless Chromium tabs on the Train page (the live view refreshes itself), waits for the
page to show the run, then counts the steps the worker makes in a fixed window (from the
run folder: epochs and the step counter). Prints images/s per case, the ratio to no
viewer (goal: three viewers cost at most 10%), and how long the page took to show the
live run (goal: under 3 s: the run's status block, then the whole view with its charts
and grid), with the same page opened once while the run is paused (the
machine idle) for reference: what this machine needs for the page when nothing trains.

The browser's tabs run on the same cores as training here, while a real viewer's browser
runs on their own machine; so for each case the bench also prints the CPU (in cores) that
the worker, the web server and Chromium used during the window, read from ``/proc``
(Linux): the server's share is what watching costs the machine that trains.

The app's ``.streamlit/config.toml`` turns off Streamlit's full garbage collection after every
script run (each refresh of each tab ran one); ``--post-script-gc`` turns it back on, to
measure the difference.

Usage: ``python bench/viewers.py [--seconds 40] [--post-script-gc]``
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from playwright import sync_api as playwright_api  # noqa: E402

from browser_support import launch_chromium, serve_app  # noqa: E402
from dcgan_core import JobManager, bundled_dataset_path, preset_config  # noqa: E402

STEPS = 20
BATCH = 64


PROCESS_KINDS = (("worker", "dcgan_core worker"), ("server", "streamlit run"), ("browser", "chromium"))


def process_usage() -> dict[str, tuple[float, float]]:
    """Per kind of process (:data:`PROCESS_KINDS`, told by its command line): the CPU seconds
    (user + system) its live processes used so far and their resident memory in MB.

    Read from ``/proc/PID/stat`` (Linux); other processes are left out.
    """
    ticks, page_mb = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE") / 2**20
    totals = {kind: (0.0, 0.0) for kind, _ in PROCESS_KINDS}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            kind = next((kind for kind, marker in PROCESS_KINDS if marker in command), None)
            if kind is None:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()  # fields 3.. of stat(5)
        except OSError:
            continue  # the process ended meanwhile
        cpu, memory = totals[kind]
        totals[kind] = (cpu + (int(fields[11]) + int(fields[12])) / ticks, memory + int(fields[21]) * page_mb)
    return totals


def global_step(manager: JobManager, run_id: str) -> int:
    snap = manager.snapshot(run_id)
    return snap.epoch * STEPS + snap.step


def window(manager: JobManager, run_id: str, seconds: float) -> tuple[float, dict[str, float], float]:
    """During ``seconds``: the images per second the worker makes and the cores each kind of
    process uses; and the web server's memory (MB) at the end."""
    start, started, before = global_step(manager, run_id), time.monotonic(), process_usage()
    time.sleep(seconds)
    elapsed, after = time.monotonic() - started, process_usage()
    cores = {kind: (after[kind][0] - before[kind][0]) / elapsed for kind in after}
    return (global_step(manager, run_id) - start) * BATCH / elapsed, cores, after["server"][1]


def open_train_page(browser, url: str, run_id: str):
    """Open a tab on the Train page; return it, the seconds until the run's status block shows
    (its heading names the run) and the seconds until the whole live view shows (grid and curves)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    started = time.perf_counter()
    page.goto(f"{url}/train")
    page.locator('[data-testid="stMain"]').get_by_text(run_id).first.wait_for(timeout=120_000)
    status = time.perf_counter() - started
    page.get_by_text(re.compile(r"Fixed-seed samples after epoch \d+")).first.wait_for(timeout=120_000)
    page.get_by_role("img", name="Losses").locator("path").first.wait_for(timeout=120_000)  # the curves drawn
    return page, status, time.perf_counter() - started


def open_while_paused(browser, url: str, manager: JobManager, run_id: str) -> tuple[float, float]:
    """Seconds the Train page takes to show the run (status, whole view) while it is paused."""
    manager.pause(run_id)
    while manager.snapshot(run_id).status != "paused":
        time.sleep(0.2)
    time.sleep(2.0)  # the last batch and its epoch-end work are done
    page, status, seconds = open_train_page(browser, url, run_id)
    page.close()
    manager.resume(run_id)
    while manager.snapshot(run_id).status != "running":
        time.sleep(0.2)
    time.sleep(3.0)  # back to full speed
    return status, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument(
        "--post-script-gc", action="store_true", help="Streamlit's garbage collection after every script run, on"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs, cache = Path(tmp) / "runs", Path(tmp) / "cache"
        config = preset_config(
            "custom",
            data_path=str(bundled_dataset_path()),
            image_size=28,
            channels=1,
            epochs=100_000,
            steps_per_epoch=STEPS,
            batch_size=BATCH,
        )
        manager = JobManager(runs)
        run_id = manager.start(config, name="digits")
        while manager.snapshot(run_id).epoch < 2:  # past TensorFlow's start-up and the first epochs
            time.sleep(0.5)
        results, opened, cores, memory = {}, {}, {}, {}
        options = ("--runner.postScriptGC", "true") if args.post_script_gc else ()
        with (
            serve_app(runs, cache, Path(tmp) / "server.log", options=options) as url,
            playwright_api.sync_playwright() as p,
        ):
            browser = launch_chromium(p)
            try:
                idle_open = open_while_paused(browser, url, manager, run_id)
                results[0], cores[0], memory[0] = window(manager, run_id, args.seconds)
                pages = []
                for viewers in (1, 3):
                    times = []
                    while len(pages) < viewers:
                        page, status, seconds = open_train_page(browser, url, run_id)
                        times.append((status, seconds))
                        pages.append(page)
                    opened[viewers] = (max(t[0] for t in times), max(t[1] for t in times))
                    results[viewers], cores[viewers], memory[viewers] = window(manager, run_id, args.seconds)
            finally:
                browser.close()
        manager.stop(run_id)
        manager.wait(run_id, timeout=120)
        manager.close()
    print(
        f"Recommended preset on the bundled digits, batch {BATCH}, {os.cpu_count()} CPU cores, "
        f"{args.seconds:.0f} s per case"
    )
    kinds = [kind for kind, _ in PROCESS_KINDS]
    print(
        f"{'viewers':>8s} {'images/s':>10s} {'vs none':>8s} {'run status shown':>17s} {'whole view shown':>17s}   "
        + " ".join(f"{kind + ' cores':>13s}" for kind in kinds)
        + f" {'server MB':>10s}"
    )
    for viewers, speed in results.items():
        status, whole = (f"{t:.1f} s" for t in opened[viewers]) if viewers in opened else ("-", "-")
        used = " ".join(f"{cores[viewers][kind]:13.2f}" for kind in kinds)
        print(
            f"{viewers:8d} {speed:10.1f} {speed / results[0]:8.2f} {status:>17s} {whole:>17s}   {used} "
            f"{memory[viewers]:10.0f}"
        )
    status, whole = (f"{t:.1f} s" for t in idle_open)
    print(f"{'paused':>8s} {'-':>10s} {'-':>8s} {status:>17s} {whole:>17s}   (the same page, nothing training)")
    print("goals: 3 viewers >= 0.90 of none; the page shows the run in under 3 s")
    extra = {viewers: cores[viewers]["server"] - cores[0]["server"] for viewers in cores}
    print(
        "the web server's extra CPU for watching (what it costs the training machine when the viewers' "
        "browsers run elsewhere): " + ", ".join(f"{v} viewer(s) {extra[v]:.2f} cores" for v in sorted(extra) if v)
    )


if __name__ == "__main__":
    main()
