"""The tool panels of the Explore page: variations, interpolation, 2-D map, save and export.

Only the panel the user picked is drawn. Everything a panel draws is cached or made on
request (a button), so moving a main slider does not redraw a whole panel's worth of
images. Downloads carry their bytes (cached), so the first click always gets a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dcgan_core import (
    Exploration,
    ExplorationError,
    generator_epochs,
    grid_2d,
    interpolate,
    latent_from_seed,
    latents_to_json,
    load_exploration,
    save_exploration,
)
from ui import explore_widgets as widgets

__all__ = ["Context", "variations", "interpolation", "map_2d", "save_export", "gaussian_view"]

ss = st.session_state


@dataclass(frozen=True)
class Context:
    """What every panel needs: the generator in use and the current latent."""

    run_dir: Path
    run_id: str
    epoch: int
    sampler: Any
    z: np.ndarray
    shown: np.ndarray
    vectors: np.ndarray
    names: list[str]


def _figure(fig: go.Figure, height: int = 300) -> go.Figure:
    fig.update_layout(
        height=height,
        template="plotly_dark",
        margin=dict(l=10, r=10, t=30, b=10),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def gaussian_view(run_dir: Path, epoch: int, smp: Any, z: np.ndarray, direction: np.ndarray, name: str) -> None:
    """The 1-D toy: the current value on the real N(0, 1) density, and where a direction moves it."""
    current = float(widgets.values(run_dir, epoch, z[None, :])[0])
    sweep = np.linspace(-3.0, 3.0, 25, dtype=np.float32)
    sweep_values = widgets.values(run_dir, epoch, z[None, :] + sweep[:, None] * direction[None, :])
    st.metric("Generated value", f"{current:.3f}")
    fig = widgets.gaussian_figure(widgets.value_sample(run_dir, epoch), current, sweep, sweep_values, name)
    st.plotly_chart(fig, key="ex_gaussian")


# ---- variations -------------------------------------------------------------------------
def _make_variations(z: np.ndarray, spread: float, distribution: str) -> None:
    count = int(ss.get("ex_var_count", 0)) + 1
    rng = np.random.default_rng([int(ss.get("ex_seed", 0)), count])
    noise = rng.standard_normal((9, z.size)) if distribution == "normal" else rng.uniform(-1, 1, (9, z.size))
    out = z[None, :] + spread * noise
    if distribution == "uniform":
        out = np.clip(out, -1.0, 1.0)
    out[4] = z  # the middle cell is the image the variations came from
    ss["ex_variations"], ss["ex_var_count"] = out.astype(np.float32), count


def variations(c: Context) -> None:
    """Small random nudges around the current latent, as a grid; a click adopts one."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    ss.setdefault("ex_spread", 0.3)
    spread = left.slider(
        "How different",
        0.05,
        1.5,
        step=0.05,
        key="ex_spread",
        help="Size of the random nudge, in units of the latent's own spread.",
    )
    right.button(
        "🧬 Make variations",
        on_click=_make_variations,
        args=(c.z, spread, c.sampler.latent_distribution),
        width="stretch",
        type="primary",
    )
    found = ss.get("ex_variations")
    if found is None or found.shape[1] != c.sampler.latent_dim:
        st.caption(
            "Nudge the current image in 8 random ways; the middle cell is where you started. "
            "Click “Use” under one to make it the current image."
        )
        return
    if c.sampler.is_image_model:
        pictures = widgets.images(c.run_dir, c.epoch, found)
    else:
        numbers = widgets.values(c.run_dir, c.epoch, found)
    area = st.columns([3, 2])[0] if c.sampler.is_image_model else st.container()  # cells of a readable size
    for row in range(3):
        cols = area.columns(3)
        for col, i in zip(cols, range(row * 3, row * 3 + 3)):
            label = "current" if i == 4 else f"variation {i + 1 if i < 4 else i}"
            if c.sampler.is_image_model:
                col.image(
                    widgets.display_png(pictures[i : i + 1], target=256),
                    caption=label,
                    output_format="PNG",
                    width="stretch",
                )
            else:
                col.metric(label, f"{numbers[i]:.3f}")
            col.button("Use", key=f"ex_use_var_{i}", on_click=widgets.adopt, args=(found[i], label), width="stretch")


# ---- interpolation ----------------------------------------------------------------------
_PATHS = {"slerp": "Smooth (spherical)", "lerp": "Straight"}


