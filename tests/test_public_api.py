"""The public API stays complete, and the layers keep their direction."""

import ast
import importlib
import pkgutil
from pathlib import Path

import dcgan_core

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_exports_equal_the_union_of_module_all_lists():
    exported = dict(dcgan_core._EXPORTS)
    seen = {}
    for info in pkgutil.iter_modules(dcgan_core.__path__):
        if info.name.startswith("_") or info.name.startswith("cli"):
            continue
        module = importlib.import_module(f"dcgan_core.{info.name}")
        assert hasattr(module, "__all__"), f"{info.name} has no __all__"
        for name in module.__all__:
            seen[name] = info.name
    assert seen == exported


def test_core_never_imports_streamlit_and_pages_never_import_tensorflow():
    for path in (ROOT / "dcgan_core").glob("*.py"):
        assert "streamlit" not in _imports(path), path.name
    ui_files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    for path in ui_files:
        used = _imports(path)
        assert not used & {"tensorflow", "keras"}, path.name
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dcgan_core."):
                raise AssertionError(f"{path.name} reaches into private module {node.module}")


def test_every_module_has_a_docstring():
    for path in (ROOT / "dcgan_core").glob("*.py"):
        assert ast.get_docstring(ast.parse(path.read_text())), path.name
