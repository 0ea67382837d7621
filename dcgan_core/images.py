"""Image arrays at the seams: value-range conversion, grids, upscaling, PNG and GIF bytes.

Images cross the public API as uint8 arrays shaped (N, H, W, C) with C in {1, 3};
a grid is one uint8 (H, W, C) array. Only numpy and Pillow here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

__all__ = [
    "to_uint8",
    "from_uint8",
    "make_grid",
    "upscale",
    "encode_png",
    "encode_gif",
    "decode_png",
]


def to_uint8(images: np.ndarray, value_range: str = "signed") -> np.ndarray:
    """Convert model output to uint8 pixels.

    Args:
        images: Float array, values in [-1, 1] (``"signed"``) or [0, 1] (``"unit"``).
        value_range: ``"signed"`` or ``"unit"``.

    Returns:
        uint8 array of the same shape; out-of-range values are clipped.
    """
    x = np.asarray(images, dtype=np.float32)
    if value_range == "signed":
        x = (x + 1.0) * 127.5
    elif value_range == "unit":
        x = x * 255.0
    else:
        raise ValueError(f"value_range must be 'signed' or 'unit', got {value_range!r}")
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def from_uint8(images: np.ndarray, value_range: str = "signed") -> np.ndarray:
    """Convert uint8 pixels to float32 in the model's value range (inverse of :func:`to_uint8`)."""
    x = np.asarray(images, dtype=np.float32)
    if value_range == "signed":
        return x / 127.5 - 1.0
    if value_range == "unit":
        return x / 255.0
    raise ValueError(f"value_range must be 'signed' or 'unit', got {value_range!r}")


def make_grid(images: np.ndarray, cols: int | None = None, pad: int = 2, pad_value: int = 0) -> np.ndarray:
    """Tile a batch of images into one picture.

    Args:
        images: uint8 (N, H, W, C) or (N, H, W).
        cols: Images per row; default: the smallest square that holds N.
        pad: Pixels between tiles and around the border.
        pad_value: Grey level of the padding.

    Returns:
        uint8 (rows*(H+pad)+pad, cols*(W+pad)+pad, C).
    """
    batch = np.asarray(images)
    if batch.ndim == 3:
        batch = batch[..., None]
    if batch.ndim != 4 or batch.shape[0] == 0:
        raise ValueError(f"make_grid needs a non-empty (N, H, W, C) batch, got shape {batch.shape}")
    n, h, w, c = batch.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), pad_value, dtype=np.uint8)
    for index in range(n):
        r, col = divmod(index, cols)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top : top + h, left : left + w] = batch[index]
    return grid


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscale of an (H, W, C) or (H, W) image by an integer factor."""
    if factor < 1:
        raise ValueError(f"upscale factor must be at least 1, got {factor}")
    if factor == 1:
        return np.asarray(image)
    return np.repeat(np.repeat(np.asarray(image), factor, axis=0), factor, axis=1)


def _to_pil(image: np.ndarray) -> Image.Image:
    arr = np.asarray(image, dtype=np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return Image.fromarray(arr)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W), (H, W, 1) or (H, W, 3) uint8 image."""
    buffer = io.BytesIO()
    _to_pil(image).save(buffer, format="PNG")
    return buffer.getvalue()


def decode_png(data: bytes) -> np.ndarray:
    """uint8 (H, W, C) array from PNG (or any Pillow-readable) bytes; grey stays 1 channel."""
    with Image.open(io.BytesIO(data)) as img:
        arr = np.asarray(img.convert("L" if img.mode in ("L", "1", "I", "I;16") else "RGB"))
    return arr[..., None] if arr.ndim == 2 else arr


def encode_gif(frames: Sequence[np.ndarray], duration_ms: int = 200, loop: int = 0) -> bytes:
    """Animated GIF bytes from a sequence of same-sized uint8 images.

    Args:
        frames: At least one (H, W, C) or (H, W) uint8 image.
        duration_ms: Display time of each frame.
        loop: 0 loops forever.
    """
    if len(frames) == 0:
        raise ValueError("encode_gif needs at least one frame")
    pil_frames = [_to_pil(f) for f in frames]
    buffer = io.BytesIO()
    pil_frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=pil_frames[1:],
        duration=max(20, int(duration_ms)),
        loop=loop,
        optimize=False,
    )
    return buffer.getvalue()
