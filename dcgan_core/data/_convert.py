"""Pillow images in any mode -> 8-bit grey or RGB, whole or strip by strip, without wide copies.

A helper of :mod:`dcgan_core.data.decode`. :func:`plan` decides from an image's header (after
JPEG ``draft``) how it is converted and estimates the bytes it holds at its peak, which
the decoder reserves from the memory budget; :func:`converted` carries the plan out. High-depth images (16-bit ``I;16``, 32-bit ``I``,
float ``F``) are scaled to 8 bits, transparency is laid over a background colour, and
other modes become RGB. :func:`reduce_in_strips` does the same for a large image one strip
of rows at a time and block-averages each strip (``Image.reduce``) before pasting it into
a small result, so the only full-size buffer is the decoded image itself: no full-size
copy in another mode, and no 64-bit array of the whole picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageOps

__all__: list[str] = []

_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_SMALL_BYTES = 16 * 2**20  # decoded 8-bit images up to this size are converted in one piece
_STRIP_BYTES = 2 * 2**20  # larger ones are converted and reduced in strips of about this size
_STRIP_COPIES = 8  # working copies of one strip (crop, mode conversions, float maths, reduce)
_ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
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


def to_target_mode(
    img: Image.Image, channels: int, background: tuple[int, int, int], depth: Depth | None = None
) -> Image.Image:
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


def reduce_in_strips(
    img: Image.Image,
    region: tuple[int, int, int, int],
    factors: tuple[int, int],
    channels: int,
    background: tuple[int, int, int],
    strip_bytes: int,
) -> Image.Image:
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


@dataclass(frozen=True)
class Plan:
    """How one image is converted, and the bytes it holds at its peak."""

    strips: bool
    region: tuple[int, int, int, int]
    factors: tuple[int, int]
    cost: int


def plan(img: Image.Image, size: int, fit: str) -> Plan:
    """Decide from the header (after ``draft``) between a one-piece and a strip conversion."""
    w, h = img.size
    decoded = w * h * pixel_bytes(img.mode)
    if decoded <= _SMALL_BYTES and not is_high_depth(img.mode):
        # the decoded image, up to five working copies (alpha compositing keeps four alive), the result
        return Plan(False, (0, 0, w, h), (1, 1), decoded * 6 + 2**20)
    if fit == "crop":
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        region = (left, top, left + side, top + side)
        factors = (max(1, side // (2 * size)),) * 2
    elif fit == "pad":
        region, factors = (0, 0, w, h), (max(1, max(w, h) // (2 * size)),) * 2
    else:
        region, factors = (0, 0, w, h), (max(1, w // (2 * size)), max(1, h // (2 * size)))
    reduced = -(-(region[2] - region[0]) // factors[0]) * -(-(region[3] - region[1]) // factors[1]) * 4
    return Plan(True, region, factors, decoded + _STRIP_COPIES * _STRIP_BYTES + 3 * reduced + 2**20)


def _orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block only loses the orientation, never the image
        return 1


def converted(img: Image.Image, plan: Plan, channels: int, background: tuple[int, int, int]) -> Image.Image:
    """The loaded image as 8-bit L or RGB, oriented, at most about twice the target size."""
    orientation = _orientation(img)
    if not plan.strips:
        if orientation in _ORIENTATIONS:
            try:
                ImageOps.exif_transpose(img, in_place=True)
            except Exception:  # as above: the orientation is lost, the image is kept
                pass
        return to_target_mode(img, channels, background)
    small = reduce_in_strips(img, plan.region, plan.factors, channels, background, _STRIP_BYTES)
    if orientation in _ORIENTATIONS:
        small = small.transpose(_ORIENTATIONS[orientation])
    return small


def decoder_overhead(img: Image.Image, width: int, height: int) -> int:
    """Bytes a format's decoder holds beyond the decoded image (measured on 7000x7000 files).

    A progressive JPEG keeps every DCT coefficient of the full-size picture (2 bytes per
    sample, before any ``draft`` scaling): 286 MiB for a 7000x7000 one at 4:4:4. Pillow's
    WebP decoder holds its canvas, a copy of the frame and the frame again as bytes besides
    the image: 753 MiB for a 7000x7000 RGB one, four times the decoded size.
    """
    if img.format in ("JPEG", "MPO") and ("progressive" in img.info or "progression" in img.info):
        layers = getattr(img, "layer", None) or [("", 1, 1, 0)] * 3
        h_max = max(h for _, h, _, _ in layers) or 1
        v_max = max(v for _, _, v, _ in layers) or 1
        blocks_x, blocks_y = -(-width // (8 * h_max)) * h_max, -(-height // (8 * v_max)) * v_max
        return sum(blocks_x * h // h_max * (blocks_y * v // v_max) * 64 * 2 for _, h, v, _ in layers)
    if img.format == "WEBP":
        return 3 * width * height * 4
    return 0
