"""Rebuild ``data/samples/emoji_faces.npy``: the bundled small colour set (face emoji, 64x64).

Usage::

    npm pack emoji-datasource-twitter@16.0.0      # or download the tarball by hand
    tar xzf emoji-datasource-twitter-16.0.0.tgz   # gives ./package/
    python scripts/make_bundled_emoji.py package

The selection is fixed and read from the package's ``emoji.json``: every emoji with a
Twitter (Twemoji) image whose category is "Smileys & Emotion" and whose subcategory
contains "face", plus every "Animals & Nature" emoji whose name ends in " FACE"
(dog face, panda face...). They are sorted by the package's ``sort_order``, composited on
a white background, resized to 64x64 RGB (Lanczos, when the source is not already 64
pixels) and saved as one uint8 array (N, 64, 64, 3), then shuffled with a fixed seed.
The graphics are Twemoji, CC-BY 4.0 (see data/README.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 64
BACKGROUND = (255, 255, 255)
SHUFFLE_SEED = 20261204


def select(emoji: list[dict]) -> list[dict]:
    """The fixed selection described in the module docstring, in ``sort_order``."""
    chosen = [
        e
        for e in emoji
        if e.get("has_img_twitter")
        and (
            (e.get("category") == "Smileys & Emotion" and "face" in e.get("subcategory", ""))
            or (e.get("category") == "Animals & Nature" and str(e.get("name", "")).endswith(" FACE"))
        )
    ]
    return sorted(chosen, key=lambda e: e["sort_order"])


def convert(path: Path) -> np.ndarray:
    """One emoji PNG as a (64, 64, 3) uint8 image on the white background."""
    with Image.open(path) as image:
        rgba = image.convert("RGBA")
    if rgba.size != (SIZE, SIZE):
        rgba = rgba.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
    canvas.alpha_composite(rgba)
    return np.asarray(canvas.convert("RGB"), dtype=np.uint8)


def convert_all(root: Path, chosen: list[dict], seed: int) -> np.ndarray:
    """The chosen emoji of the package at ``root`` as one (N, 64, 64, 3) uint8 array, shuffled with ``seed``."""
    images = np.stack([convert(root / "img" / "twitter" / "64" / e["image"]) for e in chosen])
    return images[np.random.default_rng(seed).permutation(len(images))]


def main(package_dir: str) -> None:
    """Convert the selection from an unpacked ``emoji-datasource-twitter`` package."""
    root = Path(package_dir)
    emoji = json.loads((root / "emoji.json").read_text())
    chosen = select(emoji)
    images = convert_all(root, chosen, SHUFFLE_SEED)
    out = Path(__file__).resolve().parents[1] / "data" / "samples" / "emoji_faces.npy"
    np.save(out, images)
    print(f"wrote {len(images)} face emoji {images.shape[1:]} to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