def interpolation(c: Context) -> None:
    """A strip between two seeds (or the current image and a seed), playable and downloadable."""
    dim, dist = c.sampler.latent_dim, c.sampler.latent_distribution
    ss.setdefault("ex_seed_a", int(ss.get("ex_seed", 0)))
    ss.setdefault("ex_seed_b", int(ss.get("ex_seed", 0)) + 1)
    ss.setdefault("ex_frames", 8)
    ss.setdefault("ex_method", "slerp")
    cols = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    from_current = st.toggle("Start from the current image instead of the first seed", key="ex_from_current")
    seed_a = cols[0].number_input("From seed", 0, 2**31 - 1, step=1, key="ex_seed_a", disabled=from_current)
    seed_b = cols[1].number_input("To seed", 0, 2**31 - 1, step=1, key="ex_seed_b")
    frames = cols[2].slider("Frames", 3, 32, key="ex_frames")
    method = cols[3].radio(
        "Path",
        ["slerp", "lerp"],
        key="ex_method",
        format_func=_PATHS.get,
        help="Smooth follows the sphere where most random inputs live (slerp, spherical "
        "interpolation); Straight is a straight line between them (lerp).",
    )
    start = c.z if from_current else latent_from_seed(int(seed_a), dim, dist)
    keys = np.stack([start, latent_from_seed(int(seed_b), dim, dist)])
    path = interpolate(keys, int(frames), method)
    if not c.sampler.is_image_model:
        fig = go.Figure(
            go.Scatter(
                x=np.arange(1, len(path) + 1),
                y=widgets.values(c.run_dir, c.epoch, path),
                mode="lines+markers",
                line=dict(color="#7c5cff", width=3),
            )
        )
        fig.update_layout(xaxis_title="frame", yaxis_title="generated value")
        st.plotly_chart(_figure(fig), key="ex_interp_values")
        return
    strip = widgets.images(c.run_dir, c.epoch, path)
    st.image(
        widgets.display_png(strip, target=96 * int(frames), cols=int(frames)),
        width="stretch",
        caption=f"{_PATHS[method]} path in {frames} frames",
        output_format="PNG",
    )
    if c.sampler.class_names:
        _class_blend(c, int(frames))
    factor = max(1, 192 // max(c.sampler.image_shape[:2]))
    gif = widgets.interpolation_gif_cached(c.run_dir, c.epoch, keys, int(frames), method, factor)
    play, get = st.columns([1, 2], vertical_alignment="center")
    play.image(gif, caption="Playing back and forth")
    get.download_button(
        "⬇️ Download the GIF",
        gif,
        file_name=f"{c.run_id}-e{c.epoch}-interpolation.gif",
        mime="image/gif",
        key="ex_dl_interp",
        on_click="ignore",
    )


def _class_blend(c: Context, frames: int) -> None:
    """The current image drawn as a blend going from one class to another."""
    names = list(c.sampler.class_names)
    st.markdown("**From one class to another**")
    ss.setdefault("ex_blend_a", names[0])
    ss.setdefault("ex_blend_b", names[1])
    for key in ("ex_blend_a", "ex_blend_b"):
        if ss[key] not in names:
            ss[key] = names[0] if key == "ex_blend_a" else names[1]
    cols = st.columns(2)
    first = cols[0].selectbox("From class", names, key="ex_blend_a")
    second = cols[1].selectbox("To class", names, key="ex_blend_b")
    strip = widgets.class_strip(c.run_dir, c.epoch, c.z, first, second, frames)
    st.image(
        widgets.display_png(strip, target=96 * frames, cols=frames),
        width="stretch",
        output_format="PNG",
        caption=f"The current image, its class blended from {first} to {second} in {frames} frames "
        "(a mix of the two classes' learned embeddings)",
    )


# ---- 2-D map ----------------------------------------------------------------------------
def _set_map(z: np.ndarray) -> None:
    ss["ex_map"] = np.asarray(z, dtype=np.float32).copy()


def map_2d(c: Context) -> None:
    """A grid spanned by two directions around a fixed centre; a click adopts a cell."""
    if len(c.vectors) < 2:
        st.info("The map needs two directions: set “Direction sliders” to 2 or more.")
        return
    options = list(range(len(c.vectors)))
    for key, default in (("ex_map_x", 0), ("ex_map_y", 1)):
        if ss.get(key) not in options:
            ss[key] = default
    ss.setdefault("ex_map_steps", 5)
    ss.setdefault("ex_map_span", 3.0)
    cols = st.columns(4, vertical_alignment="bottom")
    x = cols[0].selectbox("Across", options, format_func=lambda i: c.names[i], key="ex_map_x")
    y = cols[1].selectbox("Down", options, format_func=lambda i: c.names[i], key="ex_map_y")
    steps = int(cols[2].select_slider("Cells per side", [3, 5, 7], key="ex_map_steps"))
    span = float(cols[3].slider("Reach", 0.5, 6.0, step=0.5, key="ex_map_span"))
    st.button("🗺️ Draw the map around the current image", on_click=_set_map, args=(c.z,), type="primary")
    centre = ss.get("ex_map")
    if centre is None or centre.size != c.sampler.latent_dim:
        st.caption(
            "The map is drawn around the current image when you click the button, and stays put while "
            "you move the sliders. Click “Use” under a cell to make it the current image."
        )
        return
    if x == y:
        st.warning("Choose two different directions for the two sides of the map.")
        return
    cells = grid_2d(centre, c.vectors[x], c.vectors[y], steps, span)
    st.caption(f"Left to right: {c.names[x]} from −{span:g} to +{span:g}; top to bottom: {c.names[y]}.")
    pictures = widgets.images(c.run_dir, c.epoch, cells) if c.sampler.is_image_model else None
    numbers = None if pictures is not None else widgets.values(c.run_dir, c.epoch, cells)
    for row in range(steps):
        cols = st.columns(steps)
        for col_index, col in enumerate(cols):
            i = row * steps + col_index
            label = f"map cell {row + 1}, {col_index + 1}"
            if pictures is not None:
                col.image(widgets.display_png(pictures[i : i + 1], target=192), output_format="PNG", width="stretch")
                text = "Use"
            else:
                text = f"{numbers[i]:.2f}"
            col.button(
                text, key=f"ex_use_map_{i}", on_click=widgets.adopt, args=(cells[i], label), width="stretch", help=label
            )


# ---- save and export --------------------------------------------------------------------
def _load(run_id: str, run_dir: Path, epoch: int, dim: int) -> None:
    upload = ss.get("ex_upload")
    if upload is None:
        return
    msgs = ss.setdefault("ex_msgs", [])
    try:
        found = load_exploration(upload.getvalue(), expected_run_id=run_id, expected_latent_dim=dim)
        if not found.latents:
            raise ExplorationError("it holds no latent to show.")
    except ExplorationError as exc:
        msgs.append(("error", f"{upload.name} cannot be loaded: {exc}"))
        return
    for key in [k for k in ss if str(k).startswith("ex_name_")]:
        del ss[key]
    ss["ex_saved_dirs"] = [(nv.name, nv.vector) for nv in found.directions] or None
    if found.directions:
        ss["ex_k"] = len(found.directions)
    widgets.set_base(found.latents[0].vector, f"loaded from {upload.name}")
    if found.class_name:
        if found.class_name in (ss.get("ex_class_names") or ()):
            ss["ex_class"] = found.class_name
        else:
            msgs.append(
                (
                    "warning",
                    f"{upload.name} was drawn as class {found.class_name!r}, which this run does "
                    "not have; the current class is kept.",
                )
            )
    ss["ex_z"] = found.latents[0].vector
    if found.epoch != epoch:
        if found.epoch in generator_epochs(run_dir):
            ss["ex_epoch"], ss["ex_live"], ss["ex_ctx_epoch"] = found.epoch, False, found.epoch
        else:
            msgs.append(
                (
                    "warning",
                    f"{upload.name} was saved at epoch {found.epoch}, which is no longer saved; "
                    f"its latents are shown at epoch {epoch}, so the images can differ.",
                )
            )
    msgs.append(
        ("success", f"Loaded {upload.name}: {len(found.latents)} latent(s), {len(found.directions)} direction(s).")
    )


def _discovered() -> None:
    ss.pop("ex_saved_dirs", None)
    for key in [k for k in ss if str(k).startswith("ex_name_")]:
        del ss[key]
    widgets.zero_directions()


def save_export(c: Context) -> None:
    """Downloads (PNG, walk GIF, latents JSON) and saving or loading an exploration."""
    smp, shown, z = c.sampler, np.array(c.shown), np.array(c.z)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Export what you see**")
        if smp.is_image_model:
            ss.setdefault("ex_upscale", 4)
            factor = int(
                st.select_slider("PNG enlargement", [1, 2, 4, 8, 16], key="ex_upscale", format_func=lambda f: f"{f}×")
            )
            # bytes made now (cached), not on click: see widgets.export_png
            st.download_button(
                "🖼️ Download PNG",
                widgets.export_png(c.run_dir, c.epoch, shown, factor),
                file_name=f"{c.run_id}-e{c.epoch}.png",
                mime="image/png",
                key="ex_dl_png",
                on_click="ignore",
            )
            walk_seed = int(ss.get("ex_seed", 0))
            st.download_button(
                "🚶 Download a random walk (GIF)",
                widgets.walk_gif_cached(c.run_dir, c.epoch, z, walk_seed, min(factor, 4)),
                file_name=f"{c.run_id}-e{c.epoch}-walk.gif",
                mime="image/gif",
                key="ex_dl_walk",
                on_click="ignore",
            )
        st.download_button(
            "🔢 Download latents (JSON)",
            latents_to_json(shown),
            file_name=f"{c.run_id}-e{c.epoch}-latents.json",
            mime="application/json",
            key="ex_dl_latents",
            on_click="ignore",
        )
    with right:
        st.markdown("**Save or load an exploration**")
        exploration = Exploration(
            c.run_id,
            c.epoch,
            smp.latent_dim,
            latents=[("current", z), ("base", np.array(ss["ex_base"]))],
            directions=list(zip(c.names, c.vectors)),
            class_name=str(ss.get("ex_class", "")) if smp.class_names else "",
        )
        st.download_button(
            "💾 Save exploration",
            save_exploration(exploration),
            file_name=f"{c.run_id}-e{c.epoch}-exploration.json",
            mime="application/json",
            key="ex_dl_exploration",
            on_click="ignore",
        )
        st.file_uploader(
            "Load an exploration",
            type=["json"],
            key="ex_upload",
            on_change=_load,
            args=(c.run_id, c.run_dir, c.epoch, smp.latent_dim),
        )
        if ss.get("ex_saved_dirs"):
            st.caption("The sliders use the directions of the loaded file.")
            st.button("Use discovered directions again", on_click=_discovered)
