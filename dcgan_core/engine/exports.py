"""Standard model files of a run's sampling generator, each checked after it is written.

Formats: ``keras`` (a ``.keras`` file), ``savedmodel`` (a TensorFlow SavedModel folder),
``onnx`` and ``tflite`` (LiteRT), written through Keras' own ``Model.export`` where it
works. Every export is loaded back with its own runtime and compared with the Keras
generator on fixed latents; a file that does not match within :data:`PARITY_TOLERANCE`
is removed and refused with the reason. A mixed-precision run exports a float32 copy
(the generator is rebuilt under the float32 policy before its weights are loaded).
TensorFlow side: the CLI and short-lived workers call this, never the web process.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from dcgan_core.engine.checkpoints import load_generator
from dcgan_core.errors import CheckpointError, DcganError
from dcgan_core.explore.latent import sample_latents
from dcgan_core.engine.onnx_export import export_sampler_onnx
from dcgan_core.runs.folder import read_run_config
from dcgan_core.engine.sampling import generator_inputs

__all__ = ["MODEL_FORMATS", "PARITY_TOLERANCE", "ModelExport", "export_model"]

MODEL_FORMATS = ("keras", "savedmodel", "onnx", "tflite")
PARITY_TOLERANCE = 1e-4
_SUFFIX = {"keras": ".keras", "savedmodel": "", "onnx": ".onnx", "tflite": ".tflite"}


@dataclass(frozen=True)
class ModelExport:
    """One written and checked export."""

    path: Path
    format: str
    epoch: int
    bytes: int
    max_difference: float


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


# Every runner takes the generator's inputs as a list: [z], or [z, class] for a conditional run.
def _run_keras(path: Path, inputs: list[np.ndarray]) -> np.ndarray:
    from dcgan_core.engine.checkpoints import load_exported_generator

    return np.asarray(load_exported_generator(path)(_one_or_all(inputs), training=False))


def _one_or_all(inputs: list[np.ndarray]) -> np.ndarray | list[np.ndarray]:
    return inputs[0] if len(inputs) == 1 else inputs


def _input_order(names: list[str]) -> list[int]:
    """Which of the given inputs feeds each runtime input: the one named like ``label`` gets the class."""
    return [1 if "label" in name.lower() else 0 for name in names]


def _run_savedmodel(path: Path, inputs: list[np.ndarray]) -> np.ndarray:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))  # keep it alive while its function runs
    tensors = [tf.constant(x) for x in inputs]
    return np.asarray(loaded.serve(tensors[0] if len(tensors) == 1 else tensors))


def _run_onnx(path: Path, inputs: list[np.ndarray]) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feed = {name: inputs[k] for name, k in zip(names, _input_order(names))}
    return session.run([session.get_outputs()[0].name], feed)[0]


def _run_tflite(path: Path, inputs: list[np.ndarray]) -> np.ndarray:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Interpreter = tf.lite.Interpreter  # noqa: N806 - the same class, older home
    interpreter = Interpreter(model_path=str(path))
    details = interpreter.get_input_details()
    order = _input_order([d["name"] for d in details])
    for detail, k in zip(details, order):
        interpreter.resize_tensor_input(detail["index"], list(inputs[k].shape))
    interpreter.allocate_tensors()
    for detail, k in zip(details, order):
        interpreter.set_tensor(detail["index"], inputs[k])
    interpreter.invoke()
    return np.asarray(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))


def _write(generator: keras.Model, fmt: str, target: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        if fmt == "keras":
            generator.save(target)
        elif fmt == "onnx":
            export_sampler_onnx(generator, target)
        else:
            generator.export(str(target), format="tf_saved_model" if fmt == "savedmodel" else "litert", verbose=False)


def export_model(run_dir: Path, fmt: str, out: Path, epoch: int | None = None) -> ModelExport:
    """Write the sampling generator of ``run_dir`` (at ``epoch``, default newest) as ``fmt`` to ``out``.

    Raises:
        DcganError: for an unknown format, a run without that epoch, a folder that cannot
            be written, or an export that does not match the Keras generator.
    """
    if fmt not in MODEL_FORMATS:
        raise DcganError(f"Unknown model format {fmt!r}; choose one of {', '.join(MODEL_FORMATS)}.")
    run_dir, out = Path(run_dir), Path(out)
    if _SUFFIX[fmt] and out.suffix.lower() != _SUFFIX[fmt]:
        raise DcganError(f"A {fmt} export is a file ending in {_SUFFIX[fmt]}; got {out.name}.")
    config, _ = read_run_config(run_dir)
    keras.mixed_precision.set_global_policy("float32")  # mixed-precision runs export a float32 copy
    generator, loaded = load_generator(run_dir, epoch)
    z = sample_latents(8, config.latent_dim, 0, config.latent_dist)
    model_inputs = generator_inputs(generator, z)  # a conditional run: rows of several classes
    inputs = model_inputs if isinstance(model_inputs, list) else [model_inputs]
    expected = np.asarray(generator(model_inputs, training=False))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent))
    except OSError as exc:
        raise DcganError(f"Cannot write to {out.parent}: {exc.strerror or exc}.") from None
    try:
        target = staging / (out.name or f"generator{_SUFFIX[fmt]}")
        try:
            _write(generator, fmt, target)
        except (CheckpointError, OSError, ValueError) as exc:
            raise DcganError(f"The {fmt} export failed: {exc}") from None
        runner = {"keras": _run_keras, "savedmodel": _run_savedmodel, "onnx": _run_onnx, "tflite": _run_tflite}[fmt]
        try:
            got = runner(target, inputs)
        except Exception as exc:  # each runtime raises its own types
            raise DcganError(f"The {fmt} export could not be loaded back ({type(exc).__name__}: {exc}).") from None
        if got.shape != expected.shape:
            raise DcganError(f"The {fmt} export makes {got.shape[1:]}, the generator {expected.shape[1:]}.")
        difference = float(np.max(np.abs(got.astype(np.float32) - expected)))
        if not difference <= PARITY_TOLERANCE:
            raise DcganError(
                f"The {fmt} export differs from the generator by {difference:.2e} "
                f"(more than {PARITY_TOLERANCE:g}); it was not kept."
            )
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(target, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ModelExport(out, fmt, loaded, _size(out), difference)
