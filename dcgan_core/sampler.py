"""A loaded generator for the explorer: fast, deterministic sampling and discovered directions.

:class:`Sampler` wraps the sampling generator of one saved epoch of a run (see
:func:`~dcgan_core.checkpoints.load_generator`). Every call runs the network in inference
mode through one ``tf.function`` traced once for any batch size, so a slider move costs
one small graph call and the same latents always give the same images. The saved
sampling generator already carries BatchNorm statistics recalibrated at save time for
presets with ``recalibrate_bn``, so what the explorer shows is what the model makes.

:meth:`Sampler.discover_directions` finds GANSpace-style directions: PCA of the
generator's first hidden activations, mapped back to latent space.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .checkpoints import load_generator
from .config import TrainConfig
from .directions import Directions, directions_from_features, pca_directions
from .errors import CheckpointError, DcganError, ExplorationError
from .images import to_uint8
from .latent import sample_latents
from .runs import read_run_config

__all__ = ["Sampler", "MAX_FEATURES"]

#: Feature columns kept for PCA; wider first layers keep a seeded random subset of units.
MAX_FEATURES = 2048
_BATCH = 256
_HIDDEN_TYPES = (keras.layers.Dense, keras.layers.Conv2DTranspose, keras.layers.Conv2D)


class Sampler:
    """One generator of one run at one saved epoch, ready to sample.

    Args:
        generator: The sampling generator (latent (latent_dim,) -> sample).
        config: The run's training configuration.
        run_id: The run the generator belongs to.
        epoch: The saved epoch it was loaded from.
    """

    def __init__(self, generator: keras.Model, config: TrainConfig, run_id: str, epoch: int) -> None:
        self._generator = generator
        self._config = config
        self._run_id = str(run_id)
        self._epoch = int(epoch)
        spec = [tf.TensorSpec([None, config.latent_dim], tf.float32)]
        self._forward = tf.function(lambda z: generator(z, training=False), input_signature=spec)
        self._hidden = _first_hidden_layer(generator)
        self._features = None
        if self._hidden is not None:
            feature_model = keras.Model(generator.inputs, self._hidden.output, name="first_hidden")
            self._features = tf.function(lambda z: feature_model(z, training=False), input_signature=spec)

    @classmethod
    def from_run(cls, run_dir: Path | str, epoch: int | None = None) -> "Sampler":
        """Load the sampling generator of ``run_dir`` at ``epoch`` (default: the newest saved).

        Raises:
            RunError: the run folder or its config is missing or damaged, it has no saved
                generator yet, or no generator for that epoch (the message lists the saved ones).
            CheckpointError: the generator file of that epoch is damaged or does not fit.
        """
        run_dir = Path(run_dir)
        config, _ = read_run_config(run_dir)
        try:
            generator, loaded = load_generator(run_dir, epoch)
        except DcganError:
            raise
        except Exception as exc:  # a truncated zip or a corrupt member raises many types
            which = "the newest epoch" if epoch is None else f"epoch {epoch}"
            raise CheckpointError(
                f"{run_dir.name}: the generator saved for {which} is damaged ({type(exc).__name__}: {exc}); "
                "choose another epoch.") from exc
        return cls(generator, config, run_dir.name, loaded)

    # ---- what it is -----------------------------------------------------------------------
    @property
    def config(self) -> TrainConfig:
        """The run's training configuration."""
        return self._config

    @property
    def run_id(self) -> str:
        """The run this generator belongs to."""
        return self._run_id

    @property
    def epoch(self) -> int:
        """The saved epoch the weights come from."""
        return self._epoch

    @property
    def latent_dim(self) -> int:
        """Size of one latent vector."""
        return self._config.latent_dim

    @property
    def latent_distribution(self) -> str:
        """``"normal"`` or ``"uniform"``: how the run drew its latents."""
        return self._config.latent_dist

    @property
    def value_range(self) -> str:
        """``"signed"`` ([-1, 1]) or ``"unit"`` ([0, 1]) model output."""
        return self._config.value_range

    @property
    def is_image_model(self) -> bool:
        """False for the 1-D toy (``gaussian_1d``), which makes numbers, not images."""
        return self._config.is_image_model

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one sample: (H, W, C), or (1,) for the 1-D toy."""
        return self._config.image_shape

    @property
    def feature_layer(self) -> str | None:
        """Name of the hidden layer used for discovered directions (None: latents are used)."""
        return None if self._hidden is None else self._hidden.name

    # ---- sampling -------------------------------------------------------------------------
    def _latents(self, latents: np.ndarray) -> np.ndarray:
        z = np.asarray(latents, dtype=np.float32)
        if z.ndim == 1:
            z = z[None, :]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ExplorationError(
                f"latents must be shaped (n, {self.latent_dim}) for this generator; got shape {np.shape(latents)}.")
        if not np.all(np.isfinite(z)):
            raise ExplorationError("latents contain NaN or infinite values.")
        return np.ascontiguousarray(z)

    def _run(self, fn, z: np.ndarray) -> np.ndarray:
        parts = [fn(tf.constant(z[i:i + _BATCH])).numpy() for i in range(0, len(z), _BATCH)]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def outputs(self, latents: np.ndarray) -> np.ndarray:
        """Raw float32 model output for (n, latent_dim) or (latent_dim,) latents: (n, *image_shape)."""
        z = self._latents(latents)
        if len(z) == 0:
            return np.zeros((0,) + self.image_shape, np.float32)
        return self._run(self._forward, z)

    def images(self, latents: np.ndarray) -> np.ndarray:
        """uint8 (n, H, W, C) images for the latents (inference mode, deterministic).

        Raises:
            ExplorationError: for the 1-D toy (use :meth:`values`) or latents of the wrong size.
        """
        if not self.is_image_model:
            raise ExplorationError("this run's generator makes numbers, not images; use values().")
        return to_uint8(self.outputs(latents), self.value_range)

    def values(self, latents: np.ndarray) -> np.ndarray:
        """float32 (n,) generated numbers of the 1-D toy (``gaussian_1d``).

        Raises:
            ExplorationError: for an image model (use :meth:`images`).
        """
        if self.is_image_model:
            raise ExplorationError("this run's generator makes images; use images().")
        return self.outputs(latents).reshape(-1)

    def sample_latents(self, n: int, seed: int) -> np.ndarray:
        """float32 (n, latent_dim) latents of seeds ``seed .. seed + n - 1`` (the page's seeds)."""
        return sample_latents(int(n), self.latent_dim, int(seed), self.latent_distribution)

    # ---- directions -----------------------------------------------------------------------
    def features(self, latents: np.ndarray) -> np.ndarray:
        """float32 (n, f) flattened first hidden activations for the latents (all units).

        A generator without a hidden Dense or convolution layer returns the latents.
        """
        return self._features_of(self._latents(latents), None)

    def _features_of(self, z: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
        if self._features is None or len(z) == 0:
            return z.copy()
        parts = []
        for i in range(0, len(z), _BATCH):
            out = self._features(tf.constant(z[i:i + _BATCH])).numpy().reshape(min(_BATCH, len(z) - i), -1)
            parts.append(out if keep is None else out[:, keep])  # keep only the studied units, batch by batch
        return np.concatenate(parts).astype(np.float32, copy=False)

    def feature_samples(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Latents and the generator's first hidden activations for them.

        The features are the flattened output of the first Dense or convolution layer
        (GANSpace's "first linear layer"); when it has more than :data:`MAX_FEATURES`
        units, a fixed seeded random subset of :data:`MAX_FEATURES` units is studied
        (the top components are spread over many units, and PCA cost grows with width).
        A generator without such a layer returns the latents themselves as features.

        Returns:
            (latents float32 (n, latent_dim), features float32 (n, f)).
        """
        if int(n) < 2:
            raise ExplorationError(f"need at least 2 samples to study the generator; got {n}.")
        z = self.sample_latents(int(n), seed)
        keep = None
        if self._hidden is not None:
            units = int(np.prod(self._hidden.output.shape[1:]))
            if units > MAX_FEATURES:
                keep = np.sort(np.random.default_rng(17).choice(units, MAX_FEATURES, replace=False))
        return z, self._features_of(z, keep)

    def discover_directions(self, k: int, n: int = 5000, seed: int = 0) -> Directions:
        """The top-``k`` GANSpace directions, strongest first, with their share of variance.

        PCA of the first hidden activations of ``n`` seeded latents, mapped back to latent
        space by :func:`~dcgan_core.directions.directions_from_features`; PCA of the
        latents themselves when the generator has no hidden layer to use, or when its
        features cannot be mapped back (e.g. units that never react to the latent).
        ``k`` is capped at the latent size.
        """
        if int(k) < 1:
            raise ExplorationError(f"ask for at least 1 direction; got {k}.")
        n = max(int(n), self.latent_dim + 1)
        z, feats = self.feature_samples(n, seed)
        k = min(int(k), self.latent_dim, feats.shape[1])
        if self._features is not None:
            try:
                return directions_from_features(z, feats, k)
            except ExplorationError:
                pass
        return pca_directions(z, k)


def _first_hidden_layer(generator: keras.Model) -> keras.layers.Layer | None:
    """The first Dense or convolution layer that is not the generator's output layer."""
    output_layer = generator.layers[-1]
    for layer in generator.layers:
        if isinstance(layer, _HIDDEN_TYPES):
            return None if layer is output_layer else layer
    return None
