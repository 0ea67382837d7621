"""Smallest two-worker check of Keras 3 ``fit`` under ``MultiWorkerMirroredStrategy`` on localhost.

Starts two processes on free localhost ports, each with its own ``TF_CONFIG``; each builds
a two-optimizer GAN (this project's ``GAN``, a tiny 8x8 model) inside the strategy's scope
and trains it for a few steps, once with ``fit`` and once with a custom loop
(``strategy.run`` over a distributed dataset, the same ``train_step``). Prints, per worker
and per path, ``ok`` with a hash of the generator's weights, or the exception.

Usage: ``python bench/multiworker_repro.py [fit|fit_float|loop|all]`` (default all).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import hashlib, os, sys, traceback
    sys.path.insert(0, {root!r})
    import numpy as np, tensorflow as tf
    from dcgan_core import preset_config
    from dcgan_core.engine.gan import GAN, make_optimizer
    from dcgan_core.engine.models import build_discriminator, build_generator
    mode = sys.argv[1]
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    config = preset_config("custom", data_path="unused.npy", image_size=8, channels=1, batch_size=8, width=0.25,
                           latent_dim=8, epochs=1)
    with strategy.scope():
        gan = GAN(config, build_generator(config), build_discriminator(config))
        gan.compile(d_optimizer=make_optimizer(config, 1e-3), g_optimizer=make_optimizer(config, 1e-3))
        gan.build_optimizers()
    data = np.random.default_rng(0).integers(0, 255, (64, 8, 8, 1), dtype=np.uint8)
    ds = tf.data.Dataset.from_tensor_slices(data).repeat().batch(8)
    try:
        if mode == "fit":
            gan.fit(ds, epochs=1, steps_per_epoch=3, verbose=0)
        elif mode == "fit_float":  # the same batches as float32 (the uint8 feed is what fit trips on)
            gan.fit(ds.map(lambda x: tf.cast(x, tf.float32) / 127.5 - 1.0), epochs=1, steps_per_epoch=3, verbose=0)
        else:
            dist = iter(strategy.experimental_distribute_dataset(ds))
            @tf.function
            def step(it):
                out = strategy.run(gan.train_step, args=(next(it),))
                return strategy.reduce("MEAN", out["g_loss"], axis=None)
            for _ in range(3):
                loss = step(dist)
        digest = hashlib.sha256(b"".join(np.asarray(w).tobytes() for w in gan.generator.get_weights())).hexdigest()[:16]
        print(f"RESULT {{mode}} task {{os.environ['TASK']}} ok {{digest}}", flush=True)
    except Exception as exc:
        print(f"RESULT {{mode}} task {{os.environ['TASK']}} FAILED {{type(exc).__name__}}: {{str(exc)[:2000]}}", flush=True)
        traceback.print_exc()
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def run(mode: str, timeout: float = 240.0) -> list[str]:
    """Run both workers for ``mode`` (fit or loop); return their RESULT lines (or timeouts)."""
    workers = [f"localhost:{_free_port()}" for _ in range(2)]
    procs = []
    for task in range(2):
        env = dict(
            os.environ,
            TF_CPP_MIN_LOG_LEVEL="2",
            CUDA_VISIBLE_DEVICES="",
            TASK=str(task),
            TF_CONFIG=json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": task}}),
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", CHILD.format(root=str(ROOT)), mode],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    lines = []
    for task, proc in enumerate(procs):
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            out += f"\nRESULT {mode} task {task} TIMEOUT after {timeout:.0f} s"
        results = [line for line in out.splitlines() if line.startswith("RESULT")]
        lines.extend(results or [f"RESULT {mode} task {task} no result; exit {proc.returncode}; tail:\n{out[-3000:]}"])
        if not any(" ok " in r for r in results):
            print(out[-4000:], file=sys.stderr)
    return lines


if __name__ == "__main__":
    modes = ["fit", "fit_float", "loop"] if len(sys.argv) < 2 or sys.argv[1] == "all" else [sys.argv[1]]
    for mode in modes:
        for line in run(mode):
            print(line)
