"""The Explore page's state object on a plain dict: the rules of the page without a browser."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from dcgan_core import Exploration, latent_from_seed
from ui.explore_keys import Keys
from ui.explore_state import VARIATIONS, ExploreState, variation_latents

ROOT = Path(__file__).resolve().parent.parent


def _fresh(dim: int = 8) -> ExploreState:
    state = ExploreState({})
    state.sync("run-a", 1, dim, "normal")
    return state


def test_a_new_run_starts_from_the_seed_and_forgets_the_old_runs_sliders():
    state = _fresh()
    np.testing.assert_array_equal(state.base, latent_from_seed(0, 8))
    state.store.update({Keys.direction(0): 2.0, Keys.name(0): "smile", Keys.VARIATIONS: np.zeros((9, 8))})
    state.set(Keys.SEED, 3)
    state.sync("run-b", 1, 8, "normal")
    assert Keys.direction(0) not in state.store and Keys.name(0) not in state.store
    assert state.variations(8) is None
    np.testing.assert_array_equal(state.base, latent_from_seed(3, 8))
    assert state.source == "seed 3"


def test_a_new_epoch_keeps_the_current_image():
    state = _fresh()
    moved = np.arange(8, dtype=np.float32)
    state.set_current(moved, moved[None, :])
    state.store[Keys.direction(0)] = 1.5
    state.sync("run-a", 2, 8, "normal")
    np.testing.assert_array_equal(state.base, moved)  # the moved latent becomes the base
    assert state.store[Keys.direction(0)] == 0.0  # and the sliders start from it


def test_a_new_base_zeroes_the_directions_and_moves_the_raw_sliders():
    state = _fresh()
    state.store.update({Keys.direction(1): 3.0, Keys.raw(2): 0.0})
    z = np.full(8, 9.0, np.float32)
    state.adopt(z, "variation 2")
    assert state.store[Keys.direction(1)] == 0.0
    assert state.store[Keys.raw(2)] == 4.0  # clipped to the slider's range
    assert state.source == "variation 2"
    state.store[Keys.raw(2)] = -1.25
    state.edit_raw(2)
    assert state.base[2] == -1.25 and state.source == "edited"


def test_variations_are_seeded_and_keep_the_current_image_in_the_middle():
    z = latent_from_seed(5, 16)
    first = variation_latents(z, 0.3, "normal", seed=5, count=1)
    assert first.shape == (VARIATIONS, 16) and first.dtype == np.float32
    np.testing.assert_array_equal(first[VARIATIONS // 2], z)
    np.testing.assert_array_equal(first, variation_latents(z, 0.3, "normal", seed=5, count=1))
    assert not np.array_equal(first, variation_latents(z, 0.3, "normal", seed=5, count=2))
    uniform = variation_latents(np.zeros(16, np.float32), 5.0, "uniform", seed=1, count=1)
    assert uniform.min() >= -1.0 and uniform.max() <= 1.0
    state = _fresh(16)
    state.make_variations(z, 0.3, "normal")
    state.make_variations(z, 0.3, "normal")  # each click another set
    np.testing.assert_array_equal(state.variations(16), variation_latents(z, 0.3, "normal", seed=0, count=2))
    assert state.variations(8) is None  # made for another latent size


def test_the_epoch_asked_for_is_kept_or_replaced_with_a_reason():
    state = ExploreState({})
    assert state.open_epochs("r", [1, 2, 3], active=True) == ""
    assert state.get(Keys.EPOCH) == 3 and state.get(Keys.LIVE) is True
    state.go_to_epoch(2)
    assert state.open_epochs("r", [1, 2, 3], active=False) == "" and state.get(Keys.EPOCH) == 2
    assert "Epoch 2 is no longer saved" in state.open_epochs("r", [1, 3], active=False)
    assert state.get(Keys.EPOCH) == 3
    state.open_epochs("other", [4, 7], active=False)
    assert state.get(Keys.EPOCH) == 7 and state.get(Keys.LIVE) is False


def test_a_loaded_exploration_becomes_the_current_image_with_its_directions_and_epoch():
    state = _fresh()
    state.set_classes(("cat", "dog"))
    state.store[Keys.name(0)] = "old name"
    latent, direction = np.linspace(-1, 1, 8).astype(np.float32), np.eye(8, dtype=np.float32)[0]
    found = Exploration(
        "run-a", 3, 8, latents=[("current", latent)], directions=[("ears", direction)], class_name="dog"
    )
    state.apply_exploration(found, "mine.json", saved_epochs=[1, 3], epoch=1)
    np.testing.assert_array_equal(state.base, latent)
    assert state.saved_directions[0][0] == "ears" and state.get(Keys.DIRECTION_COUNT) == 1
    assert Keys.name(0) not in state.store
    assert state.class_name == "dog" and state.class_mix() == (0.0, 1.0)
    assert state.get(Keys.EPOCH) == 3 and state.get(Keys.LIVE) is False
    assert [kind for kind, _ in state.take_messages()] == ["success"]
    assert state.take_messages() == []  # shown once
    state.use_discovered_directions()
    assert state.saved_directions is None


def test_a_loaded_exploration_of_an_unknown_class_or_a_gone_epoch_is_named():
    state = _fresh()
    state.set_classes(("cat", "dog"))
    found = Exploration("run-a", 9, 8, latents=[("current", np.zeros(8, np.float32))], class_name="bird")
    state.apply_exploration(found, "old.json", saved_epochs=[1], epoch=1)
    texts = " ".join(text for _, text in state.take_messages())
    assert "'bird'" in texts and "epoch 9, which is no longer saved" in texts
    assert state.class_name == "cat"


def test_only_the_keys_module_spells_out_an_explore_key():
    """The page's keys are named once: no other file writes an ``ex_`` key literal."""
    offenders = []
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        if path.name == "explore_keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("ex_"):
                offenders.append(f"{path.name}: {node.value}")
            if isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and str(first.value).startswith("ex_"):
                    offenders.append(f"{path.name}: f-string {first.value}")
    assert offenders == []
