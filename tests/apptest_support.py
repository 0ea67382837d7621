"""Shared pieces of the page tests: isolated app folders, AppTest handles, waiting, texts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from dcgan_core import bundled_dataset_path, encode_png

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 120  # seconds per script run: the first page run imports TensorFlow
_TEXT_KINDS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "info",
    "warning",
    "error",
    "success",
    "text",
    "toast",
)


def _router_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest run ``app.py`` (the router) on every run, as the server does.

    A server sets ``PagesManager.uses_pages_directory`` to False for good once
    ``st.navigation`` has run. AppTest resets it before every run, and because our pages
    live in a folder called ``pages/`` it then runs a page file on its own, without the
    router (no sidebar, no page config). Keep the server's steady state instead.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """App folders in ``tmp_path``; fresh Streamlit caches; every run stopped afterwards."""
    _router_mode(monkeypatch)
    monkeypatch.setenv("DCGAN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("DCGAN_CACHE_DIR", str(tmp_path / "cache"))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    stop_all(tmp_path)
    st.cache_resource.clear()
    st.cache_data.clear()


def job_manager(tmp_path: Path) -> Any:
    """The very job manager the pages use (the same ``st.cache_resource`` entry)."""
    from ui.state import _manager_for

    return _manager_for(str(tmp_path / "runs"))


def stop_all(tmp_path: Path, timeout: float = 120.0) -> None:
    """Stop every run of the test's manager and wait until none is active."""
    jobs = job_manager(tmp_path)
    for snap in jobs.jobs():
        if snap.status in ("queued", "running", "paused"):
            try:
                jobs.stop(snap.run_id)
            except Exception:
                pass
    wait_for(
        lambda: jobs.active() is None and not any(j.status in ("queued", "running", "paused") for j in jobs.jobs()),
        timeout,
        "runs to stop",
    )


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def new_app() -> AppTest:
    """A fresh browser session on the app (``app.py``, the router)."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def open_page(path: str, at: AppTest | None = None) -> AppTest:
    """Run the app, switch to ``pages/...`` and run that page; fails on any exception."""
    at = at or new_app()
    at.run()
    at.switch_page(path).run()
    assert_ok(at)
    return at


def assert_ok(at: AppTest) -> None:
    """No uncaught exception on the page."""
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    """Every visible text of the page (main and sidebar), one per line; charts are left out (see
    :func:`svg_charts`)."""
    found = []
    for kind in _TEXT_KINDS:
        for element in getattr(at, kind, []):
            value = str(getattr(element, "value", ""))
            if not value.startswith("<svg"):
                found.append(value)
    for metric in at.metric:
        found.append(f"{metric.label}: {metric.value}")
    for image in at.get("image"):
        found += [img.caption for img in image.proto.imgs if img.caption]
    return "\n".join(found)


def svg_charts(at: AppTest) -> list[str]:
    """The SVG charts drawn on the page (the live view's curves), as their markup."""
    return [str(element.value) for element in at.markdown if str(element.value).startswith("<svg")]


def digit_pngs(n: int, start: int = 0) -> list[tuple[str, bytes, str]]:
    """``n`` real bundled digits as PNG uploads (name, bytes, mime)."""
    digits = np.load(bundled_dataset_path(), mmap_mode="r")
    return [(f"digits/d{i:03d}.png", encode_png(np.asarray(digits[i])), "image/png") for i in range(start, start + n)]


def element_types(at: AppTest) -> set[str]:
    """The element types present in the page tree (``plotly_chart``, ``imgs``, ...)."""
    kinds: set[str] = set()

    def walk(node: Any) -> None:
        kinds.add(getattr(node, "type", ""))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return kinds
