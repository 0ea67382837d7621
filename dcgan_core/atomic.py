"""Atomic writes: readers see the old file or the new one, never half of either.

Every file the app writes in place (run folders, the dataset cache's manifests, saved
explorations) goes through these two functions: the bytes go to a temporary file in the same
folder, which then replaces the target in one ``os.replace``. Standard library only.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any
from collections.abc import Mapping

__all__ = ["atomic_write_bytes", "atomic_write_json"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, make_folder: bool = True) -> None:
    """Write ``data`` to ``path``; its folder is created when missing, unless ``make_folder`` is False.

    Raises:
        OSError: when the folder is missing (and not to be made), cannot be made or written
            (the temporary file is removed).
    """
    path = Path(path)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON's null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def atomic_write_json(path: str | os.PathLike[str], payload: Mapping[str, Any], compact: bool = False) -> None:
    """Write ``payload`` as JSON: indented with NaN as null, or ``compact`` (ASCII, no spaces;
    for big documents such as a dataset manifest, which holds no NaN).
    """
    if compact:
        text = json.dumps(dict(payload), ensure_ascii=True, separators=(",", ":"))
    else:
        text = json.dumps(_finite(dict(payload)), indent=2)
    atomic_write_bytes(path, text.encode())
