"""One call for the app to share a run in any format, without TensorFlow in the web process.

:func:`share_run` writes the chosen export of a run into a folder and returns the one file
to download: model files (``.keras``, SavedModel, ONNX, LiteRT) are written and checked by
a short-lived worker process (``python -m dcgan_core export``), a SavedModel folder is
zipped; web demos and run bundles need no TensorFlow and are written here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from dcgan_core.sharing.bundles import export_bundle, zip_folder
from dcgan_core.errors import DcganError
from dcgan_core.paths import child_env
from dcgan_core.sharing.web_demo import build_web_demo

__all__ = ["SHARE_CHOICES", "share_run"]

#: format -> (plain-words label, what it is for)
SHARE_CHOICES: dict[str, tuple[str, str]] = {
    "web": ("Web demo (zip)", "A page with sliders that runs in any browser, from any static web server."),
    "bundle": ("Run bundle (zip)", "The whole run, to open and explore in DCGAN Studio on another machine."),
    "bundle_resumable": (
        "Run bundle with checkpoint and data (zip)",
        "Like the bundle, plus what training further needs: the newest checkpoint and the dataset.",
    ),
    "onnx": ("ONNX model (.onnx)", "For ONNX Runtime in Python, C++, C#, Java or JavaScript."),
    "tflite": ("LiteRT / TensorFlow Lite model (.tflite)", "For phones and small devices."),
    "keras": ("Keras model (.keras)", "For Keras and TensorFlow in Python."),
    "savedmodel": ("TensorFlow SavedModel (zip)", "For TensorFlow Serving and other TensorFlow tools."),
}
_MODEL_FILES = {"onnx": ".onnx", "tflite": ".tflite", "keras": ".keras", "savedmodel": ""}


def _export_in_worker(run_dir: Path, fmt: str, out: Path, epoch: int | None, timeout: float) -> None:
    env = child_env(TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, "-m", "dcgan_core", "export", str(run_dir), "--format", fmt, "--out", str(out)]
    if epoch is not None:
        command += ["--epoch", str(int(epoch))]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise DcganError(f"The {fmt} export took longer than {timeout:.0f} s and was stopped.") from None
    except OSError as exc:
        raise DcganError(f"The export could not start ({exc}).") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
        raise DcganError(lines[-1][7:] if lines else "The export failed.")


def share_run(run_dir: Path, fmt: str, out_dir: Path, epoch: int | None = None, timeout: float = 300.0) -> Path:
    """Write the ``fmt`` export of ``run_dir`` into ``out_dir``; returns the file to download.

    Raises:
        DcganError: an unknown format, a run or epoch without a saved generator, a failed check.
    """
    if fmt not in SHARE_CHOICES:
        raise DcganError(f"Unknown export {fmt!r}; choose one of {', '.join(SHARE_CHOICES)}.")
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DcganError(f"Cannot write to {out_dir}: {exc.strerror or exc}.") from None
    stem = f"{run_dir.name}" + (f"-epoch{int(epoch)}" if epoch is not None else "")
    if fmt == "web":
        return build_web_demo(run_dir, out_dir / f"{stem}-demo", epoch)
    if fmt.startswith("bundle"):
        return export_bundle(run_dir, out_dir / f"{stem}-bundle.zip", resumable=fmt == "bundle_resumable")
    out = out_dir / f"{stem}{_MODEL_FILES[fmt] or '-savedmodel'}"
    _export_in_worker(run_dir, fmt, out, epoch, timeout)
    if fmt != "savedmodel":
        return out
    archive = zip_folder(out, out.with_name(out.name + ".zip"))
    shutil.rmtree(out, ignore_errors=True)
    return archive
