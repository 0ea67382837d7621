"""The Explore page's save-and-export panel: downloads of what is shown, and explorations saved or loaded.

Downloads carry their bytes (made now and cached, not on click), so the first click
always gets a file; see :meth:`ui.explore_render.Renderer.export_png`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dcgan_core import (
    Exploration,
    ExplorationError,
    generator_epochs,
    latents_to_json,
    load_exploration,
    save_exploration,
)
from ui.explore_panels import Context
from ui.explore_keys import Keys
from ui.explore_state import ExploreState

__all__ = ["save_export"]


def _load(state: ExploreState, c: Context) -> None:
    """Upload callback: a valid exploration file becomes the current image; a bad one is named."""
    upload = state.get(Keys.UPLOAD)
    if upload is None:
        return
    try:
        found = load_exploration(upload.getvalue(), expected_run_id=c.run_id, expected_latent_dim=c.sampler.latent_dim)
        if not found.latents:
            raise ExplorationError("it holds no latent to show.")
    except ExplorationError as exc:
        state.say("error", f"{upload.name} cannot be loaded: {exc}")
        return
    state.apply_exploration(found, upload.name, generator_epochs(c.draw.run_dir), c.epoch)


def save_export(c: Context) -> None:
    """Downloads (PNG, walk GIF, latents JSON) and saving or loading an exploration."""
    smp, shown, z, state = c.sampler, np.array(c.shown), np.array(c.z), c.state
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Export what you see**")
        if smp.is_image_model:
            state.default(Keys.UPSCALE, 4)
            factor = int(
                st.select_slider("PNG enlargement", [1, 2, 4, 8, 16], key=Keys.UPSCALE, format_func=lambda f: f"{f}×")
            )
            st.download_button(
                "🖼️ Download PNG",
                c.draw.export_png(shown, factor),
                file_name=f"{c.run_id}-e{c.epoch}.png",
                mime="image/png",
                key=Keys.download("png"),
                on_click="ignore",
            )
            st.download_button(
                "🚶 Download a random walk (GIF)",
                c.draw.walk_gif(z, state.seed, min(factor, 4)),
                file_name=f"{c.run_id}-e{c.epoch}-walk.gif",
                mime="image/gif",
                key=Keys.download("walk"),
                on_click="ignore",
            )
        st.download_button(
            "🔢 Download latents (JSON)",
            latents_to_json(shown),
            file_name=f"{c.run_id}-e{c.epoch}-latents.json",
            mime="application/json",
            key=Keys.download("latents"),
            on_click="ignore",
        )
    with right:
        st.markdown("**Save or load an exploration**")
        exploration = Exploration(
            c.run_id,
            c.epoch,
            smp.latent_dim,
            latents=[("current", z), ("base", state.base)],
            directions=list(zip(c.names, c.vectors)),
            class_name=state.class_name,
        )
        st.download_button(
            "💾 Save exploration",
            save_exploration(exploration),
            file_name=f"{c.run_id}-e{c.epoch}-exploration.json",
            mime="application/json",
            key=Keys.download("exploration"),
            on_click="ignore",
        )
        st.file_uploader("Load an exploration", type=["json"], key=Keys.UPLOAD, on_change=_load, args=(state, c))
        if state.saved_directions:
            st.caption("The sliders use the directions of the loaded file.")
            st.button("Use discovered directions again", on_click=state.use_discovered_directions)
