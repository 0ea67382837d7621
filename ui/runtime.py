"""How the app routes its first page load under Streamlit 1.67.

**First page load.** Because the pages live in a folder called ``pages/``, a fresh server
starts in Streamlit's old folder-based navigation mode, and only a call of
``st.navigation`` switches it off. When the first request asks for a page by URL (a
bookmark of ``/train``, a browser restoring its tabs after a restart), Streamlit runs that
page file on its own, without ``app.py``, and stays in the old mode for good: no router,
no sidebar, every file of ``pages/`` in the menu. ``app.py`` marks its runs with
:func:`routed`; pages call :func:`require_router` first, which switches the old mode off
and reruns through the router when the mark is missing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["routed", "require_router"]

_ROUTER_MARK = "_dcgan_router_run"


@contextlib.contextmanager
def routed() -> Iterator[None]:
    """Mark the current script run as going through ``app.py`` (wrap ``page.run()``)."""
    st.session_state[_ROUTER_MARK] = True
    try:
        yield
    finally:
        st.session_state.pop(_ROUTER_MARK, None)


def require_router() -> None:
    """Rerun through ``app.py`` when a page was run on its own (first load of a fresh server)."""
    if not st.session_state.get(_ROUTER_MARK):
        PagesManager.uses_pages_directory = False  # what st.navigation in app.py would do
        st.rerun()
