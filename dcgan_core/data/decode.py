"""Image bytes -> one uint8 (H, W, C) array, the way the GAN will see it.

:class:`PrepareOptions` says what the GAN gets (square size, 1 or 3 channels, how to fit
non-square pictures, which filter). :func:`decode_image` opens PNG, JPEG, GIF (first
frame), BMP, WebP and TIFF in any common mode (RGB, RGBA, LA, P with or without
transparency, L, 1, CMYK, 16-bit and float), applies the EXIF orientation, lays
transparency over the chosen background and resizes. Anything it cannot use raises
:class:`ImageRejected` with a reason for a person; the pixel and frame caps are checked
from the header, before any pixel is decoded.

Memory stays bounded whatever the file: JPEGs are decoded already scaled down (``draft``);
other large images are converted and reduced strip by strip, so no full-size copy in
another mode or at 16, 32 or 64 bits per value is ever made; and every decode first
reserves its estimated peak from a :class:`~dcgan_core.data.budget.MemoryBudget` shared by all
decoding threads of the process, so several large images wait for each other.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from typing import IO, Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from dcgan_core.data import _convert
from dcgan_core.data.budget import MemoryBudget, default_budget
from dcgan_core.errors import ConfigError, DataError

__all__ = [
    "FIT_MODES",
    "RESAMPLE_FILTERS",
    "SUPPORTED_FORMATS",
    "PrepareOptions",
    "ImageRejected",
    "ImageInfo",
    "decode_image",
    "preview_image",
]

FIT_MODES = ("crop", "pad", "stretch")
RESAMPLE_FILTERS: dict[str, Image.Resampling] = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
SUPPORTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # phone MPO files open as JPEG
_MAX_SIZE = 1024

# Signatures of common files that are not images we read, to name them in the reason.
_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"8BPS", "a Photoshop file"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x00\x00\x01\x00", "an icon file"),
    (b"P6", "a PPM image"),
    (b"P5", "a PGM image"),
    (b"\x1f\x8b", "a gzip file"),
    (b"RIFF", "a RIFF file (audio or video)"),
    (b"\x1aE\xdf\xa3", "a video file"),
    (b"ID3", "an MP3 file"),
)


class ImageRejected(DataError):
    """One file cannot be used; ``str(err)`` is the reason, without the file's name."""


