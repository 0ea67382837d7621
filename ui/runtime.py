"""Stop Streamlit from wiping Keras' global state while a run trains in the background.

After every script run (each page view, each click, each refresh of a live fragment)
Streamlit 1.67 calls ``keras.backend.clear_session()`` when Keras is loaded. That call
replaces Keras' global trackers for every thread, resets TensorFlow's default graph and
clears its kernel cache. A training thread that is building its networks at that moment
gets duplicate layer names ("The name 'batch_normalization' is used 2 times") and fails;
one that is training loses its settings (dtype policy, scopes) under its feet. This app
keeps long-lived models on purpose (the job thread, cached generators), so it keeps
Streamlit's clean-up of matplotlib and skips the Keras part.
"""

from __future__ import annotations

import sys
from typing import Any

from streamlit.runtime.scriptrunner import script_runner as _script_runner

__all__ = ["keep_keras_state", "keeps_keras_state"]


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
