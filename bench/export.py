"""Sharing costs, side by side in one run: each export format's time and size, each runtime's load
time and per-image latency, and the web demo's load and draw time in headless Chromium.

For the recommended preset at 28x28x1 and 64x64x3 (a run of one training step each, made
through the engine in a temporary folder), prints per format: export seconds (written and
checked), size, load seconds, median ms per image (Keras, ONNX Runtime, LiteRT, SavedModel);
and for the web demo served by ``python -m http.server``: seconds until the first image is
drawn, and the median draw time of 20 slider moves. Goals: demo loads in under 3 s and
draws a 64x64 image in under 50 ms.

Usage: ``python bench/export.py [--repeats 30]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from dcgan_core import create_run, export_model, preset_config, train_run  # noqa: E402
from dcgan_core.sharing.web_demo import build_web_demo  # noqa: E402

FORMATS = {"keras": "g.keras", "savedmodel": "g_savedmodel", "onnx": "g.onnx", "tflite": "g.tflite"}


def make_run(folder: Path, size: int, channels: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"data{size}.npy"
    np.save(data, np.random.default_rng(0).integers(0, 256, (64, size, size, channels), dtype=np.uint8))
    config = preset_config(
        "custom",
        data_path=str(data),
        image_size=size,
        channels=channels,
        epochs=1,
        steps_per_epoch=1,
        batch_size=16,
        swd_every=0,
    )
    run_dir = create_run(config, folder / "runs")
    if train_run(run_dir).status != "finished":
        raise SystemExit("could not make the benchmark run")
    return run_dir


def runtime_latency(path: Path, fmt: str, dim: int, repeats: int) -> tuple[float, float]:
    """(load seconds, median ms per single image) for one exported file in its own runtime."""
    z = np.random.default_rng(1).standard_normal((1, dim)).astype(np.float32)
    started = time.perf_counter()
    if fmt == "onnx":
        import onnxruntime as ort

        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        run = lambda: session.run(None, {session.get_inputs()[0].name: z})  # noqa: E731
    elif fmt == "keras":
        from dcgan_core.engine.checkpoints import load_exported_generator

        model = load_exported_generator(path)
        import tensorflow as tf

        fn = tf.function(lambda x: model(x, training=False))
        run = lambda: fn(tf.constant(z)).numpy()  # noqa: E731
    else:  # savedmodel
        import tensorflow as tf

        loaded = tf.saved_model.load(str(path))
        run = lambda: loaded.serve(tf.constant(z)).numpy()  # noqa: E731
    run()
    load = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    return load, statistics.median(times)


def tflite_latency(path: Path, dim: int, repeats: int) -> tuple[float, float]:
    """LiteRT with one interpreter kept (loading counted once)."""
    import warnings

    import tensorflow as tf

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(model_path=str(path))
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, [1, dim])
    interpreter.allocate_tensors()
    z = np.random.default_rng(1).standard_normal((1, dim)).astype(np.float32)

    def run() -> None:
        interpreter.set_tensor(index, z)
        interpreter.invoke()

    run()
    load = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    return load, statistics.median(times)


def demo_in_chromium(folder: Path, size: int) -> tuple[float, float]:
    """(seconds to the first drawn image, median ms per draw over 20 slider moves)."""
    from playwright import sync_api as playwright_api

    from browser_support import launch_chromium
    from test_web_demo_browser import static_server

    with static_server(folder) as url, playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_function(
                "() => window.demo && (window.demo.error || window.demo.state.drawMs.length > 0)", timeout=120_000
            )
            load = time.perf_counter() - started
            for i in range(20):
                page.locator("#direction-0").fill(str(round(-4 + 0.4 * i, 1)))
                page.wait_for_function(f"() => window.demo.state.drawMs.length >= {i + 2}", timeout=30_000)
            draws = page.evaluate("() => window.demo.state.drawMs.slice(1)")
        finally:
            browser.close()
    return load, statistics.median(draws)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores; recommended preset (custom), one training step per run")
    with tempfile.TemporaryDirectory() as tmp:
        for size, channels in ((28, 1), (64, 3)):
            folder = Path(tmp) / f"s{size}"
            run_dir = make_run(folder, size, channels)
            dim = preset_config("custom", data_path="x.npy", image_size=size, channels=channels).latent_dim
            print(f"\n{size}x{size}x{channels}")
            print(f"  {'format':11s} {'export s':>9s} {'size MB':>8s} {'load s':>7s} {'ms/image':>9s}")
            for fmt, name in FORMATS.items():
                started = time.perf_counter()
                result = export_model(run_dir, fmt, folder / name)
                seconds = time.perf_counter() - started
                load, ms = (
                    tflite_latency(result.path, dim, args.repeats)
                    if fmt == "tflite"
                    else runtime_latency(result.path, fmt, dim, args.repeats)
                )
                print(f"  {fmt:11s} {seconds:9.2f} {result.bytes / 2**20:8.2f} {load:7.2f} {ms:9.2f}")
            started = time.perf_counter()
            demo = build_web_demo(run_dir, folder / "demo", make_zip=True)
            seconds = time.perf_counter() - started
            load, draw = demo_in_chromium(folder / "demo", size)
            print(
                f"  {'web demo':11s} {seconds:9.2f} {demo.stat().st_size / 2**20:8.2f} {load:7.2f} {draw:9.2f}"
                f"   (Chromium: first image after {load:.2f} s, goal < 3; draw goal < 50 ms)"
            )


if __name__ == "__main__":
    main()
