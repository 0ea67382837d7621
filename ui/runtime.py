"""Two fixes to how Streamlit 1.67 runs this app: Keras state, and the first page load.

**Keras state.** 
After every script run (each page view, each click, each refresh of a live fragment)
Streamlit 1.67 calls ``keras.backend.clear_session()`` when Keras is loaded. That call
replaces Keras' global trackers for every thread, resets TensorFlow's default graph and
clears its kernel cache. A training thread that is building its networks at that moment
gets duplicate layer names ("The name 'batch_normalization' is used 2 times") and fails;
one that is training loses its settings (dtype policy, scopes) under its feet. This app
keeps long-lived models on purpose (the job thread, cached generators), so it keeps
Streamlit's clean-up of matplotlib and skips the Keras part.

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
import sys
from typing import Any, Iterator

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner as _script_runner

__all__ = ["keep_keras_state", "keeps_keras_state", "routed", "require_router"]

_ROUTER_MARK = "_dcgan_router_run"


def _clean_problem_modules_without_keras() -> None:
    """Streamlit's per-run clean-up, minus ``keras.backend.clear_session()``."""
    plt: Any = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:  # noqa: BLE001 - the clean-up must never break a page
            pass


def keep_keras_state() -> None:
    """Install the clean-up that leaves Keras alone (idempotent; call from ``app.py``)."""
    _script_runner._clean_problem_modules = _clean_problem_modules_without_keras  # type: ignore[attr-defined]


def keeps_keras_state() -> bool:
    """True once :func:`keep_keras_state` is in effect."""
    return getattr(_script_runner, "_clean_problem_modules", None) is _clean_problem_modules_without_keras


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
