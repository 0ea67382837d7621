"""Home: what DCGAN Studio does, the three steps, and one click to train on the sample digits."""

from __future__ import annotations

import streamlit as st

from dcgan_core import (
    RECOMMENDED_PRESET,
    DcganError,
    auto_config,
    bundled_dataset_path,
    bundled_emoji_path,
    get_preset,
    list_runs,
    preset_config,
)
from ui.datasets import datasets, show_grid, thumbnail
from ui.fmt import status_label
from ui.names import dataset_title, run_name
from ui.runtime import require_router
from ui.state import manager, runs_dir

require_router()  # see ui/runtime.py: the first load of a fresh server


def _train_on_digits() -> None:
    data = bundled_dataset_path()
    config = preset_config(RECOMMENDED_PRESET, data_path=str(data), image_size=28, channels=1)
    try:
        bundled = [dataset_title(info) for info in datasets() if info.bundled]
        run_id = manager().start(config, name=bundled[0] if bundled else "MNIST digits")
    except DcganError as err:
        st.error(str(err), icon="🚫")
        return
    st.session_state["train_run_id"] = run_id
    st.switch_page("pages/train.py")


def _train_on_emoji() -> None:
    """The small-data journey: the bundled face emoji with settings chosen for a small colour set."""
    infos = [info for info in datasets() if info.path == bundled_emoji_path()]
    if not infos:
        st.error("The bundled face emoji are missing from data/samples.", icon="🚫")
        return
    info = infos[0]
    try:
        choice = auto_config(info.count, int(info.shape[1]), int(info.shape[3]), data_path=str(info.path))
        run_id = manager().start(choice.config, name=info.name)
    except DcganError as err:
        st.error(str(err), icon="🚫")
        return
    st.session_state["train_run_id"] = run_id
    st.switch_page("pages/train.py")


st.title("🎨 DCGAN Studio")
st.markdown("##### Teach a neural network to draw like your pictures, then play with what it learned.")

jobs = manager()
active = jobs.active()
if active is not None:
    with st.container(border=True):
        st.markdown(f"**{status_label(active.status)}** · {run_name(active.run_id)}")
        st.progress(active.progress, text=f"Epoch {active.epoch} of {active.epochs_total}")
        st.page_link("pages/train.py", label="Watch it live", icon=":material/monitoring:")

steps = st.columns(3, gap="medium")
with steps[0].container(border=True, height="stretch"):
    st.markdown("#### 1 · Data")
    st.markdown(
        "Upload a folder, some images or a zip on the **Data** page, or use the "
        "5,000 handwritten digits that come with the app."
    )
    st.page_link("pages/data.py", label="Add your images", icon=":material/photo_library:")
with steps[1].container(border=True, height="stretch"):
    st.markdown("#### 2 · Train")
    st.markdown(
        "Choose a recipe, see what it will cost, press start. Curves and samples update "
        "live; pause, stop and resume at will. Training goes on when you close the tab."
    )
    st.page_link("pages/train.py", label="Set up a run", icon=":material/model_training:")
with steps[2].container(border=True, height="stretch"):
    st.markdown("#### 3 · Explore")
    st.markdown(
        "Move through what the generator learned with sliders: new seeds, blends "
        "between images, directions, and exports."
    )
    st.page_link("pages/explore.py", label="Explore a model", icon=":material/explore:")

st.divider()
left, right = st.columns([2, 3], gap="large")
with left:
    try:
        show_grid(thumbnail(bundled_dataset_path(), n=36), caption="The bundled sample: real MNIST digits", target=300)
    except DcganError as err:
        st.warning(f"The bundled sample could not be read: {err}")
with right:
    preset = get_preset(RECOMMENDED_PRESET)
    st.markdown("### ✨ Try it now")
    st.markdown(
        f"The sample digits are ready. One click trains the **{preset.title}** on them; "
        "on a laptop CPU digit-like shapes appear within a few minutes."
    )
    if st.button("Train on the sample digits", type="primary", icon=":material/play_arrow:", key="home_train_digits"):
        _train_on_digits()
    st.markdown(
        "Or try a **small colour set**: 150 face emoji at 64x64, the size of a folder you may "
        "have yourself. The app picks settings for few images (adaptive augmentation)."
    )
    if st.button("Train on the face emoji", icon=":material/mood:", key="home_train_emoji"):
        _train_on_emoji()
    if active is not None:
        st.caption("A run is already active: the new one will wait in the queue.")

    runs = list_runs(runs_dir())
    if runs:
        st.markdown("#### Recent runs")
        for run in runs[:3]:
            st.markdown(
                f"{status_label('damaged' if run.damaged else run.status)} · {run.display_name or run.run_id} · "
                f"{run.epochs_done}/{run.epochs_total} epochs"
            )
        st.page_link("pages/runs.py", label="All runs", icon=":material/history:")
