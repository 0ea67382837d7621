"""DCGAN Studio: the router. Page config, navigation over ``pages/`` and the sidebar."""

import streamlit as st

from ui.runtime import routed
from ui.sidebar import render_sidebar

st.set_page_config(page_title="DCGAN Studio", page_icon="🎨", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/photo_library:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
    st.Page("pages/explore.py", title="Explore", icon=":material/explore:"),
]

page = st.navigation(PAGES)
render_sidebar()
with routed():
    page.run()
