"""Training speed, side by side in one process, on the same nets, batch and data.

Compares, on the ``mnist_tutorial`` architecture at batch 256 with the bundled digits:
  1. the seeds' loop: ``generator.predict`` then ``train_on_batch`` for D and for the
     stacked model, per step;
  2. the seed 003 tutorial's single ``tf.function`` step;
  3. the engine, started through the job manager exactly as the app starts it (a worker
     process), and the same engine in this process (``train_run``, the first release's thread);
and prints images/s, the ratios, and the engine's achieved GFLOP/s (from its own FLOP count)
against a matmul ceiling measured in the same run. A second figure compares the engine
headless against the engine while its state is polled once a second.

Usage: python bench/train_throughput.py [--seconds 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from dcgan_core import JobManager, bundled_dataset_path, create_run, preset_config, read_metrics, train_run
from dcgan_core.engine.models import build_discriminator, build_generator, model_cost

BATCH = 256
ENGINE_STEPS = 20  # steps per recorded epoch of the engine runs (first epoch, the warm-up, is dropped)


def config(seconds: float):
    return preset_config(
        "mnist_tutorial",
        data_path=str(bundled_dataset_path()),
        epochs=10_000,
        batch_size=BATCH,
        max_seconds=seconds,
        swd_every=0,
        sample_every=10_000,
        checkpoint_every=10_000,
    )


def seeds_loop(data: np.ndarray, seconds: float) -> float:
    """The seeds' Keras-2 habit: predict, then train_on_batch on D and on the stacked model."""
    c = config(seconds)
    g, d = build_generator(c), build_discriminator(c)
    d.compile(optimizer=keras.optimizers.Adam(1e-4), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    d.trainable = False
    z_in = keras.Input((c.latent_dim,))
    combined = keras.Model(z_in, d(g(z_in)))
    combined.compile(optimizer=keras.optimizers.Adam(1e-4), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    d.trainable = True
    rng = np.random.default_rng(0)
    x = data.astype(np.float32) / 127.5 - 1.0
    labels = np.concatenate([np.ones((BATCH, 1)), np.zeros((BATCH, 1))]).astype(np.float32)
    ones = np.ones((BATCH, 1), np.float32)

    def step() -> None:
        real = x[rng.integers(0, len(x), BATCH)]
        noise = rng.standard_normal((BATCH, c.latent_dim)).astype(np.float32)
        fake = g.predict(noise, verbose=0)
        d.train_on_batch(np.concatenate([real, fake]), labels)
        combined.train_on_batch(rng.standard_normal((BATCH, c.latent_dim)).astype(np.float32), ones)

    return _timed(step, seconds)


def tutorial_step(data: np.ndarray, seconds: float) -> float:
    """The TensorFlow tutorial's train_step, verbatim in structure."""
    c = config(seconds)
    g, d = build_generator(c), build_discriminator(c)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
    dataset = iter(
        tf.data.Dataset.from_tensor_slices(data.astype(np.float32) / 127.5 - 1.0)
        .shuffle(len(data))
        .batch(BATCH, drop_remainder=True)
        .repeat()
        .prefetch(2)
    )

    @tf.function
    def train_step(images):
        noise = tf.random.normal([BATCH, c.latent_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = g(noise, training=True)
            real_output = d(images, training=True)
            fake_output = d(generated, training=True)
            gen_loss = bce(tf.ones_like(fake_output), fake_output)
            disc_loss = bce(tf.ones_like(real_output), real_output) + bce(tf.zeros_like(fake_output), fake_output)
        g_opt.apply_gradients(zip(gen_tape.gradient(gen_loss, g.trainable_variables), g.trainable_variables))
        d_opt.apply_gradients(zip(disc_tape.gradient(disc_loss, d.trainable_variables), d.trainable_variables))

    return _timed(lambda: train_step(next(dataset)), seconds)


def _timed(step, seconds: float, warmup: int = 3) -> float:
    for _ in range(warmup):
        step()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        count += 1
    return count * BATCH / (time.perf_counter() - started)


def engine(seconds: float, poll: bool, headless: bool = False) -> float:
    """Images/s of the engine's fit, measured from its own per-epoch records (warm-up epoch dropped)."""
    runs = Path(tempfile.mkdtemp(prefix="throughput-"))
    c = config(seconds).with_changes(steps_per_epoch=ENGINE_STEPS)
    if headless:
        run_dir = create_run(c, runs)
        train_run(run_dir)
    else:
        manager = JobManager(runs)
        run_id = manager.start(c)
        run_dir = runs / run_id
        while manager.is_busy(run_id):
            if poll:
                manager.snapshot(run_id)
            time.sleep(1.0 if poll else 0.05)
    m = read_metrics(run_dir)
    seconds_per_epoch = m["seconds_per_epoch"][1:] or m["seconds_per_epoch"]
    return ENGINE_STEPS * BATCH * len(seconds_per_epoch) / sum(seconds_per_epoch)


def matmul_ceiling(repeats: int = 5, n: int = 2048) -> float:
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        _ = (a @ b).numpy()
        best = max(best, 2 * n**3 / (time.perf_counter() - started) / 1e9)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args()
    data = np.load(bundled_dataset_path())
    flops = model_cost(config(1)).train_flops_per_image
    ceiling = matmul_ceiling()
    seeds = seeds_loop(data, args.seconds)
    tutorial = tutorial_step(data, args.seconds)
    ours = engine(args.seconds, poll=False)
    polled = engine(args.seconds, poll=True)
    headless = engine(args.seconds, poll=False, headless=True)
    ceiling = max(ceiling, matmul_ceiling())
    print(f"\nmnist_tutorial nets, batch {BATCH}, {flops / 1e9:.3f} GFLOP per image per step, {os.cpu_count()} cores")
    print(f"  seeds' loop (predict + 2 x train_on_batch) {seeds:8.1f} img/s")
    print(f"  tutorial tf.function step                  {tutorial:8.1f} img/s")
    print(
        f"  engine via the job manager (worker process){ours:8.1f} img/s   "
        f"{ours / seeds:.2f}x seeds' loop, {ours / tutorial:.2f}x tutorial step"
    )
    print(
        f"  engine achieved {ours * flops / 1e9:.1f} GFLOP/s vs matmul ceiling {ceiling:.1f} GFLOP/s "
        f"= {ours * flops / 1e9 / ceiling:.0%}"
    )
    print(
        f"  engine in this process {headless:.1f} img/s; worker process {ours:.1f} img/s "
        f"({ours / headless:.2f}x), worker polled once a second {polled:.1f} img/s "
        f"(polling costs {max(0.0, 1 - polled / ours):.1%})"
    )


if __name__ == "__main__":
    main()
