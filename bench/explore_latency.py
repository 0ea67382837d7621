"""How fast the explorer answers and how light the web process is, side by side in one run.

Makes a custom-preset run at 64x64x3 through the engine's own path (``train_run``, one
step of one epoch on synthetic data, in a temporary folder; the worker's exports include
the ONNX generator), then prints median milliseconds for:

* one 64x64x3 image and a 16-image grid through the app's ONNX Runtime sampler, and the
  same through TensorFlow (the saved Keras generator in a ``tf.function``, as the first
  release sampled in the web process); goal: one image at most 2 ms;
* a rerun of the Explore page after a direction slider moves (AppTest, in a fresh process
  that holds only what the web server holds); goal at most 40 ms;
* the resident memory of that web process with the explorer open, as it is and with
  TensorFlow and Keras imported as well (what the web server carried before); goal: at
  least 400 MB lighter.

Usage: ``python bench/explore_latency.py [--repeats 30] [--width 1.0]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dcgan_core import Sampler, create_run, latent_from_seed, preset_config, train_run  # noqa: E402
from dcgan_core.engine.models import model_cost  # noqa: E402

_WEB_PROCESS = textwrap.dedent("""
    import json, os, statistics, sys, time
    sys.path.insert(0, ROOT)
    if WITH_TF:
        import tensorflow, keras  # what the web server held before workers
    import numpy as np
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest
    original = PagesManager.__init__
    def init(self, *a, **k):
        original(self, *a, **k)
        PagesManager.uses_pages_directory = False
    PagesManager.__init__ = init
    at = AppTest.from_file(ROOT + "/app.py", default_timeout=300)
    at.run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception[0].value
    values = iter(np.round(np.linspace(-4.9, 4.9, 4 * (REPEATS + 4)), 1))
    times = []
    for i in range(REPEATS + 2):
        start = time.perf_counter()
        at.slider(key="ex_dir_0").set_value(float(next(values))).run()
        times.append((time.perf_counter() - start) * 1000)
    rss = int([l for l in open("/proc/self/status") if l.startswith("VmRSS")][0].split()[1]) * 1024
    print(json.dumps({"rerun_ms": statistics.median(times[2:]), "rss": rss,
                      "tensorflow": "tensorflow" in sys.modules}))
""")


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 3) -> float:
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
    config = preset_config(
        "custom",
        data_path=str(data),
        image_size=64,
        channels=3,
        width=width,
        epochs=1,
        steps_per_epoch=1,
        batch_size=16,
        swd_every=0,
        grid_size=16,
    )
    run_dir = create_run(config, folder / "runs", dataset_name="noise64")
    outcome = train_run(run_dir)
    if outcome.status != "finished":
        raise SystemExit(f"could not make the benchmark run: {outcome.message}")
    return run_dir


def tensorflow_sampler(run_dir: Path) -> Callable[[np.ndarray], np.ndarray]:
    """The first release's way: the saved Keras generator behind one ``tf.function``."""
    import tensorflow as tf

    from dcgan_core import load_generator

    generator, _ = load_generator(run_dir)
    dim = int(generator.inputs[0].shape[-1])
    forward = tf.function(
        lambda z: generator(z, training=False), input_signature=[tf.TensorSpec([None, dim], tf.float32)]
    )
    return lambda z: forward(tf.constant(z)).numpy()


def web_process(runs_dir: Path, repeats: int, with_tf: bool) -> dict:
    """Page rerun time and resident memory of a fresh web process with the explorer open."""
    env = dict(os.environ, DCGAN_RUNS_DIR=str(runs_dir), TF_CPP_MIN_LOG_LEVEL="3")
    script = f"ROOT = {str(ROOT)!r}\nREPEATS = {repeats}\nWITH_TF = {with_tf}\n" + _WEB_PROCESS
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the web process failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--width", type=float, default=1.0, help="custom preset width knob (1.0: published size)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = make_run(Path(tmp), args.width)
        sampler = Sampler.from_run(run_dir)
        tf_sample = tensorflow_sampler(run_dir)
        params = model_cost(sampler.config).g_params
        one = latent_from_seed(1, sampler.latent_dim)[None, :]
        grid = sampler.sample_latents(16, seed=2)
        gap = float(np.max(np.abs(sampler.outputs(grid) - tf_sample(grid))))
        time.sleep(1.0)  # TensorFlow's idle threads stop spinning before ONNX Runtime is timed
        onnx_one, onnx_grid = (
            median_ms(lambda: sampler.images(one), args.repeats),
            median_ms(lambda: sampler.images(grid), args.repeats),
        )
        rows = [
            ("one image", onnx_one, median_ms(lambda: tf_sample(one), args.repeats), 2.0),
            ("16-image grid", onnx_grid, median_ms(lambda: tf_sample(grid), args.repeats), None),
        ]
        light = web_process(run_dir.parent, args.repeats, with_tf=False)
        heavy = web_process(run_dir.parent, args.repeats, with_tf=True)
    print(
        f"Explorer, custom 64x64x3 generator (width {args.width:g}, {params:,} parameters), "
        f"{os.cpu_count()} CPU cores, median of warm runs; ONNX vs TensorFlow max difference {gap:.1e}"
    )
    print(f"{'measure':32s} {'ONNX ms':>9s} {'TF ms':>9s} {'TF/ONNX':>8s} {'goal ms':>8s}")
    for name, ours, theirs, goal in rows:
        print(f"{name:32s} {ours:9.2f} {theirs:9.2f} {theirs / ours:8.1f} {goal if goal else float('nan'):8.1f}")
    print(
        f"{'page rerun after a slider':32s} {light['rerun_ms']:9.1f} {heavy['rerun_ms']:9.1f} "
        f"{heavy['rerun_ms'] / light['rerun_ms']:8.2f} {40.0:8.1f}   (right: TF also imported)"
    )
    saved = (heavy["rss"] - light["rss"]) / 2**20
    print(
        f"web process resident memory: {light['rss'] / 2**20:,.0f} MB as it is (TensorFlow loaded: "
        f"{light['tensorflow']}), {heavy['rss'] / 2**20:,.0f} MB with TensorFlow and Keras imported; "
        f"{saved:,.0f} MB lighter (goal at least 400)"
    )


if __name__ == "__main__":
    main()
