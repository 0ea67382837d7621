"""Build image sets the defaults were not tuned on, to check the small-data goals on other data.

Usage::

    npm pack emoji-datasource-twitter@16.0.0 && tar xzf emoji-datasource-twitter-16.0.0.tgz
    python scripts/make_check_sets.py package /tmp/check-sets
    python bench/small_data.py --sets none --data /tmp/check-sets/food_emoji_64.npy \\
        --data /tmp/check-sets/food_emoji_grey_64.npy --data /tmp/check-sets/flags_32.npy

From the same package as the bundled face emoji (Twemoji, CC-BY 4.0), none of them faces:

* ``food_emoji_64.npy``: every "Food & Drink" emoji, colour, 64x64 (objects of every shape
  and colour; 131 images in version 16.0.0);
* ``food_emoji_grey_64.npy``: the same in grey (luminance), 64x64x1: a grey set that is
  not line art, beside the digits;
* ``flags_32.npy``: every flag, colour, 32x32 (hard edges, large flat areas; 270 images).

Each is converted as the bundled set is (:func:`make_bundled_emoji.convert`: on white,
Lanczos) and shuffled with a fixed seed. Nothing here ships with the app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_bundled_emoji import convert  # noqa: E402

SHUFFLE_SEED = 1
LUMINANCE = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _category(emoji: list[dict], name: str) -> list[dict]:
    """Every emoji of a category that has a Twitter image, in the package's ``sort_order``."""
    return sorted(
        (e for e in emoji if e.get("has_img_twitter") and e.get("category") == name), key=lambda e: e["sort_order"]
    )


def _images(root: Path, chosen: list[dict], size: int) -> np.ndarray:
    """The chosen emoji as (N, size, size, 3) uint8, shuffled with :data:`SHUFFLE_SEED`."""
    images = []
    for entry in chosen:
        image = convert(root / "img" / "twitter" / "64" / entry["image"])
        if image.shape[0] != size:
            image = np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS))
        images.append(image)
    stacked = np.stack(images)
    return stacked[np.random.default_rng(SHUFFLE_SEED).permutation(len(stacked))]


def grey(images: np.ndarray) -> np.ndarray:
    """RGB uint8 images as (N, H, W, 1) luminance."""
    luminance = images.astype(np.float32) @ LUMINANCE
    return np.clip(np.round(luminance), 0, 255).astype(np.uint8)[..., None]


def main(package_dir: str, out_dir: str) -> None:
    """Write the three check sets from an unpacked ``emoji-datasource-twitter`` package."""
    root, out = Path(package_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    emoji = json.loads((root / "emoji.json").read_text())
    food = _images(root, _category(emoji, "Food & Drink"), 64)
    sets = {
        "food_emoji_64": food,
        "food_emoji_grey_64": grey(food),
        "flags_32": _images(root, _category(emoji, "Flags"), 32),
    }
    for name, images in sets.items():
        np.save(out / f"{name}.npy", images)
        print(f"wrote {images.shape} to {out / name}.npy")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
