"""Decoding: every format and colour mode, the options, and every kind of bad file."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dcgan_core import ConfigError, DataError, ImageSource, PrepareOptions, preview_image
from dcgan_core.data.decode import ImageRejected, decode_image
from ingest_samples import digits, encode, photo, png_header_only

OPTS = PrepareOptions(size=16, channels=3)


def solid(mode: str, size: tuple[int, int], colour: object) -> Image.Image:
    return Image.new(mode, size, colour)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF"])
def test_every_format_decodes_to_the_target_shape(fmt):
    data = encode(solid("RGB", (40, 30), (200, 30, 60)), fmt)
    pixels, info = decode_image(data, OPTS)
    assert pixels.shape == (16, 16, 3) and pixels.dtype == np.uint8
    assert info.format == fmt and (info.width, info.height) == (40, 30)
    tolerance = 40 if fmt == "GIF" else 12  # GIF quantises to a palette, JPEG/WebP are lossy
    assert np.abs(pixels.astype(int) - [200, 30, 60]).max() <= tolerance


def test_gif_uses_only_its_first_frame():
    frames = [solid("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    pixels, info = decode_image(data, OPTS)
    assert info.frames == 3
    assert pixels[8, 8].tolist() == [255, 0, 0]


def test_gif_with_hundreds_of_frames_is_capped():
    frames = [solid("RGB", (16, 16), (i % 256, (7 * i) % 256, 255 - i % 256)) for i in range(300)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=20)
    pixels, info = decode_image(data, OPTS)
    assert info.frames == 300 and pixels.shape == (16, 16, 3)
    with pytest.raises(ImageRejected, match="300 frames, more than the limit of 100"):
        decode_image(data, PrepareOptions(size=16, max_frames=100))


@pytest.mark.parametrize(
    ("mode", "colour", "expected"),
    [
        ("RGB", (10, 20, 30), [10, 20, 30]),
        ("L", 90, [90, 90, 90]),
        ("1", 1, [255, 255, 255]),
        ("CMYK", (0, 255, 255, 0), [255, 0, 0]),
        ("RGBA", (0, 0, 255, 255), [0, 0, 255]),
        ("LA", (50, 255), [50, 50, 50]),
    ],
)
def test_colour_modes_become_rgb(mode, colour, expected):
    data = encode(solid(mode, (24, 24), colour), "TIFF" if mode == "CMYK" else "PNG")
    pixels, info = decode_image(data, OPTS)
    assert info.mode == mode
    assert np.abs(pixels[8, 8].astype(int) - expected).max() <= 2


def test_transparency_is_laid_over_the_chosen_background():
    rgba = solid("RGBA", (20, 20), (255, 0, 0, 0))  # fully transparent red
    assert decode_image(encode(rgba, "PNG"), OPTS)[0][5, 5].tolist() == [255, 255, 255]
    green = PrepareOptions(size=16, background=(0, 128, 0))
    assert decode_image(encode(rgba, "PNG"), green)[0][5, 5].tolist() == [0, 128, 0]
    half = solid("LA", (20, 20), (0, 128))  # black at half opacity over white -> mid grey
    assert abs(int(decode_image(encode(half, "PNG"), OPTS)[0][5, 5, 0]) - 127) <= 2


def test_palette_images_with_and_without_transparency():
    palette = Image.new("P", (20, 20), 1)
    palette.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    assert decode_image(encode(palette, "PNG"), OPTS)[0][4, 4].tolist() == [10, 200, 30]
    clear = encode(palette, "PNG", transparency=1)
    pixels, info = decode_image(clear, OPTS)
    assert info.mode == "P" and pixels[4, 4].tolist() == [255, 255, 255]
    gif = encode(palette, "GIF", transparency=1)
    assert decode_image(gif, PrepareOptions(size=16, background=(9, 9, 9)))[0][4, 4].tolist() == [9, 9, 9]


def test_sixteen_bit_and_float_images_are_scaled_not_clipped():
    ramp16 = np.tile(np.array([0, 32896, 65535], np.uint16).repeat(8), (24, 1))
    img16 = Image.fromarray(ramp16)  # mode I;16
    pixels, info = decode_image(
        encode(img16, "PNG"), PrepareOptions(size=24, channels=1, fit="stretch", resample="nearest")
    )
    assert info.mode.startswith("I")
    assert pixels[0, 0, 0] == 0 and pixels[0, 12, 0] == 128 and pixels[0, 20, 0] == 255
    ramp = np.tile(np.array([0.0, 0.5, 1.0], np.float32).repeat(8), (24, 1))
    pixels, info = decode_image(
        encode(Image.fromarray(ramp, "F"), "TIFF"),
        PrepareOptions(size=24, channels=1, fit="stretch", resample="nearest"),
    )
    assert info.mode == "F"
    assert pixels[0, 0, 0] == 0 and pixels[0, 12, 0] == 128 and pixels[0, 20, 0] == 255


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (20, 0, 40, 20))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = encode(img, "JPEG", exif=exif.tobytes(), quality=95)
    pixels, info = decode_image(data, PrepareOptions(size=16, fit="stretch"))
    assert (info.width, info.height) == (40, 20)
    top, bottom = pixels[2, 8].astype(int), pixels[13, 8].astype(int)
    assert top[0] > 200 and top[2] < 60  # red now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_invalid_exif_block_keeps_the_image():
    data = encode(solid("RGB", (30, 30), (0, 255, 0)), "JPEG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xffgarbage")
    pixels, _ = decode_image(data, OPTS)
    assert pixels[8, 8, 1] > 220


def test_fit_modes_crop_pad_and_stretch():
    img = Image.new("RGB", (60, 20), (0, 0, 0))
    img.paste((255, 0, 0), (0, 0, 20, 20))  # red left third, black elsewhere
    data = encode(img, "PNG")
    crop = decode_image(data, PrepareOptions(size=10, fit="crop", resample="nearest"))[0]
    assert crop.max() == 0  # the center square is all black
    pad = decode_image(data, PrepareOptions(size=12, fit="pad", resample="nearest"))[0]
    assert (
        pad[0, 6].tolist() == [255, 255, 255] and pad[6, 6].tolist() == [0, 0, 0] and pad[6, 0].tolist() == [255, 0, 0]
    )
    stretch = decode_image(data, PrepareOptions(size=12, fit="stretch", resample="nearest"))[0]
    assert stretch[0, 0].tolist() == [255, 0, 0] and stretch[11, 11].tolist() == [0, 0, 0]


def test_grey_output_and_pad_background_in_grey():
    pixels = decode_image(encode(photo(30, 20), "PNG"), PrepareOptions(size=12, channels=1, fit="pad"))[0]
    assert pixels.shape == (12, 12, 1) and pixels[0, 0, 0] == 255


def test_bundled_digits_survive_a_round_trip_exactly():
    digit = digits(1)[0]
    pixels = decode_image(encode(Image.fromarray(digit[:, :, 0]), "PNG"), PrepareOptions(size=28, channels=1))[0]
    assert np.array_equal(pixels, digit)


@pytest.mark.parametrize("resample", ["nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"])
def test_every_resample_filter(resample):
    pixels = decode_image(encode(photo(50, 50), "PNG"), PrepareOptions(size=20, resample=resample))[0]
    assert pixels.shape == (20, 20, 3) and 0 < pixels.mean() < 255


@pytest.mark.parametrize(
    "changes",
    [
        {"size": 0},
        {"size": 100_000},
        {"size": 64.0},
        {"channels": 2},
        {"fit": "zoom"},
        {"resample": "magic"},
        {"background": (300, 0, 0)},
        {"background": (1, 2)},
        {"max_pixels": 0},
        {"max_frames": 0},
    ],
)
def test_absurd_options_are_refused(changes):
    with pytest.raises(ConfigError) as err:
        PrepareOptions(**changes)
    assert next(iter(changes)) in str(err.value)


def test_truncated_png_and_jpeg_are_rejected():
    png = encode(photo(64, 64), "PNG")
    jpeg = encode(photo(64, 64), "JPEG")
    with pytest.raises(ImageRejected, match="damaged|truncated"):
        decode_image(png[: len(png) // 2], OPTS)
    with pytest.raises(ImageRejected, match="damaged|truncated"):
        decode_image(jpeg[: len(jpeg) // 2], OPTS)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"these are my holiday notes, not a picture\n", "text file"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
    ],
)
def test_non_images_are_rejected_with_what_they_are(data, reason):
    with pytest.raises(ImageRejected, match=reason):
        decode_image(data, OPTS)


def test_unsupported_image_format_is_rejected():
    ppm = encode(photo(20, 20), "PPM")
    with pytest.raises(ImageRejected, match="PPM image, not a supported image"):
        decode_image(ppm, OPTS)
    ico = encode(photo(32, 32), "ICO")
    with pytest.raises(ImageRejected, match="not a supported image"):
        decode_image(ico, OPTS)


def test_decompression_bombs_are_refused_before_decoding():
    with pytest.raises(ImageRejected, match="decompression bomb"):
        decode_image(png_header_only(30_000, 30_000), PrepareOptions(size=16, max_pixels=2**31))
    with pytest.raises(ImageRejected, match="more than the limit of 1,000 pixels"):
        decode_image(encode(photo(40, 40), "PNG"), PrepareOptions(size=16, max_pixels=1000))
    with pytest.raises(ImageRejected, match="more than the limit of 50,000,000 pixels"):
        decode_image(png_header_only(10_000, 6_000), OPTS)


def test_tiny_images_are_skipped():
    with pytest.raises(ImageRejected, match="only 1x1 pixels"):
        decode_image(encode(solid("RGB", (1, 1), (1, 2, 3)), "PNG"), OPTS)


def test_huge_but_valid_image_is_used():
    big = Image.new("RGB", (4000, 3000), (30, 60, 90))
    big.paste((250, 250, 0), (1500, 1000, 2500, 2000))
    pixels, info = decode_image(encode(big, "JPEG", quality=80), PrepareOptions(size=32))
    assert (info.width, info.height) == (4000, 3000)
    assert pixels.shape == (32, 32, 3)
    assert pixels[16, 16, 0] > 220 and pixels[1, 1, 2] > 70


def test_preview_image_names_the_file_when_it_fails():
    good = ImageSource("cat.png", encode(photo(30, 30), "PNG"))
    assert preview_image(good, PrepareOptions(size=24, channels=1)).shape == (24, 24, 1)
    with pytest.raises(DataError, match=r"^notes\.png is a text file"):
        preview_image(ImageSource("notes.png", b"just words here"), OPTS)
    with pytest.raises(DataError, match=r"^a\.zip/link\.png is a symbolic link"):
        preview_image(ImageSource("a.zip/link.png", skip_reason="is a symbolic link inside the archive"), OPTS)
