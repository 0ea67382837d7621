"""A loaded generator for the explorer: fast, deterministic sampling without TensorFlow.

:class:`Sampler` runs the ONNX file that the training worker exports at every checkpoint
(``generators/epoch_XXXX.onnx``, see :mod:`~dcgan_core.engine.onnx_export`) with ONNX Runtime,
so the web process never imports TensorFlow and a slider move costs about a millisecond.
The exported generator carries the BatchNorm statistics measured at save time, so what the
explorer shows is what the model makes. A run saved before ONNX files existed gets its
file made once, in a short-lived worker process (``python -m dcgan_core onnx``).

:meth:`Sampler.discover_directions` finds GANSpace-style directions: PCA of the
generator's first hidden activations (the ONNX file's second output), mapped back to
latent space.

A conditional run's generator also takes a class: a Sampler then draws one class (or a blend
of classes) at a time, the first class by default; :meth:`Sampler.for_class` gives the same
generator drawing another, so everything built on ``images(latents)`` (grids, walks,
directions, the 2-D map) works within the chosen class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dcgan_core.settings.config import TrainConfig
from dcgan_core.explore.directions import Directions, directions_from_features, pca_directions
from dcgan_core.errors import CheckpointError, ExplorationError
from dcgan_core.images import to_uint8
from dcgan_core.explore.latent import sample_latents
from dcgan_core.explore.onnx_session import open_generator_session
from dcgan_core.runs.epochs import saved_generator_epoch
from dcgan_core.runs.folder import read_run_config

__all__ = ["Sampler", "MAX_FEATURES"]

#: Feature columns kept for PCA; wider first layers keep a seeded random subset of units.
MAX_FEATURES = 2048
_BATCH = 256


class Sampler:
    """One generator of one run at one saved epoch, ready to sample.

    Args:
        session: An ONNX Runtime session of the exported generator.
        config: The run's training configuration.
        run_id: The run the generator belongs to.
        epoch: The saved epoch it was loaded from.
    """

    def __init__(self, session, config: TrainConfig, run_id: str, epoch: int) -> None:
        self._session = session
        self._config = config
        self._run_id = str(run_id)
        self._epoch = int(epoch)
        inputs = [i.name for i in session.get_inputs()]
        self._input = "z" if "z" in inputs else inputs[0]
        self._class_input = next((name for name in inputs if name != self._input), None)
        self._class_vector = np.eye(max(1, config.n_classes), dtype=np.float32)[0] if self._class_input else None
        outputs = [o.name for o in session.get_outputs()]
        self._output = outputs[0]
        self._hidden = outputs[1] if len(outputs) > 1 else None

    @classmethod
    def from_run(cls, run_dir: Path | str, epoch: int | None = None) -> Sampler:
        """Load the sampling generator of ``run_dir`` at ``epoch`` (default: the newest saved).

        Raises:
            RunError: the run folder or its config is missing or damaged, it has no saved
                generator yet, or no generator for that epoch (the message lists the saved ones).
            CheckpointError: the generator file of that epoch is damaged or does not fit.
        """
        run_dir = Path(run_dir)
        config, _ = read_run_config(run_dir)
        loaded = saved_generator_epoch(run_dir, epoch)
        try:
            sampler = cls(open_generator_session(run_dir, loaded), config, run_dir.name, loaded)
            sampler._check_shape()
        except CheckpointError:
            raise
        except Exception as exc:  # a truncated or foreign file raises many types
            raise CheckpointError(
                f"{run_dir.name}: the generator saved for epoch {loaded} is damaged ({type(exc).__name__}: {exc}); "
                "choose another epoch."
            ) from exc
        return sampler

    def _check_shape(self) -> None:
        out = self.outputs(np.zeros((1, self.latent_dim), np.float32))
        if out.shape[1:] != tuple(self.image_shape):
            raise CheckpointError(
                f"{self._run_id}: the saved generator makes {out.shape[1:]}, the run expects {tuple(self.image_shape)}."
            )

    # ---- classes --------------------------------------------------------------------------
    @property
    def class_names(self) -> tuple[str, ...]:
        """The classes this generator can draw (empty for an unconditional one)."""
        return self._config.class_names if self._class_input else ()

    @property
    def class_vector(self) -> np.ndarray | None:
        """float32 (n_classes,) class being drawn (one-hot, or a blend); None when unconditional."""
        return None if self._class_vector is None else self._class_vector.copy()

    def class_mix(self, first: int | str, second: int | str, t: float) -> np.ndarray:
        """The blend ``(1 - t) * first + t * second`` of two classes' inputs (names or indices)."""
        a, b = self._class_index(first), self._class_index(second)
        eye = np.eye(len(self.class_names), dtype=np.float32)
        return ((1.0 - float(t)) * eye[a] + float(t) * eye[b]).astype(np.float32)

    def _class_index(self, value: int | str) -> int:
        names = self.class_names
        if not names:
            raise ExplorationError("this generator draws without classes.")
        if isinstance(value, str):
            if value not in names:
                raise ExplorationError(f"there is no class {value!r}; the classes are {', '.join(names[:12])}.")
            return names.index(value)
        index = int(value)
        if not 0 <= index < len(names):
            raise ExplorationError(f"class number {index} is out of range 0..{len(names) - 1}.")
        return index

    def for_class(self, value: int | str | np.ndarray) -> Sampler:
        """The same generator drawing another class: a name, a class number, or a blend vector.

        Raises:
            ExplorationError: for an unconditional generator, an unknown class, or a blend
                that is not a finite vector of n_classes weights.
        """
        if isinstance(value, (str, int, np.integer)):
            vector = np.eye(len(self.class_names) or 1, dtype=np.float32)[self._class_index(value)]
        else:
            if not self.class_names:
                raise ExplorationError("this generator draws without classes.")
            vector = np.asarray(value, dtype=np.float32).reshape(-1)
            if vector.size != len(self.class_names) or not np.all(np.isfinite(vector)):
                raise ExplorationError(f"a class blend needs {len(self.class_names)} finite weights.")
        other = Sampler.__new__(Sampler)
        other.__dict__.update(self.__dict__)
        other._class_vector = vector
        return other

    def _feed(self, z: np.ndarray) -> dict[str, np.ndarray]:
        if self._class_input is None:
            return {self._input: z}
        return {
            self._input: z,
            self._class_input: np.ascontiguousarray(
                np.broadcast_to(self._class_vector, (len(z), self._class_vector.size))
            ),
        }

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
        """Name of the hidden output used for discovered directions (None: latents are used)."""
        return self._hidden

    # ---- sampling -------------------------------------------------------------------------
    def _latents(self, latents: np.ndarray) -> np.ndarray:
        z = np.asarray(latents, dtype=np.float32)
        if z.ndim == 1:
            z = z[None, :]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ExplorationError(
                f"latents must be shaped (n, {self.latent_dim}) for this generator; got shape {np.shape(latents)}."
            )
        if not np.all(np.isfinite(z)):
            raise ExplorationError("latents contain NaN or infinite values.")
        return np.ascontiguousarray(z)

    def _run(self, output: str, z: np.ndarray) -> np.ndarray:
        parts = [self._session.run([output], self._feed(z[i : i + _BATCH]))[0] for i in range(0, len(z), _BATCH)]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def outputs(self, latents: np.ndarray) -> np.ndarray:
        """Raw float32 model output for (n, latent_dim) or (latent_dim,) latents: (n, *image_shape)."""
        z = self._latents(latents)
        if len(z) == 0:
            return np.zeros((0,) + self.image_shape, np.float32)
        return self._run(self._output, z)

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
        if self._hidden is None or len(z) == 0:
            return z.copy()
        parts = []
        for i in range(0, len(z), _BATCH):
            out = self._session.run([self._hidden], self._feed(z[i : i + _BATCH]))[0].reshape(
                min(_BATCH, len(z) - i), -1
            )
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
            units = self._session.run([self._hidden], self._feed(z[:1]))[0].size
            if units > MAX_FEATURES:
                keep = np.sort(np.random.default_rng(17).choice(units, MAX_FEATURES, replace=False))
        return z, self._features_of(z, keep)

    def discover_directions(self, k: int, n: int = 5000, seed: int = 0) -> Directions:
        """The top-``k`` GANSpace directions, strongest first, with their share of variance.

        PCA of the first hidden activations of ``n`` seeded latents, mapped back to latent
        space by :func:`~dcgan_core.explore.directions.directions_from_features`; PCA of the
        latents themselves when the generator has no hidden layer to use, or when its
        features cannot be mapped back (e.g. units that never react to the latent).
        ``k`` is capped at the latent size.
        """
        if int(k) < 1:
            raise ExplorationError(f"ask for at least 1 direction; got {k}.")
        n = max(int(n), self.latent_dim + 1)
        z, feats = self.feature_samples(n, seed)
        k = min(int(k), self.latent_dim, feats.shape[1])
        if self._hidden is not None:
            try:
                return directions_from_features(z, feats, k)
            except ExplorationError:
                pass
        return pca_directions(z, k)
