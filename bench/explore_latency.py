"""How fast the explorer answers, against its goals, measured side by side in one process.

Makes a custom-preset run at 64x64x3 whose generator is saved through the engine's own
path (``train_run`` for one step of one epoch on a small synthetic dataset in a temporary
folder), then prints median milliseconds for:

* one 64x64x3 image from the sampler (goal 20 ms, after warm-up);
* a 16-image grid;
* PCA directions from 5,000 samples (goal 2 s);
* a rerun of the Explore page after a direction slider moves, with AppTest (goal 250 ms,
  TensorFlow already loaded), as the page runs it and again with Streamlit's per-run
  ``keras.backend.clear_session()`` put back (what ``ui.runtime.keep_keras_state`` removes).

Usage: ``python bench/explore_latency.py [--repeats 15] [--width 1.0]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dcgan_core import Sampler, create_run, latent_from_seed, model_cost, preset_config, train_run  # noqa: E402

GOALS_MS = {"one image": 20.0, "PCA directions (5,000 samples)": 2000.0, "page rerun after a slider": 250.0,
            "  same, Streamlit's Keras reset on": 250.0}


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    """Median wall time of ``fn`` in milliseconds after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def make_run(folder: Path, width: float) -> Path:
    """A 64x64x3 custom run, one training step, its generator saved by the engine."""
    rng = np.random.default_rng(0)
    data = folder / "noise64.npy"
    np.save(data, rng.integers(0, 256, (64, 64, 64, 3), dtype=np.uint8))
    config = preset_config("custom", data_path=str(data), image_size=64, channels=3, width=width, epochs=1,
                           steps_per_epoch=1, batch_size=16, swd_every=0, grid_size=16)
    run_dir = create_run(config, folder / "runs", dataset_name="noise64")
    outcome = train_run(run_dir)
    if outcome.status != "finished":
        raise SystemExit(f"could not make the benchmark run: {outcome.message}")
    return run_dir


def page_rerun_ms(runs_dir: Path, repeats: int) -> tuple[float, float]:
    """Median time of a page rerun after a direction slider changes (AppTest, warm).

    The page runs through the router (``app.py``), as on a server. Returns (as the app runs
    it, with Streamlit's per-run Keras reset put back) so the effect of the app's
    ``keep_keras_state`` is measured side by side.
    """
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    streamlit_default = script_runner._clean_problem_modules
    original_init = PagesManager.__init__

    def router_mode(self, *args, **kwargs):  # a server keeps st.navigation's mode after its first run
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = router_mode

    os.environ["DCGAN_RUNS_DIR"] = str(runs_dir)
    st.cache_resource.clear()
    st.cache_data.clear()
    os.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/explore.py").run()
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception[0].value}")
    values = iter(np.round(np.linspace(-4.9, 4.9, 4 * (repeats + 2)), 1))
    move = lambda: at.slider(key="ex_dir_0").set_value(float(next(values))).run()  # noqa: E731
    ours = median_ms(move, repeats)
    kept = script_runner._clean_problem_modules
    script_runner._clean_problem_modules = streamlit_default
    try:
        with_reset = median_ms(move, repeats)
    finally:
        script_runner._clean_problem_modules = kept
    return ours, with_reset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--width", type=float, default=1.0, help="custom preset width knob (1.0: published size)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = make_run(Path(tmp), args.width)
        sampler = Sampler.from_run(run_dir)
        params = model_cost(sampler.config).g_params
        one = latent_from_seed(1, sampler.latent_dim)[None, :]
        grid = sampler.sample_latents(16, seed=2)
        results = {
            "one image": median_ms(lambda: sampler.images(one), args.repeats),
            "16-image grid": median_ms(lambda: sampler.images(grid), args.repeats),
            "PCA directions (5,000 samples)": median_ms(lambda: sampler.discover_directions(10, n=5000, seed=0),
                                                        max(3, args.repeats // 5), warmup=1),
        }
        ours, with_reset = page_rerun_ms(run_dir.parent, max(10, args.repeats))
        results["page rerun after a slider"] = ours
        results["  same, Streamlit's Keras reset on"] = with_reset
    print(f"Explorer latency, custom 64x64x3 generator (width {args.width:g}, {params:,} parameters), "
          f"{os.cpu_count()} CPU cores, median of warm runs")
    print(f"{'measure':34s} {'median ms':>10s} {'goal ms':>9s} {'ratio':>7s}")
    for name, value in results.items():
        goal = GOALS_MS.get(name)
        ratio = f"{value / goal:7.2f}" if goal else "      -"
        print(f"{name:34s} {value:10.1f} {goal if goal else float('nan'):9.0f} {ratio}")
    print("ratio = measured / goal; below 1.00 meets the goal.")


if __name__ == "__main__":
    main()