@dataclass(frozen=True)
class PrepareOptions:
    """What the GAN will see; frozen and validated on creation.

    Attributes:
        size: Side of the square output images in pixels (8 to 1024).
        channels: 1 (grey) or 3 (RGB).
        fit: ``"crop"`` (center crop to a square, then resize), ``"pad"`` (resize to fit,
            fill the rest with ``background``) or ``"stretch"`` (resize, ignore the ratio).
        resample: Resize filter, one of :data:`RESAMPLE_FILTERS`.
        background: RGB colour laid under transparent pixels and used for padding.
        max_pixels: Largest width x height accepted (checked before decoding).
        max_frames: Animated files with more frames than this are skipped.
        min_side: Images with a side shorter than this are skipped as unusable.
        drop_duplicates: Keep one copy of byte-identical files.
    """

    size: int = 64
    channels: int = 3
    fit: str = "crop"
    resample: str = "lanczos"
    background: tuple[int, int, int] = (255, 255, 255)
    max_pixels: int = 50_000_000
    max_frames: int = 500
    min_side: int = 8
    drop_duplicates: bool = True

    def __post_init__(self) -> None:
        def bad(field: str, why: str) -> ConfigError:
            return ConfigError(f"{field}: {why} (got {getattr(self, field)!r}).")

        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 8 <= self.size <= _MAX_SIZE:
            raise bad("size", f"must be a whole number of pixels from 8 to {_MAX_SIZE}")
        if self.channels not in (1, 3) or isinstance(self.channels, bool):
            raise bad("channels", "must be 1 (grey) or 3 (colour)")
        if self.fit not in FIT_MODES:
            raise bad("fit", f"must be one of {', '.join(FIT_MODES)}")
        if self.resample not in RESAMPLE_FILTERS:
            raise bad("resample", f"must be one of {', '.join(RESAMPLE_FILTERS)}")
        bg = tuple(self.background) if isinstance(self.background, (tuple, list)) else ()
        if len(bg) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in bg):
            raise bad("background", "must be three whole numbers from 0 to 255 (red, green, blue)")
        object.__setattr__(self, "background", bg)
        if not isinstance(self.max_pixels, int) or not 64 <= self.max_pixels <= 2**31:
            raise bad("max_pixels", "must be from 64 to 2,147,483,648")
        if not isinstance(self.max_frames, int) or not 1 <= self.max_frames <= 100_000:
            raise bad("max_frames", "must be from 1 to 100,000")
        if not isinstance(self.min_side, int) or not 1 <= self.min_side <= self.size * 4:
            raise bad("min_side", "must be from 1 to four times the size")

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON-ready values."""
        data = asdict(self)
        data["background"] = list(self.background)
        return data


@dataclass(frozen=True)
class ImageInfo:
    """What a file was before conversion (for the health report)."""

    width: int
    height: int
    mode: str
    format: str
    frames: int = 1


def _what_is(data: bytes) -> str:
    if not data:
        return "is an empty file (0 bytes)"
    for magic, label in _SIGNATURES:
        if data.startswith(magic):
            return f"is {label}, not a supported image (PNG, JPEG, GIF, BMP, WebP or TIFF)"
    head = data[:512]
    if b"<svg" in head.lower():
        return "is an SVG drawing; vector images are not supported (export it as PNG)"
    if b"ftypheic" in head or b"ftypheix" in head or b"ftypmif1" in head:
        return "is a HEIC photo, which is not supported (export it as JPEG)"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "is a text file, not an image"
    return "is not an image in a supported format (PNG, JPEG, GIF, BMP, WebP or TIFF)"


def _stream(data: bytes | bytearray | memoryview | IO[bytes]) -> tuple[IO[bytes], bytes]:
    """A seekable binary stream over ``data`` and its first 512 bytes (no copy of bytes)."""
    stream: IO[bytes] = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    try:
        head = stream.read(512)
        stream.seek(0)
    except Exception as err:  # a damaged zip member raises its own kinds (BadZipFile, zlib.error)
        raise ImageRejected(f"could not be read ({err})") from None
    return stream, bytes(head)


def _open(data: bytes | IO[bytes], options: PrepareOptions) -> Image.Image:
    stream, head = _stream(data)
    if not head:
        raise ImageRejected(_what_is(head))
    try:
        img = Image.open(stream, formats=SUPPORTED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageRejected("claims so many pixels that it looks like a decompression bomb; skipped") from None
    except UnidentifiedImageError:
        raise ImageRejected(_what_is(head)) from None
    except Exception as err:  # whatever a damaged file or a damaged zip member raises
        raise ImageRejected(f"is damaged or truncated and cannot be opened ({err})") from None
    width, height = img.size
    if width * height > options.max_pixels:
        img.close()
        raise ImageRejected(
            f"is {width}x{height} ({width * height:,} pixels), more than the limit of {options.max_pixels:,} pixels"
        )
    if min(width, height) < options.min_side:
        img.close()
        raise ImageRejected(
            f"is only {width}x{height} pixels; images under {options.min_side} pixels on a side are skipped"
        )
    return img


def _frames(img: Image.Image, options: PrepareOptions) -> int:
    if not getattr(img, "is_animated", False):
        return 1
    frames = getattr(img, "n_frames", 1)
    if frames > options.max_frames:
        raise ImageRejected(f"is an animation with {frames:,} frames, more than the limit of {options.max_frames:,}")
    img.seek(0)
    return frames


def _fit(img: Image.Image, options: PrepareOptions) -> Image.Image:
    size, (w, h) = options.size, img.size
    resample = RESAMPLE_FILTERS[options.resample]
    if options.fit == "stretch":
        return img.resize((size, size), resample, reducing_gap=2.0)
    if options.fit == "crop":
        side = min(w, h)
        box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
        return img.resize((size, size), resample, box=box, reducing_gap=2.0)
    scale = size / max(w, h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    fill: int | tuple[int, int, int] = (
        options.background
        if img.mode == "RGB"
        else round(0.299 * options.background[0] + 0.587 * options.background[1] + 0.114 * options.background[2])
    )
    canvas = Image.new(img.mode, (size, size), fill)
    canvas.paste(img.resize((new_w, new_h), resample, reducing_gap=2.0), ((size - new_w) // 2, (size - new_h) // 2))
    return canvas


def decode_image(
    data: bytes | IO[bytes], options: PrepareOptions, budget: MemoryBudget | None = None
) -> tuple[np.ndarray, ImageInfo]:
    """Decode one file into the array the GAN will see, within a memory budget.

    Args:
        data: The file's bytes, or a seekable binary stream of them (read as needed).
        options: Target size, channels, fit and filter.
        budget: Shared decoding budget; default :func:`~dcgan_core.data.budget.default_budget`.
            The estimated peak of this decode is reserved from it before any pixel is
            decoded (waiting while other decodes hold it).

    Returns:
        ``(pixels, info)``: uint8 (size, size, channels) and what the original was.

    Raises:
        ImageRejected: with a reason when the file cannot be used.
    """
    budget = budget or default_budget()
    img = _open(data, options)
    try:
        info = ImageInfo(img.size[0], img.size[1], img.mode, img.format or "?", _frames(img, options))
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB" if options.channels == 3 else "L", (options.size, options.size))
        plan = _convert.plan(img, options.size, options.fit)
        cost = plan.cost + _convert.decoder_overhead(img, info.width, info.height)
        if not budget.fits(cost):
            raise ImageRejected(
                f"is {info.width}x{info.height} in mode {info.mode} and would need about {cost / 2**20:,.0f} MiB "
                f"of memory to convert, more than the {budget.total / 2**20:,.0f} MiB that decoding may use; skipped"
            )
        with budget.reserve(cost):
            try:
                img.load()
            except Exception as err:  # as above
                raise ImageRejected(f"is damaged or truncated ({err})") from None
            fitted = _fit(_convert.converted(img, plan, options.channels, options.background), options)
            img.close()
    except ImageRejected:
        raise
    except _convert.ModeError as err:
        raise ImageRejected(str(err)) from None
    except MemoryError:
        raise ImageRejected("could not be converted: the server ran out of memory") from None
    except Exception as err:  # any other failure of a hostile file costs that file, never the caller
        raise ImageRejected(f"could not be converted ({type(err).__name__}: {err})") from None
    finally:
        img.close()
    pixels = np.asarray(fitted, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return pixels, info


def preview_image(source: Any, options: PrepareOptions) -> np.ndarray:
    """One image exactly as the GAN will see it (for a live preview while options change).

    Args:
        source: An :class:`~dcgan_core.data.sources.ImageSource` (or raw bytes).
        options: The options being tried.

    Returns:
        uint8 (size, size, channels).

    Raises:
        DataError: naming the file and the reason when it cannot be used.
    """
    name = getattr(source, "name", "the image")
    if getattr(source, "skip_reason", None):
        raise DataError(f"{name} {source.skip_reason}")
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _preview(name, source, options)
    try:
        stream = source.open()
    except OSError as err:
        raise DataError(f"{name} could not be read ({err.strerror or err})") from None
    with stream:
        return _preview(name, stream, options)


def _preview(name: str, data: bytes | bytearray | memoryview | IO[bytes], options: PrepareOptions) -> np.ndarray:
    try:
        return decode_image(data, options)[0]
    except ImageRejected as err:
        raise DataError(f"{name} {err}") from None
