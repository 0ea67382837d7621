"""Real image files for the ingestion tests: Pillow-made pictures and the bundled digits."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from dcgan_core import bundled_dataset_path

__all__ = ["encode", "photo", "digits", "digit_pngs", "png_header_only", "make_zip"]


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """The bytes of ``image`` saved in ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """A smooth, photo-like RGB picture (low-frequency colour field plus a little noise)."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray((rng.random((4, 4, 3)) * 255).astype(np.uint8)).resize((width, height), Image.BICUBIC)
    pixels = np.asarray(coarse).astype(np.int16) + rng.integers(-6, 7, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def digits(n: int) -> np.ndarray:
    """The first ``n`` bundled MNIST digits, uint8 (n, 28, 28, 1)."""
    return np.load(bundled_dataset_path(), mmap_mode="r")[:n].copy()


def digit_pngs(n: int) -> list[tuple[str, bytes]]:
    """The first ``n`` bundled digits as ``(name, PNG bytes)``."""
    return [(f"digits/{i:04d}.png", encode(Image.fromarray(d[:, :, 0], "L"), "PNG")) for i, d in enumerate(digits(n))]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` grey pixels but carries almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def make_zip(path: Path | None, members: list[tuple[str | zipfile.ZipInfo, bytes]], compress: bool = True) -> bytes:
    """Zip bytes holding ``members`` (also written to ``path`` when given)."""
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data
