"""The Explore page's state: one object holding every value the page keeps between reruns.

:class:`ExploreState` is the only code that changes the Explore page's session values
(their keys are named once, in :mod:`ui.explore_keys`): the page and its panels
read plain values from it and pass its methods to widgets as callbacks. It works on any
mutable mapping, so the rules (a new seed resets the sliders, a new run forgets the old
one's state, a loaded exploration becomes the current image) are tested on a plain dict.

The latent shown is a *base* (a seed's latent, or one the user adopted) moved along the
direction sliders; the raw-dimension sliders edit the base itself. Nothing here imports
TensorFlow or Streamlit.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

import numpy as np

from dcgan_core import Exploration, latent_from_seed
from ui.explore_keys import Keys

__all__ = ["ExploreState", "variation_latents", "VARIATIONS"]

VARIATIONS = 9  # a 3x3 grid; the middle cell is the image the variations came from


_DIRECTION, _RAW, _NAME = Keys.direction(0)[:-1], Keys.raw(0)[:-1], Keys.name(0)[:-1]


def variation_latents(z: np.ndarray, spread: float, distribution: str, seed: int, count: int) -> np.ndarray:
    """float32 (9, dim): ``z`` nudged 8 ways by ``spread`` (seeded by ``seed`` and ``count``), ``z`` in the middle."""
    rng = np.random.default_rng([int(seed), int(count)])
    shape = (VARIATIONS, np.asarray(z).size)
    noise = rng.standard_normal(shape) if distribution == "normal" else rng.uniform(-1, 1, shape)
    out = np.asarray(z)[None, :] + spread * noise
    if distribution == "uniform":
        out = np.clip(out, -1.0, 1.0)
    out[VARIATIONS // 2] = z
    return out.astype(np.float32)


class ExploreState:
    """Typed access to the Explore page's values in ``store`` (``st.session_state`` on the page)."""

    def __init__(self, store: MutableMapping[str, Any]) -> None:
        self.store = store

    # ---- plain values -------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """The value under ``key`` (one of :class:`Keys`), or ``default``."""
        return self.store.get(key, default)

    def default(self, key: str, value: Any) -> Any:
        """Give ``key`` a first value (a widget's starting position); returns the current one."""
        return self.store.setdefault(key, value)

    def set(self, key: str, value: Any) -> None:
        """Set ``key`` (before its widget is drawn)."""
        self.store[key] = value

    def choose(self, key: str, options: list[Any], fallback: Any) -> None:
        """Keep ``key`` among ``options``: a value that is no longer offered becomes ``fallback``."""
        if self.store.get(key) not in options:
            self.store[key] = fallback

    @property
    def seed(self) -> int:
        """The seed in the seed box."""
        return int(self.store.get(Keys.SEED, 0))

    @property
    def base(self) -> np.ndarray:
        """The base latent (before the direction sliders move it)."""
        return np.asarray(self.store[Keys.BASE], dtype=np.float32)

    @property
    def source(self) -> str:
        """Where the base came from, in words ("seed 4", "variation 2", ...)."""
        return str(self.store.get(Keys.SOURCE, ""))

    def direction_name(self, i: int, default: str) -> str:
        """The user's name for direction ``i``, or ``default``."""
        return str(self.store.get(Keys.name(i)) or default).strip() or default

    @property
    def saved_directions(self) -> list[tuple[str, np.ndarray]] | None:
        """Directions loaded from an exploration file (None: the discovered ones are used)."""
        return self.store.get(Keys.SAVED_DIRECTIONS) or None

    @property
    def class_name(self) -> str:
        """The class drawn ("" for a run without classes)."""
        return str(self.store.get(Keys.CLASS, "")) if self.store.get(Keys.CLASS_NAMES) else ""

    def class_mix(self) -> tuple[float, ...] | None:
        """The class input drawn: the chosen class as one-hot weights; None without classes."""
        names = self.store.get(Keys.CLASS_NAMES) or ()
        chosen = self.store.get(Keys.CLASS)
        if not names or chosen not in names:
            return None
        return tuple(1.0 if name == chosen else 0.0 for name in names)

    def set_classes(self, names: tuple[str, ...]) -> None:
        """The run's classes; the chosen class stays when the run has it."""
        self.store[Keys.CLASS_NAMES] = names
        if names:
            self.choose(Keys.CLASS, list(names), names[0])

    # ---- run and epoch --------------------------------------------------------------------
    def choose_run(self, run_ids: list[str]) -> None:
        """Keep the chosen run among ``run_ids`` (the newest when it is gone)."""
        self.choose(Keys.RUN, run_ids, run_ids[0])

    def open_epochs(self, run_id: str, epochs: list[int], active: bool) -> str:
        """Settle the epoch to show among a run's saved ``epochs``.

        Another run opens at its own newest epoch, following it when it trains. Returns a
        warning when the epoch asked for is no longer saved ("" otherwise).
        """
        if self.store.get(Keys.EPOCH_RUN) != run_id:
            self.store[Keys.EPOCH], self.store[Keys.LIVE] = epochs[-1], active
            self.store[Keys.EPOCH_RUN] = run_id
        if active:
            self.store.setdefault(Keys.LIVE, True)
        wanted = self.store.get(Keys.EPOCH)
        if wanted in epochs:
            return ""
        self.store[Keys.EPOCH] = epochs[-1]
        if wanted is None:
            return ""
        return f"Epoch {wanted} is no longer saved for this run; showing epoch {epochs[-1]}, the newest."

    def go_to_epoch(self, epoch: int) -> None:
        """Show ``epoch`` (a button callback, before the slider is drawn again)."""
        self.store[Keys.EPOCH] = int(epoch)

    def sync(self, run_id: str, epoch: int, dim: int, distribution: str) -> None:
        """A new run (or latent size) resets the explorer; a new epoch keeps the latent, so one image can be followed."""
        if self.store.get(Keys.CONTEXT) != (run_id, dim):
            self.store.setdefault(Keys.SEED, 0)
            self.reset_context(dim, distribution)
            self.store[Keys.CONTEXT] = (run_id, dim)
        elif self.store.get(Keys.CONTEXT_EPOCH) != epoch and Keys.Z in self.store:
            self.set_base(self.store[Keys.Z], self.store.get(Keys.SOURCE, "kept"))
        self.store[Keys.CONTEXT_EPOCH] = epoch

    # ---- the latent -----------------------------------------------------------------------
    def _keys_with(self, prefix: str) -> list[str]:
        return [k for k in list(self.store) if str(k).startswith(prefix)]

    def zero_directions(self) -> None:
        """Put every direction slider back to 0."""
        for key in self._keys_with(_DIRECTION):
            self.store[key] = 0.0

    def set_base(self, z: np.ndarray, source: str) -> None:
        """Make ``z`` the base latent: direction sliders to 0, raw sliders follow it."""
        base = np.asarray(z, dtype=np.float32).copy()
        self.store[Keys.BASE], self.store[Keys.SOURCE] = base, source
        self.zero_directions()
        for key in self._keys_with(_RAW):
            index = int(str(key)[len(_RAW) :])
            if index < base.size:
                self.store[key] = float(np.clip(base[index], -4.0, 4.0))

    def adopt(self, z: np.ndarray, source: str) -> None:
        """A "Use" button: the clicked latent becomes the current image."""
        self.set_base(z, source)

    def reset_context(self, dim: int, distribution: str) -> None:
        """Forget a previous run's state and start from the seed in the seed box."""
        for key in self._keys_with((_DIRECTION, _RAW, _NAME)):
            del self.store[key]
        for key in (Keys.VARIATIONS, Keys.MAP, Keys.SAVED_DIRECTIONS):
            self.store.pop(key, None)
        self.from_seed(dim, distribution)

    def from_seed(self, dim: int, distribution: str) -> None:
        """The seed box changed: its latent becomes the base."""
        self.set_base(latent_from_seed(self.seed, dim, distribution), f"seed {self.seed}")

    def randomize(self, dim: int, distribution: str) -> None:
        """A random seed."""
        self.store[Keys.SEED] = secrets.randbelow(1_000_000)
        self.from_seed(dim, distribution)

    def edit_raw(self, index: int) -> None:
        """A raw-dimension slider moved: it edits the base."""
        base = self.base.copy()
        base[index] = float(self.store[Keys.raw(index)])
        self.store[Keys.BASE], self.store[Keys.SOURCE] = base, "edited"

    def set_current(self, z: np.ndarray, shown: np.ndarray) -> None:
        """Remember what is drawn: the current latent and every latent on screen."""
        self.store[Keys.Z], self.store[Keys.SHOWN] = z, shown

    # ---- tools ----------------------------------------------------------------------------
    def make_variations(self, z: np.ndarray, spread: float, distribution: str) -> None:
        """Nudge ``z`` 8 new ways (each click another set)."""
        count = int(self.store.get(Keys.VARIATION_COUNT, 0)) + 1
        self.store[Keys.VARIATIONS] = variation_latents(z, spread, distribution, self.seed, count)
        self.store[Keys.VARIATION_COUNT] = count

    def variations(self, dim: int) -> np.ndarray | None:
        """The variations made for a latent of size ``dim`` (None: none yet)."""
        found = self.store.get(Keys.VARIATIONS)
        return found if found is not None and found.shape[1] == dim else None

    def set_map_centre(self, z: np.ndarray) -> None:
        """Draw the 2-D map around ``z``."""
        self.store[Keys.MAP] = np.asarray(z, dtype=np.float32).copy()

    def map_centre(self, dim: int) -> np.ndarray | None:
        """The 2-D map's centre for a latent of size ``dim`` (None: not drawn yet)."""
        centre = self.store.get(Keys.MAP)
        return centre if centre is not None and centre.size == dim else None

    def use_discovered_directions(self) -> None:
        """Forget loaded directions (and their names); the discovered ones come back."""
        self.store.pop(Keys.SAVED_DIRECTIONS, None)
        for key in self._keys_with(_NAME):
            del self.store[key]
        self.zero_directions()

    def apply_exploration(self, found: Exploration, file_name: str, saved_epochs: list[int], epoch: int) -> None:
        """A loaded exploration becomes the current image, with its directions, class and epoch."""
        for key in self._keys_with(_NAME):
            del self.store[key]
        self.store[Keys.SAVED_DIRECTIONS] = [(nv.name, nv.vector) for nv in found.directions] or None
        if found.directions:
            self.store[Keys.DIRECTION_COUNT] = len(found.directions)
        self.set_base(found.latents[0].vector, f"loaded from {file_name}")
        if found.class_name:
            if found.class_name in (self.store.get(Keys.CLASS_NAMES) or ()):
                self.store[Keys.CLASS] = found.class_name
            else:
                self.say(
                    "warning",
                    f"{file_name} was drawn as class {found.class_name!r}, which this run does not have; "
                    "the current class is kept.",
                )
        self.store[Keys.Z] = found.latents[0].vector
        if found.epoch != epoch:
            if found.epoch in saved_epochs:
                self.store[Keys.EPOCH], self.store[Keys.LIVE] = found.epoch, False
                self.store[Keys.CONTEXT_EPOCH] = found.epoch
            else:
                self.say(
                    "warning",
                    f"{file_name} was saved at epoch {found.epoch}, which is no longer saved; "
                    f"its latents are shown at epoch {epoch}, so the images can differ.",
                )
        self.say(
            "success", f"Loaded {file_name}: {len(found.latents)} latent(s), {len(found.directions)} direction(s)."
        )

    # ---- messages for the next rerun ------------------------------------------------------
    def say(self, kind: str, text: str) -> None:
        """Keep a message (``kind``: success, warning, error) to show at the top of the next rerun."""
        self.store.setdefault(Keys.MESSAGES, []).append((kind, text))

    def take_messages(self) -> list[tuple[str, str]]:
        """The kept messages, once."""
        return self.store.pop(Keys.MESSAGES, [])
