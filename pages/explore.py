"""Explore: play with what a run's generator learned, at any saved epoch or live while it trains.

Widgets build a latent (a seed's latent, or an adopted one, moved along discovered
directions); one batched generator call draws it. Each rerun costs one small generator
call: with ``runner.fastReruns`` a newer slider change stops an older rerun, so only the
latest request is drawn. Variations, the 2-D map, the interpolation and the exports are
drawn only when asked for, and cached.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import streamlit as st

from dcgan_core import (
    OWNED_STATUSES,
    DcganError,
    default_runs_dir,
    generator_epochs,
    latent_from_seed,
    list_runs,
    move_along,
    sample_latents,
)
from ui import explore_panels as panels
from ui import explore_widgets as widgets
from ui.fmt import status_label
from ui.labels import preset_title
from ui.names import distinct
from ui.runtime import require_router
from ui.share import share_panel

require_router()  # see ui/runtime.py: the first load of a fresh server

_GRID = 16
ss = st.session_state


def _messages() -> None:
    for kind, text in ss.pop("ex_msgs", []):
        getattr(st, kind)(text)


def _choose_run():
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
    if ss.get("ex_run") not in by_id:
        ss["ex_run"] = usable[0].run_id
    label = distinct(
        {
            r.run_id: f"{r.display_name or r.run_id} · {preset_title(r.preset)} · "
            f"{status_label(r.status)}, epoch {r.epochs_done}"
            for r in usable
        }
    )
    return by_id[st.selectbox("Run", list(by_id), format_func=label.get, key="ex_run")]


_WATCH_SECONDS = 4.0


def _watch(run_dir: Path, shown: int | None) -> None:
    """While following a live run, redraw the page when a newer epoch is saved."""

    @st.fragment(run_every=_WATCH_SECONDS)
    def poll() -> None:
        if widgets.newest_epoch(run_dir) != shown:
            st.rerun()

    poll()


def _choose_epoch(summary) -> int:
    epochs = generator_epochs(summary.path)
    active = summary.status in OWNED_STATUSES
    if not epochs:
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
    if ss.get("ex_epoch_run") != summary.run_id:
        # another run: open it at its own newest epoch, following it if it trains
        ss["ex_epoch"], ss["ex_live"] = epochs[-1], active
        ss["ex_epoch_run"] = summary.run_id
    if active:
        ss.setdefault("ex_live", True)
        if st.toggle(
            "Follow the newest epoch",
            key="ex_live",
            help="Use the newest weights of the running job, as of its last epoch end; "
            "the page moves on by itself at each new saved epoch.",
        ):
            st.caption(
                f"🟢 Live weights as of epoch **{epochs[-1]}** (the newest saved); the page follows each new epoch."
            )
            _watch(summary.path, epochs[-1])
            ss["ex_epoch"] = epochs[-1]
            return epochs[-1]
    wanted = ss.get("ex_epoch")
    if wanted not in epochs:
        if wanted is not None:
            st.warning(f"Epoch {wanted} is no longer saved for this run; showing epoch {epochs[-1]}, the newest.")
        ss["ex_epoch"] = epochs[-1]
    if len(epochs) == 1:
        st.caption(f"Epoch {epochs[0]}, the only one saved so far.")
        return epochs[0]
    chosen = int(st.select_slider("Epoch", epochs, key="ex_epoch", help="Every saved epoch of this run."))
    best = summary.best_epoch
    if best in epochs and best != chosen:
        st.button(
            f"Go to epoch {best}, the best so far",
            key="ex_best",
            on_click=_go_to_epoch,
            args=(best,),
            help="The epoch whose samples came closest to your images (lowest quality score); "
            "its generator is always kept.",
        )
    elif best == chosen:
        st.caption(f"Epoch {best} is the best so far: its samples came closest to your images.")
    return chosen


def _go_to_epoch(epoch: int) -> None:
    """Button callback: show ``epoch`` (before the slider is drawn again)."""
    st.session_state["ex_epoch"] = epoch


def _sync_state(run_id: str, epoch: int, dim: int, dist: str) -> None:
    """A new run resets the explorer; a new epoch keeps the latent, so one image can be followed in time."""
    if ss.get("ex_ctx") != (run_id, dim):
        ss.setdefault("ex_seed", 0)
        widgets.reset_context(dim, dist)
        ss["ex_ctx"] = (run_id, dim)
    elif ss.get("ex_ctx_epoch") != epoch and "ex_z" in ss:
        widgets.set_base(ss["ex_z"], ss.get("ex_source", "kept"))
    ss["ex_ctx_epoch"] = epoch


def _from_seed(dim: int, dist: str) -> None:
    seed = int(ss.get("ex_seed", 0))
    widgets.set_base(latent_from_seed(seed, dim, dist), f"seed {seed}")


def _randomize(dim: int, dist: str) -> None:
    ss["ex_seed"] = secrets.randbelow(1_000_000)
    _from_seed(dim, dist)


def _edit_dim(index: int) -> None:
    base = np.array(ss["ex_base"], dtype=np.float32)
    base[index] = float(ss[f"ex_dim_{index}"])
    ss["ex_base"], ss["ex_source"] = base, "edited"


def _directions(run_dir: Path, epoch: int) -> tuple[np.ndarray, list[str], list[str]]:
    """The direction vectors in use, their names and their slider labels."""
    saved = ss.get("ex_saved_dirs")
    if saved:
        vectors, shares = np.stack([v for _, v in saved]), None
        defaults = [name for name, _ in saved]
    else:
        vectors, shares = widgets.directions(run_dir, epoch)
        defaults = [f"Direction {i + 1}" for i in range(len(vectors))]
    names = [str(ss.get(f"ex_name_{i}") or defaults[i]).strip() or defaults[i] for i in range(len(vectors))]
    labels = [
        f"{n} (saved)" if shares is None else f"{n} · explains {_percent(shares[i])} of the variety"
        for i, n in enumerate(names)
    ]
    return vectors, names, labels


def _percent(share: float) -> str:
    """``"5%"``, ``"0.4%"``: a share in everyday precision."""
    value = float(share) * 100
    return f"{value:.0f}%" if value >= 1 else f"{value:.1g}%"


def _class_picker(smp) -> None:
    """A run that draws by class: the class to draw (the same seed redrawn as another class)."""
    names = smp.class_names
    ss["ex_class_names"] = names
    if not names:
        return
    if ss.get("ex_class") not in names:
        ss["ex_class"] = names[0]
    st.selectbox(
        "Class",
        names,
        key="ex_class",
        help="This run learned one class per folder of your images: pick the class to draw. The seed "
        "and sliders stay, so you see the same random start drawn as another class.",
    )


def _controls(smp, vectors: np.ndarray, names: list[str], labels: list[str]) -> tuple[int, np.ndarray]:
    dim, dist = smp.latent_dim, smp.latent_distribution
    top = st.columns([1, 1, 1], vertical_alignment="bottom")
    top[0].number_input("Seed", 0, 2**31 - 1, step=1, key="ex_seed", on_change=_from_seed, args=(dim, dist))
    top[1].button("🎲 Randomize", on_click=_randomize, args=(dim, dist), width="stretch")
    top[2].button(
        "↺ Reset", help="Put every direction slider back to 0.", on_click=widgets.zero_directions, width="stretch"
    )
    ss.setdefault("ex_k", min(5, len(vectors)))
    ss["ex_k"] = min(int(ss["ex_k"]), len(vectors))
    k = int(
        st.number_input(
            "Number of direction sliders",
            1,
            len(vectors),
            key="ex_k",
            help="Directions along which the images vary most, strongest first (found by PCA "
            "of the generator's first layer); the share says how much of the variety "
            "each one explains.",
        )
    )
    amounts = []
    for i in range(k):
        ss.setdefault(f"ex_dir_{i}", 0.0)
        amounts.append(st.slider(labels[i], -5.0, 5.0, step=0.1, key=f"ex_dir_{i}"))
    with st.expander("✏️ Rename directions"):
        for i in range(k):
            st.text_input(f"Name of direction {i + 1}", key=f"ex_name_{i}", placeholder=names[i])
    with st.expander("🎛️ Each random input on its own (raw latent dimensions)"):
        lo, hi = (-1.0, 1.0) if dist == "uniform" else (-4.0, 4.0)
        ss.setdefault("ex_dims", list(range(min(8, dim))))
        shown = st.multiselect("Inputs to show", list(range(dim)), key="ex_dims")
        base = ss["ex_base"]
        for j in shown:
            ss.setdefault(f"ex_dim_{j}", float(np.clip(base[j], lo, hi)))
            st.slider(
                f"Input {j}",
                lo,
                hi,
                step=0.05,
                key=f"ex_dim_{j}",
                on_change=_edit_dim,
                args=(j,),
                help=f"z[{j}], dimension {j} of the latent vector.",
            )
    return k, np.asarray(amounts, dtype=np.float32)


def main() -> None:
    st.title("🧭 Explore")
    st.caption(
        "Move through what a generator learned: seeds, discovered directions, variations, "
        "interpolations and a 2-D map, on any saved epoch or live while it trains."
    )
    _messages()
    summary = _choose_run()
    epoch = _choose_epoch(summary)
    run_dir = summary.path
    try:
        smp = widgets.sampler(run_dir, epoch)
        _sync_state(summary.run_id, epoch, smp.latent_dim, smp.latent_distribution)
        with st.columns([3, 2], gap="large")[1]:
            _class_picker(smp)
        vectors, names, labels = _directions(run_dir, epoch)
    except DcganError as exc:
        st.error(f"This generator cannot be explored: {exc}", icon="🩹")
        st.stop()
    view_col, control_col = st.columns([3, 2], gap="large")
    with control_col:
        k, amounts = _controls(smp, vectors, names, labels)
    z = move_along(ss["ex_base"], vectors[:k], amounts)
    ss["ex_z"] = z
    with view_col:
        if smp.is_image_model:
            grid = st.toggle(
                f"Grid of {_GRID} seeds",
                key="ex_grid",
                help="The seeds from the seed box on, all moved along the same directions.",
            )
            if grid:
                shown = move_along(
                    sample_latents(_GRID, smp.latent_dim, int(ss["ex_seed"]), smp.latent_distribution),
                    vectors[:k],
                    amounts,
                )
                caption = f"Seeds {ss['ex_seed']}–{int(ss['ex_seed']) + _GRID - 1}, epoch {epoch}"
            else:
                shown, caption = z[None, :], f"{ss.get('ex_source', '')} · epoch {epoch}"
            if smp.class_names:
                caption += f" · class {ss['ex_class']}"
            st.image(widgets.display_png(widgets.images(run_dir, epoch, shown)), caption=caption, output_format="PNG")
        else:
            shown = z[None, :]
            panels.gaussian_view(run_dir, epoch, smp, z, vectors[0], names[0])
    ss["ex_shown"] = shown
    st.divider()
    options = ["🧬 Variations", "🎞️ Interpolation", "🗺️ 2-D map", "💾 Save & export"]
    ss.setdefault("ex_panel", options[0])
    panel = st.segmented_control("Tools", options, key="ex_panel", label_visibility="collapsed")
    context = panels.Context(run_dir, summary.run_id, epoch, smp, z, shown, vectors[:k], names[:k])
    {
        options[0]: panels.variations,
        options[1]: panels.interpolation,
        options[2]: panels.map_2d,
        options[3]: panels.save_export,
    }.get(panel, lambda c: None)(context)
    with st.expander("Share this model: web demo, model files, run bundle", icon=":material/ios_share:"):
        share_panel(Path(run_dir).parent, summary.run_id, epoch, key="ex")


main()
