"""DCGAN Studio: the router. Page config, navigation over ``pages/`` and the sidebar."""

import streamlit as st

st.set_page_config(page_title="DCGAN Studio", page_icon="🎨", layout="wide")
st.title("DCGAN Studio")
st.write("Train a GAN on your own images and explore what it learned.")
