"""Hostile inputs made on the spot, small on disk and quick to build, and a memory-measuring child.

- :func:`big_png`: a 7000x7000 16-bit or RGBA PNG of about 100-200 KB (rows repeat, so
  zlib squeezes them), real to every decoder.
- :func:`repeated_zip`: a zip of thousands of identical members (1 MiB of zeros each by
  default), written by hand from one compressed payload, so building it costs nothing.
- :func:`run_measured`: runs a snippet in a fresh Python (numpy, Pillow and
  ``dcgan_core`` importable, TensorFlow never imported) and returns what it printed as
  JSON plus the child's peak resident memory read from the OS (``VmHWM``).

Also used by ``bench/ingest.py`` for its hostile row.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIB = 2**20

__all__ = ["MIB", "big_png", "repeated_zip", "run_measured"]

_PNG_MODES = {"I;16": (0, 1, 2), "L": (0, 1, 1), "RGB": (2, 3, 1), "RGBA": (6, 4, 1)}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def big_png(width: int = 7000, height: int = 7000, mode: str = "I;16", seed: int = 0) -> bytes:
    """A PNG whose every row is one horizontal gradient (``seed`` shifts it, so files differ).

    Args:
        width: Pixels across.
        height: Pixels down.
        mode: ``"I;16"`` (16-bit grey), ``"L"``, ``"RGB"`` or ``"RGBA"`` (alpha 128 everywhere).
        seed: Shifts the gradient so that two files are never byte-identical.
    """
    colour_type, channels, sample_bytes = _PNG_MODES[mode]
    x = [(i * 255) // max(1, width - 1) for i in range(width)]
    if mode == "I;16":
        values = [min(65535, i * 65535 // max(1, width - 1) + seed) for i in range(width)]
        row = b"".join(struct.pack(">H", v) for v in values)
    elif mode == "L":
        row = bytes((v + seed) % 256 for v in x)
    elif mode == "RGB":
        row = b"".join(bytes((v, 255 - v, seed % 256)) for v in x)
    else:
        row = b"".join(bytes((v, 255 - v, seed % 256, 128)) for v in x)
    assert len(row) == width * channels * sample_bytes
    packer = zlib.compressobj(1)
    body = [packer.compress(b"\x00" + row)]
    block = (b"\x02" + bytes(len(row))) * 64  # filter "Up" with no change: the row repeats
    for _ in range((height - 1) // 64):
        body.append(packer.compress(block))
    body.append(packer.compress((b"\x02" + bytes(len(row))) * ((height - 1) % 64)))
    body.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8 * sample_bytes, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(body)) + _chunk(b"IEND", b"")


def repeated_zip(members: int, payload: bytes = bytes(MIB), prefix: str = "z") -> bytes:
    """A deflated zip of ``members`` entries that all hold ``payload`` (names ``z00000.png`` ...)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(payload) + packer.flush()
    crc = zlib.crc32(payload) & 0xFFFFFFFF
    local, central = [], []
    offset = 0
    for i in range(members):
        name = f"{prefix}{i:05d}.png".encode()
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(packed), len(payload), len(name), 0)
        local.append(head + name + packed)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(packed),
                len(payload),
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
        offset += len(head) + len(name) + len(packed)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, members, members, len(directory), offset, 0)
    return b"".join(local) + directory + end


_PRELUDE = """
import json, sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
def peak_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
import numpy, PIL.Image
from dcgan_core import (DataError, PrepareOptions, prepare_dataset, sources_from_folder, sources_from_uploads,
                        sources_from_zip)
from dcgan_core.data.budget import MemoryBudget, default_budget
from dcgan_core.data.decode import decode_image
from dcgan_core.data.sources import SourceLimits
BASE_MIB = peak_mib()
"""

_EPILOGUE = """
RESULT = dict(globals().get("RESULT") or {{}})
RESULT["base_mib"] = BASE_MIB
RESULT["peak_mib"] = peak_mib()
RESULT["tensorflow"] = "tensorflow" in sys.modules
print("RESULT " + json.dumps(RESULT))
"""


def run_measured(snippet: str, env: dict[str, str] | None = None, timeout: float = 120) -> dict[str, Any]:
    """Run ``snippet`` in a fresh Python and return its ``RESULT`` dict plus memory figures.

    The snippet sees the ingestion names of ``dcgan_core`` (public, and from ``dcgan_core.data``: no engine name,
    so TensorFlow stays out), ``numpy`` and ``PIL.Image``, and may set a dict
    ``RESULT``. The returned dict adds ``base_mib`` (peak resident memory after the
    imports), ``peak_mib`` (peak resident memory of the whole process at the end, read
    from ``/proc/self/status``) and ``tensorflow`` (whether it was imported).
    """
    code = _PRELUDE.format(root=str(ROOT), tests=str(ROOT / "tests")) + snippet + _EPILOGUE.format()
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=str(ROOT),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise AssertionError(f"child failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(lines[-1][len("RESULT ") :])
