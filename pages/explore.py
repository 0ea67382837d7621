"""Explore: play with what a run's generator learned, at any saved epoch or live while it trains.

Widgets build a latent (a seed's latent, or an adopted one, moved along discovered
directions); one batched generator call draws it. The page's values live in one
:class:`~ui.explore_state.ExploreState` (widgets bind to its keys, buttons call its
methods); drawing goes through a :class:`~ui.explore_render.Renderer`, which takes plain
arguments and returns cached results. With ``runner.fastReruns`` a newer slider change
stops an older rerun, so only the latest request is drawn. Variations, the 2-D map, the
interpolation and the exports are drawn only when asked for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from dcgan_core import (
    OWNED_STATUSES,
    DcganError,
    default_runs_dir,
    generator_epochs,
    list_runs,
    move_along,
    sample_latents,
)
from ui import explore_panels as panels
from ui.explore_files import save_export
from ui.explore_render import Renderer, display_png, newest_epoch, sampler
from ui.explore_keys import Keys
from ui.explore_state import ExploreState
from ui.fmt import status_label
from ui.labels import preset_title
from ui.names import distinct
from ui.runtime import require_router
from ui.share import share_panel

require_router()  # see ui/runtime.py: the first load of a fresh server

_GRID = 16
_WATCH_SECONDS = 4.0


def _choose_run(state: ExploreState):
    runs = list_runs(default_runs_dir())
    if not runs:
        st.info(
            "There are no runs yet. Train a model on the Train page; its generator can be explored here "
            "as soon as its first epoch is saved.",
            icon="🧭",
        )
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    usable = [r for r in runs if not r.damaged]
    if len(usable) < len(runs):
        st.caption(f"{len(runs) - len(usable)} damaged run folder(s) are hidden; the Runs page says why.")
    if not usable:
        st.error("Every run folder is damaged, so there is nothing to explore.")
        st.stop()
    by_id = {r.run_id: r for r in usable}
    state.choose_run(list(by_id))
    label = distinct(
        {
            r.run_id: f"{r.display_name or r.run_id} · {preset_title(r.preset)} · "
            f"{status_label(r.status)}, epoch {r.epochs_done}"
            for r in usable
        }
    )
    return by_id[st.selectbox("Run", list(by_id), format_func=label.get, key=Keys.RUN)]


def _watch(run_dir: Path, shown: int | None) -> None:
    """While following a live run, redraw the page when a newer epoch is saved."""

    @st.fragment(run_every=_WATCH_SECONDS)
    def poll() -> None:
        if newest_epoch(run_dir) != shown:
            st.rerun()

    poll()


def _no_epoch_yet(summary, active: bool) -> None:
    name = summary.display_name or summary.run_id
    if active:
        st.info(
            f"**{name}** is still training its first epoch. This page opens it by itself as soon as "
            "that epoch is saved; the Train page shows it live meanwhile.",
            icon="⏳",
        )
        _watch(summary.path, None)
    else:
        st.info(
            f"**{name}** has no saved generator: no epoch of it was saved. Train it for an epoch "
            "or more (Train more on the Runs page), or pick another run.",
            icon="⏳",
        )
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()


def _choose_epoch(state: ExploreState, summary) -> int:
    epochs = generator_epochs(summary.path)
    active = summary.status in OWNED_STATUSES
    if not epochs:
        _no_epoch_yet(summary, active)
    gone = state.open_epochs(summary.run_id, epochs, active)
    if active and st.toggle(
        "Follow the newest epoch",
        key=Keys.LIVE,
        help="Use the newest weights of the running job, as of its last epoch end; "
        "the page moves on by itself at each new saved epoch.",
    ):
        st.caption(f"🟢 Live weights as of epoch **{epochs[-1]}** (the newest saved); the page follows each new epoch.")
        _watch(summary.path, epochs[-1])
        state.go_to_epoch(epochs[-1])
        return epochs[-1]
    if gone:
        st.warning(gone)
    if len(epochs) == 1:
        st.caption(f"Epoch {epochs[0]}, the only one saved so far.")
        return epochs[0]
    chosen = int(st.select_slider("Epoch", epochs, key=Keys.EPOCH, help="Every saved epoch of this run."))
    best = summary.best_epoch
    if best in epochs and best != chosen:
        st.button(
            f"Go to epoch {best}, the best so far",
            key=Keys.BEST,
            on_click=state.go_to_epoch,
            args=(best,),
            help="The epoch whose samples came closest to your images (lowest quality score); "
            "its generator is always kept.",
        )
    elif best == chosen:
        st.caption(f"Epoch {best} is the best so far: its samples came closest to your images.")
    return chosen


def _directions(state: ExploreState, draw: Renderer) -> tuple[np.ndarray, list[str], list[str]]:
    """The direction vectors in use, their names and their slider labels."""
    saved = state.saved_directions
    if saved:
        vectors, shares = np.stack([v for _, v in saved]), None
        defaults = [name for name, _ in saved]
    else:
        vectors, shares = draw.directions()
        defaults = [f"Direction {i + 1}" for i in range(len(vectors))]
    names = [state.direction_name(i, defaults[i]) for i in range(len(vectors))]
    labels = [
        f"{n} (saved)" if shares is None else f"{n} · explains {_percent(shares[i])} of the variety"
        for i, n in enumerate(names)
    ]
    return vectors, names, labels


def _percent(share: float) -> str:
    """``"5%"``, ``"0.4%"``: a share in everyday precision."""
    value = float(share) * 100
    return f"{value:.0f}%" if value >= 1 else f"{value:.1g}%"


def _class_picker(state: ExploreState, smp) -> None:
    """A run that draws by class: the class to draw (the same seed redrawn as another class)."""
    state.set_classes(smp.class_names)
    if not smp.class_names:
        return
    st.selectbox(
        "Class",
        smp.class_names,
        key=Keys.CLASS,
        help="This run learned one class per folder of your images: pick the class to draw. The seed "
        "and sliders stay, so you see the same random start drawn as another class.",
    )


def _raw_sliders(state: ExploreState, dim: int, dist: str) -> None:
    lo, hi = (-1.0, 1.0) if dist == "uniform" else (-4.0, 4.0)
    state.default(Keys.RAW_DIMS, list(range(min(8, dim))))
    shown = st.multiselect("Inputs to show", list(range(dim)), key=Keys.RAW_DIMS)
    base = state.base
    for j in shown:
        state.default(Keys.raw(j), float(np.clip(base[j], lo, hi)))
        st.slider(
            f"Input {j}",
            lo,
            hi,
            step=0.05,
            key=Keys.raw(j),
            on_change=state.edit_raw,
            args=(j,),
            help=f"z[{j}], dimension {j} of the latent vector.",
        )


def _controls(state: ExploreState, smp, vectors: np.ndarray, names: list[str], labels: list[str]):
    dim, dist = smp.latent_dim, smp.latent_distribution
    top = st.columns([1, 1, 1], vertical_alignment="bottom")
    top[0].number_input("Seed", 0, 2**31 - 1, step=1, key=Keys.SEED, on_change=state.from_seed, args=(dim, dist))
    top[1].button("🎲 Randomize", on_click=state.randomize, args=(dim, dist), width="stretch")
    top[2].button(
        "↺ Reset", help="Put every direction slider back to 0.", on_click=state.zero_directions, width="stretch"
    )
    state.set(Keys.DIRECTION_COUNT, min(int(state.default(Keys.DIRECTION_COUNT, min(5, len(vectors)))), len(vectors)))
    k = int(
        st.number_input(
            "Number of direction sliders",
            1,
            len(vectors),
            key=Keys.DIRECTION_COUNT,
            help="Directions along which the images vary most, strongest first (found by PCA "
            "of the generator's first layer); the share says how much of the variety "
            "each one explains.",
        )
    )
    amounts = []
    for i in range(k):
        state.default(Keys.direction(i), 0.0)
        amounts.append(st.slider(labels[i], -5.0, 5.0, step=0.1, key=Keys.direction(i)))
    with st.expander("✏️ Rename directions"):
        for i in range(k):
            st.text_input(f"Name of direction {i + 1}", key=Keys.name(i), placeholder=names[i])
    with st.expander("🎛️ Each random input on its own (raw latent dimensions)"):
        _raw_sliders(state, dim, dist)
    return k, np.asarray(amounts, dtype=np.float32)


def _view(state: ExploreState, draw: Renderer, smp, z: np.ndarray, vectors: np.ndarray, amounts: np.ndarray, names):
    """Draw the current image (or a grid of seeds); returns every latent shown."""
    if not smp.is_image_model:
        panels.gaussian_view(draw, z, vectors[0], names[0])
        return z[None, :]
    if st.toggle(
        f"Grid of {_GRID} seeds",
        key=Keys.GRID,
        help="The seeds from the seed box on, all moved along the same directions.",
    ):
        seeds = sample_latents(_GRID, smp.latent_dim, state.seed, smp.latent_distribution)
        shown, caption = move_along(seeds, vectors, amounts), f"Seeds {state.seed}–{state.seed + _GRID - 1}"
    else:
        shown, caption = z[None, :], state.source
    caption += f" · epoch {draw.epoch}" + (f" · class {state.class_name}" if state.class_name else "")
    st.image(display_png(draw.images(shown)), caption=caption, output_format="PNG")
    return shown


def main() -> None:
    st.title("🧭 Explore")
    st.caption(
        "Move through what a generator learned: seeds, discovered directions, variations, "
        "interpolations and a 2-D map, on any saved epoch or live while it trains."
    )
    state = ExploreState(st.session_state)
    for kind, text in state.take_messages():
        getattr(st, kind)(text)
    summary = _choose_run(state)
    epoch = _choose_epoch(state, summary)
    try:
        smp = sampler(summary.path, epoch)
        state.sync(summary.run_id, epoch, smp.latent_dim, smp.latent_distribution)
        with st.columns([3, 2], gap="large")[1]:
            _class_picker(state, smp)
        draw = Renderer(summary.path, epoch, state.class_mix())
        vectors, names, labels = _directions(state, draw)
    except DcganError as exc:
        st.error(f"This generator cannot be explored: {exc}", icon="🩹")
        st.stop()
    view_col, control_col = st.columns([3, 2], gap="large")
    with control_col:
        k, amounts = _controls(state, smp, vectors, names, labels)
    z = move_along(state.base, vectors[:k], amounts)
    with view_col:
        shown = _view(state, draw, smp, z, vectors[:k], amounts, names)
    state.set_current(z, shown)
    st.divider()
    options = ["🧬 Variations", "🎞️ Interpolation", "🗺️ 2-D map", "💾 Save & export"]
    state.default(Keys.PANEL, options[0])
    panel = st.segmented_control("Tools", options, key=Keys.PANEL, label_visibility="collapsed")
    context = panels.Context(state, draw, summary.run_id, smp, z, shown, vectors[:k], names[:k])
    tools = dict(zip(options, (panels.variations, panels.interpolation, panels.map_2d, save_export)))
    tools.get(panel, lambda c: None)(context)
    with st.expander("Share this model: web demo, model files, run bundle", icon=":material/ios_share:"):
        share_panel(Path(summary.path).parent, summary.run_id, epoch, key=Keys.SHARE)


main()
