"""The UI layer keeps to its side: no TensorFlow, only dcgan_core's public API, pages listed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import dcgan_core

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.module or "", [alias.name for alias in node.names]))
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_file_imports_no_tensorflow_and_only_the_public_api(path):
    for module, names in _imports(path):
        root = module.split(".")[0]
        assert root not in ("tensorflow", "keras"), f"{path.name} imports {module}"
        if root == "dcgan_core":
            assert module == "dcgan_core", f"{path.name} reaches into {module}"
            missing = [n for n in names if n not in dcgan_core.__all__]
            assert not missing, f"{path.name} uses names outside dcgan_core.__all__: {missing}"


def test_router_lists_every_page_file():
    router = (ROOT / "app.py").read_text()
    for page in ("home", "data", "train", "runs", "explore"):
        assert f'"pages/{page}.py"' in router
        assert (ROOT / "pages" / f"{page}.py").is_file()


def test_dcgan_core_ui_helpers_import_no_streamlit():
    for name in ("metrics/coach.py", "metrics/smoothing.py"):
        modules = [m for m, _ in _imports(ROOT / "dcgan_core" / name)]
        assert not any(m.split(".")[0] in ("streamlit", "tensorflow", "keras", "numpy") for m in modules)
