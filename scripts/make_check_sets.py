"""Build image sets the defaults were not tuned on, to check the small-data goals on other data.

Usage::

    npm pack emoji-datasource-twitter@16.0.0 && tar xzf emoji-datasource-twitter-16.0.0.tgz
    python scripts/make_check_sets.py package /tmp/check-sets
    python bench/small_data.py --sets none --data /tmp/check-sets/food_emoji_64.npy \\
        --data /tmp/check-sets/food_emoji_grey_64.npy --data /tmp/check-sets/flags_32.npy

From the same package as the bundled face emoji (Twemoji, CC-BY 4.0), none of them faces:

* ``food_emoji_64.npy``: every "Food & Drink" emoji, colour, 64x64 (objects of every shape
  and colour; 131 images in version 16.0.0);
* ``food_emoji_grey_64.npy``: the same in grey, 64x64x1, converted as the app converts a
  colour image for a grey dataset (PIL's ``"L"``): a grey set that is not line art, beside
  the digits;
* ``flags_32.npy``: every flag, colour, 32x32 (hard edges, large flat areas; 270 images).

Each is converted as the bundled set is (:func:`make_bundled_emoji.convert_all`: on white,
Lanczos, shuffled with a fixed seed). Nothing here ships with the app.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_bundled_emoji import convert_all  # noqa: E402

SHUFFLE_SEED = 1


def _category(emoji: list[dict], name: str) -> list[dict]:
    """Every emoji of a category that has a Twitter image, in the package's ``sort_order``."""
    return sorted(
        (e for e in emoji if e.get("has_img_twitter") and e.get("category") == name), key=lambda e: e["sort_order"]
    )


def _each(images: np.ndarray, change: Callable[[Image.Image], Image.Image]) -> np.ndarray:
    """``change`` applied to each uint8 image (as a PIL image), as one array (N, H, W, C)."""
    changed = np.stack([np.asarray(change(Image.fromarray(image))) for image in images])
    return changed if changed.ndim == 4 else changed[..., None]


def main(package_dir: str, out_dir: str) -> None:
    """Write the three check sets from an unpacked ``emoji-datasource-twitter`` package."""
    root, out = Path(package_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    emoji = json.loads((root / "emoji.json").read_text())
    food = convert_all(root, _category(emoji, "Food & Drink"), SHUFFLE_SEED)
    flags = convert_all(root, _category(emoji, "Flags"), SHUFFLE_SEED)
    sets = {
        "food_emoji_64": food,
        "food_emoji_grey_64": _each(food, lambda image: image.convert("L")),
        "flags_32": _each(flags, lambda image: image.resize((32, 32), Image.Resampling.LANCZOS)),
    }
    for name, images in sets.items():
        np.save(out / f"{name}.npy", images)
        print(f"wrote {images.shape} to {out / name}.npy")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
