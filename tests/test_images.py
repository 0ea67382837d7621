"""Tests of grids, value-range conversion and PNG/GIF encoding (numpy and Pillow only)."""

import io

import numpy as np
import pytest
from PIL import Image

from dcgan_core import decode_png, encode_png, make_grid, upscale
from dcgan_core.images import encode_gif, from_uint8, to_uint8


def test_value_ranges_round_trip():
    pixels = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1)
    for value_range in ("signed", "unit"):
        floats = from_uint8(pixels, value_range)
        assert floats.dtype == np.float32
        assert np.array_equal(to_uint8(floats, value_range), pixels)
    assert from_uint8(pixels, "signed").min() == -1.0
    assert to_uint8(np.array([-3.0, 3.0]), "signed").tolist() == [0, 255]
    with pytest.raises(ValueError):
        to_uint8(pixels, "bogus")


def test_grid_places_each_tile():
    batch = np.stack([np.full((4, 5, 3), i * 40, np.uint8) for i in range(5)])
    grid = make_grid(batch, cols=3, pad=1)
    assert grid.shape == (2 * 5 + 1, 3 * 6 + 1, 3)
    assert grid[1, 1, 0] == 0 and grid[1 + 5, 1 + 6 * 1, 0] == 4 * 40
    assert grid[-2, -2, 0] == 0  # sixth cell is empty padding


def test_png_and_gif_are_valid():
    image = (np.random.default_rng(0).random((8, 8, 3)) * 255).astype(np.uint8)
    assert np.array_equal(decode_png(encode_png(image)), image)
    grey = image[:, :, :1]
    assert decode_png(encode_png(grey)).shape == (8, 8, 1)
    gif = encode_gif([image, 255 - image, image], duration_ms=50)
    with Image.open(io.BytesIO(gif)) as img:
        assert img.format == "GIF" and img.n_frames == 3
    assert upscale(image, 3).shape == (24, 24, 3)
