"""The ONNX Runtime session of a run's saved generator, made on demand.

The training worker exports ``generators/epoch_XXXX.onnx`` at every checkpoint (see
:mod:`~dcgan_core.engine.onnx_export`); a run saved before ONNX files existed gets its file
made once, in a short-lived worker process (``python -m dcgan_core onnx``), so the web
process never imports TensorFlow.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from dcgan_core.errors import CheckpointError
from dcgan_core.paths import child_env
from dcgan_core.runs.epochs import generator_onnx_path

__all__ = ["open_generator_session"]


def _make_onnx(run_dir: Path, epoch: int, timeout: float = 180.0) -> None:
    """Export the saved generator of ``epoch`` to ONNX in a short-lived worker process."""
    env = child_env()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dcgan_core", "onnx", str(run_dir), "--epoch", str(epoch)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CheckpointError(
            f"{Path(run_dir).name}: the generator of epoch {epoch} could not be prepared ({exc})."
        ) from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unknown reason"])[-1]
        raise CheckpointError(f"{Path(run_dir).name}: the generator of epoch {epoch} could not be prepared ({reason}).")


def open_generator_session(run_dir: Path, epoch: int) -> Any:
    """An ONNX Runtime session of the generator saved at ``epoch`` (its file made first when missing).

    Raises:
        CheckpointError: when the file cannot be made. A damaged file raises what ONNX
            Runtime raises; the caller names it.
    """
    import onnxruntime as ort

    path = generator_onnx_path(run_dir, epoch)
    if not path.is_file():
        _make_onnx(run_dir, epoch)
    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    # every core, but no busy-waiting between calls: a training worker shares the CPU (measured:
    # one 64x64 image 2.0 ms quiet and 3.2 ms beside two busy processes, against 3.4 and 3.7 ms with
    # one thread, and 1.9 and 7.8 ms with ONNX Runtime's spinning default)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
