"""The tool panels of the Explore page: variations, interpolation and the 2-D map (and the 1-D toy's view).

Only the panel the user picked is drawn. Everything a panel draws is cached or made on
request (a button), so moving a main slider does not redraw a whole panel's worth of
images. Each panel reads the page's state and draws through the renderer it is given;
its buttons change the state only through :class:`~ui.explore_state.ExploreState` methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dcgan_core import grid_2d, interpolate, latent_from_seed
from ui.explore_render import Renderer, display_png, gaussian_figure
from ui.explore_keys import Keys
from ui.explore_state import ExploreState

__all__ = ["Context", "variations", "interpolation", "map_2d", "gaussian_view"]


@dataclass(frozen=True)
class Context:
    """What every panel needs: the page's state, the generator in use and the current latent."""

    state: ExploreState
    draw: Renderer
    run_id: str
    sampler: Any
    z: np.ndarray
    shown: np.ndarray
    vectors: np.ndarray
    names: list[str]

    @property
    def epoch(self) -> int:
        """The saved epoch drawn."""
        return self.draw.epoch


def _figure(fig: go.Figure, height: int = 300) -> go.Figure:
    fig.update_layout(
        height=height,
        template="plotly_dark",
        margin=dict(l=10, r=10, t=30, b=10),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def gaussian_view(draw: Renderer, z: np.ndarray, direction: np.ndarray, name: str) -> None:
    """The 1-D toy: the current value on the real N(0, 1) density, and where a direction moves it."""
    current = float(draw.values(z[None, :])[0])
    sweep = np.linspace(-3.0, 3.0, 25, dtype=np.float32)
    sweep_values = draw.values(z[None, :] + sweep[:, None] * direction[None, :])
    st.metric("Generated value", f"{current:.3f}")
    fig = gaussian_figure(draw.value_sample(), current, sweep, sweep_values, name)
    st.plotly_chart(fig, key=Keys.GAUSSIAN)


# ---- variations -------------------------------------------------------------------------
def variations(c: Context) -> None:
    """Small random nudges around the current latent, as a grid; a click adopts one."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    c.state.default(Keys.SPREAD, 0.3)
    spread = left.slider(
        "How different",
        0.05,
        1.5,
        step=0.05,
        key=Keys.SPREAD,
        help="Size of the random nudge, in units of the latent's own spread.",
    )
    right.button(
        "🧬 Make variations",
        on_click=c.state.make_variations,
        args=(c.z, spread, c.sampler.latent_distribution),
        width="stretch",
        type="primary",
    )
    found = c.state.variations(c.sampler.latent_dim)
    if found is None:
        st.caption(
            "Nudge the current image in 8 random ways; the middle cell is where you started. "
            "Click “Use” under one to make it the current image."
        )
        return
    if c.sampler.is_image_model:
        pictures = c.draw.images(found)
    else:
        numbers = c.draw.values(found)
    area = st.columns([3, 2])[0] if c.sampler.is_image_model else st.container()  # cells of a readable size
    for row in range(3):
        cols = area.columns(3)
        for col, i in zip(cols, range(row * 3, row * 3 + 3)):
            label = "current" if i == 4 else f"variation {i + 1 if i < 4 else i}"
            if c.sampler.is_image_model:
                col.image(
                    display_png(pictures[i : i + 1], target=256),
                    caption=label,
                    output_format="PNG",
                    width="stretch",
                )
            else:
                col.metric(label, f"{numbers[i]:.3f}")
            col.button(
                "Use", key=Keys.use_variation(i), on_click=c.state.adopt, args=(found[i], label), width="stretch"
            )


# ---- interpolation ----------------------------------------------------------------------
_PATHS = {"slerp": "Smooth (spherical)", "lerp": "Straight"}


def interpolation(c: Context) -> None:
    """A strip between two seeds (or the current image and a seed), playable and downloadable."""
    dim, dist = c.sampler.latent_dim, c.sampler.latent_distribution
    c.state.default(Keys.SEED_A, c.state.seed)
    c.state.default(Keys.SEED_B, c.state.seed + 1)
    c.state.default(Keys.FRAMES, 8)
    c.state.default(Keys.METHOD, "slerp")
    cols = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    from_current = st.toggle("Start from the current image instead of the first seed", key=Keys.FROM_CURRENT)
    seed_a = cols[0].number_input("From seed", 0, 2**31 - 1, step=1, key=Keys.SEED_A, disabled=from_current)
    seed_b = cols[1].number_input("To seed", 0, 2**31 - 1, step=1, key=Keys.SEED_B)
    frames = cols[2].slider("Frames", 3, 32, key=Keys.FRAMES)
    method = cols[3].radio(
        "Path",
        ["slerp", "lerp"],
        key=Keys.METHOD,
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
                y=c.draw.values(path),
                mode="lines+markers",
                line=dict(color="#7c5cff", width=3),
            )
        )
        fig.update_layout(xaxis_title="frame", yaxis_title="generated value")
        st.plotly_chart(_figure(fig), key=Keys.INTERPOLATION_VALUES)
        return
    strip = c.draw.images(path)
    st.image(
        display_png(strip, target=96 * int(frames), cols=int(frames)),
        width="stretch",
        caption=f"{_PATHS[method]} path in {frames} frames",
        output_format="PNG",
    )
    if c.sampler.class_names:
        _class_blend(c, int(frames))
    factor = max(1, 192 // max(c.sampler.image_shape[:2]))
    gif = c.draw.interpolation_gif(keys, int(frames), method, factor)
    play, get = st.columns([1, 2], vertical_alignment="center")
    play.image(gif, caption="Playing back and forth")
    get.download_button(
        "⬇️ Download the GIF",
        gif,
        file_name=f"{c.run_id}-e{c.epoch}-interpolation.gif",
        mime="image/gif",
        key=Keys.download("interp"),
        on_click="ignore",
    )


def _class_blend(c: Context, frames: int) -> None:
    """The current image drawn as a blend going from one class to another."""
    names = list(c.sampler.class_names)
    st.markdown("**From one class to another**")
    c.state.choose(Keys.BLEND_A, names, names[0])
    c.state.choose(Keys.BLEND_B, names, names[1])
    cols = st.columns(2)
    first = cols[0].selectbox("From class", names, key=Keys.BLEND_A)
    second = cols[1].selectbox("To class", names, key=Keys.BLEND_B)
    strip = c.draw.class_strip(c.z, first, second, frames)
    st.image(
        display_png(strip, target=96 * frames, cols=frames),
        width="stretch",
        output_format="PNG",
        caption=f"The current image, its class blended from {first} to {second} in {frames} frames "
        "(a mix of the two classes' learned embeddings)",
    )


# ---- 2-D map ----------------------------------------------------------------------------
def map_2d(c: Context) -> None:
    """A grid spanned by two directions around a fixed centre; a click adopts a cell."""
    if len(c.vectors) < 2:
        st.info("The map needs two directions: set “Direction sliders” to 2 or more.")
        return
    options = list(range(len(c.vectors)))
    c.state.choose(Keys.MAP_X, options, 0)
    c.state.choose(Keys.MAP_Y, options, 1)
    c.state.default(Keys.MAP_STEPS, 5)
    c.state.default(Keys.MAP_SPAN, 3.0)
    cols = st.columns(4, vertical_alignment="bottom")
    x = cols[0].selectbox("Across", options, format_func=lambda i: c.names[i], key=Keys.MAP_X)
    y = cols[1].selectbox("Down", options, format_func=lambda i: c.names[i], key=Keys.MAP_Y)
    steps = int(cols[2].select_slider("Cells per side", [3, 5, 7], key=Keys.MAP_STEPS))
    span = float(cols[3].slider("Reach", 0.5, 6.0, step=0.5, key=Keys.MAP_SPAN))
    st.button("🗺️ Draw the map around the current image", on_click=c.state.set_map_centre, args=(c.z,), type="primary")
    centre = c.state.map_centre(c.sampler.latent_dim)
    if centre is None:
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
    pictures = c.draw.images(cells) if c.sampler.is_image_model else None
    numbers = None if pictures is not None else c.draw.values(cells)
    for row in range(steps):
        cols = st.columns(steps)
        for col_index, col in enumerate(cols):
            i = row * steps + col_index
            label = f"map cell {row + 1}, {col_index + 1}"
            if pictures is not None:
                col.image(display_png(pictures[i : i + 1], target=192), output_format="PNG", width="stretch")
                text = "Use"
            else:
                text = f"{numbers[i]:.2f}"
            col.button(
                text,
                key=Keys.use_map_cell(i),
                on_click=c.state.adopt,
                args=(cells[i], label),
                width="stretch",
                help=label,
            )
