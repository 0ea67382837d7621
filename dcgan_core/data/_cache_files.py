"""The cache folder's files during a conversion: created safely, space reserved, cleaned up.

A helper of :mod:`dcgan_core.data.prepare`. Every file-system failure becomes a
:class:`~dcgan_core.errors.DataError` naming the folder and the reason (a file in the way,
a path under a file, no permission, a full disk); the ``.npy`` being written gets its
whole disk space before the first image is written, so a full disk is an error at the
start, not a crash (``SIGBUS``) while writing memory-mapped pages. The manifest beside a
cached ``.npy`` is read here too (:func:`read_manifest`), for the cache listing and the labels.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np

from dcgan_core.errors import DataError
from dcgan_core.paths import default_cache_dir

__all__: list[str] = []

_STALE_SECONDS = 24 * 3600


def cache_folder(cache_dir: str | os.PathLike[str] | None) -> Path:
    """The cache folder, created when missing; DataError with the reason when it cannot be used."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DataError(f"The cache folder {folder} cannot be used: it is a file, not a folder.") from None
    except NotADirectoryError:
        raise DataError(
            f"The cache folder {folder} cannot be created: part of its path is a file, not a folder."
        ) from None
    except (OSError, RuntimeError) as err:
        raise DataError(
            f"The cache folder {folder} cannot be created ({getattr(err, 'strerror', None) or err})."
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"The cache folder {folder} cannot be written to (permission denied).")
    return folder


def disk_error(folder: Path, err: BaseException) -> DataError:
    reason = getattr(err, "strerror", None) or str(err)
    return DataError(f"The dataset could not be written to the cache folder {folder} ({reason}); nothing was saved.")


def reserve_disk(path: Path) -> None:
    """Allocate the whole file now, so a full disk fails here and not as a crash while writing pages."""
    fd = os.open(path, os.O_RDWR)
    try:
        if hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
            except OSError as err:
                if err.errno not in (95, 22):  # EOPNOTSUPP / EINVAL: the file system cannot say; write as before
                    raise
    finally:
        os.close(fd)


def shrink_npy(path: Path, count: int) -> None:
    """Rewrite a v1.0 ``.npy`` header to hold only the first ``count`` rows, and truncate."""
    with open(path, "r+b") as handle:
        version = np.lib.format.read_magic(handle)
        if version != (1, 0):
            raise DataError(f"Unexpected .npy header version {version} in {path}.")
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        offset = handle.tell()
        new_shape = (count, *shape[1:])
        text = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (dtype.str, new_shape)  # noqa: UP031 - numpy's own header format
        room = offset - 10
        handle.seek(0)
        handle.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", room) + (text.ljust(room - 1) + "\n").encode("latin1"))
        handle.truncate(offset + int(np.prod(new_shape)) * dtype.itemsize)


def release_pages(array: np.memmap) -> None:
    """Flush written rows to the file and drop them from this process's memory."""
    array.flush()
    mapping = getattr(array, "_mmap", None)
    if mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
        try:
            mapping.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass


def remove_stale_temps(folder: Path) -> None:
    """Delete temp files that a killed conversion left behind (older than a day)."""
    limit = time.time() - _STALE_SECONDS
    try:
        temps = list(folder.glob(".*.npy.tmp"))
    except OSError:
        return
    for temp in temps:
        try:
            if temp.stat().st_mtime < limit:
                temp.unlink()
        except OSError:
            pass


def read_manifest(npy_path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest beside a cached ``.npy``, or None when it is missing or unreadable."""
    path = Path(npy_path).with_suffix(".json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
