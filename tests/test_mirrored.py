"""The multi-device path: MirroredStrategy over two logical CPU devices, really training."""

import subprocess
import sys
import textwrap
from pathlib import Path

from dcgan_core import read_metrics
from engine_support import digits_npy

ROOT = Path(__file__).resolve().parents[1]


def test_mirrored_strategy_trains_on_two_logical_cpus(tmp_path):
    data = digits_npy(tmp_path, n=128)
    script = textwrap.dedent(f"""
        import os, sys
        os.environ["DCGAN_FORCE_MIRRORED"] = "1"
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from dcgan_core import create_run, train_run
        from dcgan_core.engine.device import distribution_strategy
        from engine_support import tiny_config
        print("replicas", distribution_strategy().num_replicas_in_sync)
        config = tiny_config(  # with the small-data step's parts: augmentation and the lazy R1 penalty
            {str(data)!r}, batch_size=32, swd_every=0, augment_ops="color,translation,cutout", augment_p=0.5,
            r1_gamma=0.5, r1_every=2,
        )
        run = create_run(config, {str(tmp_path / "runs")!r})
        out = train_run(run)
        print("status", out.status, out.traceback)
        print("run", run)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert "replicas 2" in result.stdout, result.stderr[-3000:]
    assert "status finished" in result.stdout, result.stdout[-3000:]
    run_dir = Path(result.stdout.split("run ")[-1].strip())
    losses = read_metrics(run_dir)["g_loss"]
    assert len(losses) == 2 and all(v == v for v in losses)
