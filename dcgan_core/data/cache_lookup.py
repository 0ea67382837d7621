"""Which conversion of a set of files is already in the dataset cache.

A conversion's key is a hash of the options and the sorted content hashes of the files
(and, for a labelled folder, each image's class), so the same images sent again in any
order and under any names find their cached ``.npy`` without decoding. Files are hashed
in chunks, never read whole.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections import deque
from pathlib import Path
from typing import Any

from dcgan_core.data._cache_files import read_manifest
from dcgan_core.data.datasets import open_dataset
from dcgan_core.data.decode import PrepareOptions
from dcgan_core.data.folder_labels import labelled_key, labels_from_names, likely_keys
from dcgan_core.data.sources import ImageSource, SourceLimits
from dcgan_core.errors import DataError

__all__ = ["FORMAT_VERSION", "READ_ERRORS", "hash_source", "cache_key", "files_by_hash", "find_cached"]

FORMAT_VERSION = 1  # of the cache's manifests and keys
_HASH_CHUNK = 2**20
_DEFAULT_LIMITS = SourceLimits()
#: What reading a file or a zip member may raise.
READ_ERRORS = (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)


def hash_source(source: ImageSource) -> tuple[str | None, str | None]:
    """(sha256, None) or (None, reason); the file is read in chunks, never whole, and never past its cap."""
    digest = hashlib.sha256()
    limit = max(source.size or 0, _DEFAULT_LIMITS.max_file_bytes)
    seen = 0
    try:
        with source.open() as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
                seen += len(chunk)
                if seen > limit:
                    return None, f"grew past {limit:,} bytes while being read; skipped"
    except READ_ERRORS as err:
        return None, f"could not be read ({getattr(err, 'strerror', None) or err})"
    return digest.hexdigest(), None


def cache_key(options: PrepareOptions, hashes: list[str]) -> str:
    payload = json.dumps({"v": FORMAT_VERSION, "options": options.to_dict(), "files": hashes}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def files_by_hash(sources: list[ImageSource], hashes: list[str | None]) -> dict[str, list[str]]:
    """The names of the files of each content hash."""
    groups: dict[str, list[str]] = {}
    for src, sha in zip(sources, hashes):
        if sha is not None:
            groups.setdefault(sha, []).append(src.name)
    return groups


def find_cached(
    folder: Path, base: str, order: list[tuple[str, int]], sources: list[ImageSource]
) -> tuple[Path, dict[str, Any], list[str]] | None:
    """A cached conversion of these files whose classes are those their names give now, or None.

    Returns the ``.npy``, its manifest and the current names of its images, in its order.
    """
    current: dict[str, deque[str]] = {}
    for sha, i in order:
        current.setdefault(sha, deque()).append(sources[i].name)
    for key in likely_keys(base, [sha for sha, _ in order], [sources[i].name for _, i in order]):
        npy_path = folder / f"{key[:20]}.npy"
        manifest = read_manifest(npy_path)
        if manifest is None or manifest.get("key") != key or manifest.get("base_key", key) != base:
            continue
        try:
            shas = [img["sha256"] for img in manifest["images"]]
            queues = {sha: deque(names) for sha, names in current.items()}
            kept = [queues[sha].popleft() for sha in shas]
            count = open_dataset(npy_path).shape[0]
        except (DataError, KeyError, IndexError, TypeError):
            continue
        if count == manifest.get("count") and labelled_key(base, shas, labels_from_names(kept)) == key:
            return npy_path, manifest, kept
    return None
