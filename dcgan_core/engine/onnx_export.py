"""The sampling generator as an ONNX file, for TensorFlow-free sampling (explorer, pages, demos).

At every checkpoint the worker writes ``generators/epoch_XXXX.onnx`` beside the weights:
input ``z`` (n, latent_dim) float32 (and, for a conditional run, ``label`` (n, n_classes)
float32: a one-hot class or a blend of classes); output 0 the sample (n, *image_shape) in the model's
value range; output 1, when the generator has one, the activations of its first hidden
Dense or convolution layer (GANSpace's "first linear layer", used to discover directions).
Written through Keras' own ``Model.export(format="onnx")`` (tf2onnx), atomically.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import keras
import numpy as np

from dcgan_core.errors import CheckpointError
from dcgan_core.engine.models import CLASS_EMBEDDING
from dcgan_core.engine.sampling import generator_inputs

__all__ = ["export_sampler_onnx", "first_hidden_layer"]

_HIDDEN_TYPES = (keras.layers.Dense, keras.layers.Conv2DTranspose, keras.layers.Conv2D)


def first_hidden_layer(generator: keras.Model) -> keras.layers.Layer | None:
    """The first Dense or convolution layer that is not the generator's output layer.

    A conditional generator's class embedding is skipped: it sees the class, not the latent.
    """
    output_layer = generator.layers[-1]
    for layer in generator.layers:
        if isinstance(layer, _HIDDEN_TYPES) and layer.name != CLASS_EMBEDDING:
            return None if layer is output_layer else layer
    return None


def export_sampler_onnx(generator: keras.Model, path: Path) -> Path:
    """Write ``generator`` (with its first hidden activations as a second output) to ``path``.

    Raises:
        CheckpointError: when the export fails (the reason is kept).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    z = generator_inputs(generator, np.zeros((1, int(generator.inputs[0].shape[-1])), np.float32))
    generator(z, training=False)
    hidden = first_hidden_layer(generator)
    outputs = [generator.output] if hidden is None else [generator.output, hidden.output]
    model = keras.Model(generator.input, outputs, name="sampler_onnx")
    model(z, training=False)  # Keras exports only a model that has been called
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.onnx")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            model.export(str(tmp), format="onnx", verbose=False)
        os.replace(tmp, path)
    except Exception as exc:  # tf2onnx raises many types
        tmp.unlink(missing_ok=True)
        raise CheckpointError(f"The generator could not be exported to ONNX ({type(exc).__name__}: {exc}).") from exc
    return path
