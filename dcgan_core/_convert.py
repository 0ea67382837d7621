"""Pillow images in any mode -> 8-bit grey or RGB, whole or strip by strip, without wide copies.

A helper of :mod:`dcgan_core.decode`. High-depth images (16-bit ``I;16``, 32-bit ``I``,
float ``F``) are scaled to 8 bits, transparency is laid over a background colour, and
other modes become RGB. :func:`reduce_in_strips` does the same for a large image one strip
of rows at a time and block-averages each strip (``Image.reduce``) before pasting it into
a small result, so the only full-size buffer is the decoded image itself: no full-size
copy in another mode, and no 64-bit array of the whole picture.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from PIL import Image

__all__: list[str] = []

_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
Depth = Callable[[Image.Image], Image.Image]


class ModeError(ValueError):
    """An image mode that cannot be turned into grey or RGB (the message is the reason)."""


def pixel_bytes(mode: str) -> int:
    """Bytes per pixel that Pillow holds in memory for an image of ``mode``."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def is_high_depth(mode: str) -> bool:
    """True for 16-bit, 32-bit integer and float modes."""
    return mode in ("I", "F") or mode.startswith("I;16")


def _strips(img: Image.Image, rows: int) -> list[tuple[int, int]]:
    return [(top, min(top + rows, img.size[1])) for top in range(0, img.size[1], rows)]


def _rows_for(width: int, strip_bytes: int, multiple: int = 1) -> int:
    rows = max(1, strip_bytes // max(1, width * 4))
    return max(multiple, rows // multiple * multiple)


def depth_mapping(img: Image.Image, strip_bytes: int) -> Depth | None:
    """A function scaling strips of a high-depth image to 8-bit ``L``, or None for 8-bit modes.

    The scale is the image's, not the strip's: 16-bit values are divided by 257; 32-bit
    integers too when any exceeds 255; floats in [0, 1] are multiplied by 255, floats in
    [0, 255] kept, any other range stretched from its finite minimum to its maximum (NaN
    and infinities count as 0). Found from the whole image, a strip at a time.
    """
    mode = img.mode
    if not is_high_depth(mode):
        return None
    if mode.startswith("I;16") or (mode == "I" and (img.getextrema()[1] or 0) > 255):  # type: ignore[index]
        def divide(strip: Image.Image) -> Image.Image:
            wide = np.asarray(strip).astype(np.int64)
            return Image.fromarray(np.clip((wide * 2 + 257) // 514, 0, 255).astype(np.uint8), "L")
        return divide
    if mode == "I":
        return lambda strip: Image.fromarray(np.clip(np.asarray(strip), 0, 255).astype(np.uint8), "L")
    lo, hi = math.inf, -math.inf
    rows = _rows_for(img.size[0], strip_bytes)
    for top, bottom in _strips(img, rows):
        values = np.asarray(img.crop((0, top, img.size[0], bottom)), dtype=np.float32)
        finite = np.isfinite(values)
        if not finite.all():
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        if finite.any():
            lo, hi = min(lo, float(values[finite].min())), max(hi, float(values[finite].max()))
    if not math.isfinite(lo):
        lo = hi = 0.0
    if lo >= 0.0 and hi <= 1.0:
        gain, offset = 255.0, 0.0
    elif lo >= 0.0 and hi <= 255.0:
        gain, offset = 1.0, 0.0
    else:
        gain, offset = 255.0 / max(hi - lo, 1e-12), lo

    def stretch(strip: Image.Image) -> Image.Image:
        values = np.nan_to_num(np.asarray(strip).astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        return Image.fromarray(np.clip(np.rint((values - offset) * gain), 0, 255).astype(np.uint8), "L")
    return stretch


def to_target_mode(img: Image.Image, channels: int, background: tuple[int, int, int],
                   depth: Depth | None = None) -> Image.Image:
    """``img`` as ``L`` (channels 1) or ``RGB`` (3), transparency over ``background``.

    Args:
        img: Any Pillow image (a whole picture or one strip of it).
        channels: 1 or 3.
        background: RGB colour laid under transparent pixels.
        depth: From :func:`depth_mapping` of the whole image, for high-depth modes.

    Raises:
        ModeError: when the mode cannot be converted.
    """
    mode = img.mode
    if is_high_depth(mode):
        img = (depth or depth_mapping(img, 2**62))(img)  # type: ignore[operator]
        mode = "L"
    has_alpha = mode in _ALPHA_MODES or (mode in ("P", "L", "RGB") and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*background, 255))
        img = Image.alpha_composite(base, rgba).convert("RGB")
    elif mode not in ("RGB", "L"):
        try:
            img = img.convert("RGB")
        except (ValueError, OSError) as err:
            raise ModeError(f"uses the colour mode {mode}, which cannot be converted ({err})") from None
    return img.convert("L" if channels == 1 else "RGB")


def reduce_in_strips(img: Image.Image, region: tuple[int, int, int, int], factors: tuple[int, int],
                     channels: int, background: tuple[int, int, int], strip_bytes: int) -> Image.Image:
    """Convert ``region`` of a loaded image to 8 bits and block-average it by ``factors``, a strip at a time.

    Args:
        img: A loaded image, any mode.
        region: (left, top, right, bottom) in whole pixels.
        factors: (x, y) block sizes of the reduction (1 keeps the size).
        channels: 1 or 3.
        background: RGB colour laid under transparent pixels.
        strip_bytes: About how many bytes of the source one strip spans.

    Returns:
        An ``L`` or ``RGB`` image of ceil(width / x) x ceil(height / y) pixels.
    """
    left, top, right, bottom = region
    fx, fy = factors
    depth = depth_mapping(img, strip_bytes)
    rows = _rows_for(right - left, strip_bytes, fy)
    out = Image.new("L" if channels == 1 else "RGB", (-(-(right - left) // fx), -(-(bottom - top) // fy)))
    for y in range(top, bottom, rows):
        strip = to_target_mode(img.crop((left, y, right, min(y + rows, bottom))), channels, background, depth)
        if fx > 1 or fy > 1:
            strip = strip.reduce((fx, fy))
        out.paste(strip, (0, (y - top) // fy))
    return out
