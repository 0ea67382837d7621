"""The public API stays complete, and the layers keep their direction."""

import ast
import re
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


def _documented_names() -> set[str]:
    """The names the README's "Python API" section lists."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Python API") :]
    section = section[: section.index("```")]
    return set(re.findall(r"`(\w+)`", section)) - {"dcgan_core"}


def test_the_public_api_is_the_documented_list_and_small():
    assert set(dcgan_core.__all__) == _documented_names()
    assert len(dcgan_core.__all__) <= 90


def test_every_public_name_comes_from_the_module_that_lists_it():
    for name, module_name in dcgan_core._EXPORTS.items():
        module = importlib.import_module(f"dcgan_core.{module_name}")
        assert name in module.__all__, (name, module_name)
        assert getattr(dcgan_core, name) is getattr(module, name)


def test_every_module_says_what_it_offers():
    for info in pkgutil.walk_packages(dcgan_core.__path__, "dcgan_core."):
        parts = info.name.split(".")[1:]
        if info.ispkg or parts[0] == "cli" or any(part.startswith("_") for part in parts):
            continue
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), f"{info.name} has no __all__"
        assert all(hasattr(module, name) for name in module.__all__), info.name


def _core_modules() -> list[Path]:
    return sorted((ROOT / "dcgan_core").rglob("*.py"))


def test_only_the_engine_subpackage_imports_tensorflow_or_keras():
    engine = ROOT / "dcgan_core" / "engine"
    importers = {
        path.relative_to(ROOT).as_posix() for path in _core_modules() if _imports(path) & {"tensorflow", "keras"}
    }
    outside = {name for name in importers if not name.startswith("dcgan_core/engine/")}
    assert not outside, f"TensorFlow or Keras imported outside dcgan_core/engine/: {sorted(outside)}"
    assert {"dcgan_core/engine/gan.py", "dcgan_core/engine/models.py"} <= importers  # the check sees real imports
    assert engine.is_dir()


def test_every_module_lives_in_a_subpackage_but_the_shared_few():
    top = {path.name for path in (ROOT / "dcgan_core").glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "errors.py", "paths.py", "atomic.py", "_safe_json.py", "images.py"}


def test_core_never_imports_streamlit_and_pages_never_import_tensorflow():
    for path in _core_modules():
        assert "streamlit" not in _imports(path), path.name
    ui_files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    for path in ui_files:
        used = _imports(path)
        assert not used & {"tensorflow", "keras"}, path.name
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dcgan_core."):
                raise AssertionError(f"{path.name} reaches into private module {node.module}")


def test_every_module_has_a_docstring():
    for path in _core_modules():
        assert ast.get_docstring(ast.parse(path.read_text())), path.relative_to(ROOT)
