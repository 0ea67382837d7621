"""The app's folders, and the one guard that keeps every write inside them.

Folders default to the project's own ``runs/`` and ``data/cache/``; the environment
variables ``DCGAN_RUNS_DIR`` and ``DCGAN_CACHE_DIR`` move them (tests use this).
"""

from __future__ import annotations

import os
from pathlib import Path

from dcgan_core.errors import DcganError

__all__ = [
    "project_root",
    "default_runs_dir",
    "default_cache_dir",
    "bundled_dataset_path",
    "bundled_emoji_path",
    "safe_child",
    "child_env",
]


def project_root() -> Path:
    """The folder holding ``app.py`` and ``dcgan_core/``."""
    return Path(__file__).resolve().parents[1]


def default_runs_dir() -> Path:
    """Where training runs live (``$DCGAN_RUNS_DIR`` or ``<project>/runs``)."""
    return Path(os.environ.get("DCGAN_RUNS_DIR") or project_root() / "runs")


def default_cache_dir() -> Path:
    """Where converted datasets live (``$DCGAN_CACHE_DIR`` or ``<project>/data/cache``)."""
    return Path(os.environ.get("DCGAN_CACHE_DIR") or project_root() / "data" / "cache")


def bundled_dataset_path() -> Path:
    """The bundled sample: 5,000 MNIST digits as uint8 (5000, 28, 28, 1)."""
    return project_root() / "data" / "samples" / "mnist_5k.npy"


def bundled_emoji_path() -> Path:
    """The bundled small colour set: 150 face emoji as uint8 (150, 64, 64, 3)."""
    return project_root() / "data" / "samples" / "emoji_faces.npy"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a worker or helper process: this one's, with the project importable
    (``python -m dcgan_core`` from any working folder) and TensorFlow's start-up logs quiet."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project_root()), env.get("PYTHONPATH", "")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update(extra)
    return env


def safe_child(parent: Path, name: str) -> Path:
    """``parent / name`` after checking that ``name`` is one plain path component.

    Args:
        parent: A folder the app owns.
        name: A single file or folder name (an id, never a user path).

    Raises:
        DcganError: when ``name`` is empty, has a separator, is ``.``/``..`` or would
            resolve outside ``parent``.
    """
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise DcganError(f"{name!r} is not a valid name here.")
    child = (parent / name).resolve()
    if child.parent != parent.resolve():
        raise DcganError(f"{name!r} points outside {parent}.")
    return child
