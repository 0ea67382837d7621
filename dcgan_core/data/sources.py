"""What an image source is: a display name plus a safe, lazy way to read the file's bytes.

Every collector (:mod:`dcgan_core.data.collect` for folders and uploads, :mod:`dcgan_core.data.archives`
for zips) turns what it finds into :class:`ImageSource` values. A display name is only ever
shown to a person; nothing in the engine uses it as a path on disk, so ``../`` or absolute
names in an archive cannot make the app write anywhere. Bytes are read only when a source
is hashed or decoded: a local file is opened only if it is a regular file (a pipe or a
device never blocks the reader), a zip member is streamed from its archive. The caps of
:class:`SourceLimits` hold for one whole request (one upload, one folder, one CLI call).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from collections.abc import Callable, Iterable

from dcgan_core.errors import DataError

__all__ = ["ImageSource", "SourceLimits"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a member, or the end record of an empty zip
_CLUTTER = {"thumbs.db", "desktop.ini", "icon\r"}
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    MemoryError,
)
_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


@dataclass(frozen=True)
class SourceLimits:
    """Caps that keep one request (an upload, a folder) from exhausting the server.

    Attributes:
        max_file_bytes: Largest single file accepted (bytes); larger ones are skipped.
        max_archive_bytes: Largest total uncompressed size of one zip; larger is refused.
        max_request_bytes: Largest total uncompressed size of all the zips of one request;
            the archive that would pass it is refused, with every one after it.
        max_ratio: Largest compression ratio (uncompressed / compressed) of one zip member,
            and of a whole zip, once either is bigger than ``ratio_floor_bytes``.
        ratio_floor_bytes: Members and archives smaller than this are never judged by their ratio.
        max_members: Most files one request may hold (folder files and zip members together).
        max_directory_bytes: Largest table of contents (central directory) of one zip,
            checked before it is read.
    """

    max_file_bytes: int = 64 * 2**20
    max_archive_bytes: int = 2 * 2**30
    max_request_bytes: int = 2 * 2**30
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 2**20
    max_members: int = 50_000
    max_directory_bytes: int = 16 * 2**20


class _Tally:
    """What one request has taken so far: files listed and uncompressed bytes promised by zips."""

    def __init__(self, limits: SourceLimits) -> None:
        self.limits = limits
        self.files = 0
        self.archive_bytes = 0
        self.archive_packed = 0

    def count(self, n: int, where: str) -> None:
        self.files += n
        if self.files > self.limits.max_members:
            raise DataError(
                f"{where} brings the number of files past the limit of {self.limits.max_members:,} "
                "per upload or folder; split it into smaller sets."
            )


def _open_regular(path: Path) -> IO[bytes]:
    """Open a file for reading only if it is a regular file (never blocks on a pipe or device)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"is {_special_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _special_kind(mode: int) -> str:
    return next((label for test, label in _SPECIAL if test(mode)), "a special file")


@dataclass(frozen=True)
class ImageSource:
    """One candidate image: a display name and a way to read its bytes.

    Attributes:
        name: What the person calls the file (relative path in a folder or archive).
            Shown only; never used as a path.
        data: The file's bytes, when they are already in memory (an upload).
        path: A local file to read the bytes from when needed (set only by
            :func:`sources_from_folder` with ``lazy=True``; never from an upload).
        skip_reason: Why this entry cannot be used, when that was known while collecting it.
        size: The file's size in bytes when known without reading it (a zip member's
            declared size), else None.
        opener: Opens a stream of the bytes (a zip member, read lazily); not compared.
    """

    name: str
    data: bytes = b""
    path: Path | None = None
    skip_reason: str | None = None
    size: int | None = None
    opener: Callable[[], IO[bytes]] | None = field(default=None, compare=False, repr=False)

    def open(self) -> IO[bytes]:
        """A binary stream of the file's bytes (close it after use).

        Raises:
            OSError: when the file cannot be read, or is not a regular file.
        """
        if self.opener is not None:
            try:
                return self.opener()
            except _ZIP_ERRORS as err:
                raise OSError(f"could not be unpacked: {err}") from None
        if self.path is not None and not self.data:
            return _open_regular(self.path)
        return io.BytesIO(self.data)

    def read(self) -> bytes:
        """The file's bytes (read from ``path`` or the archive for lazy sources).

        Raises:
            OSError: when the file cannot be read, or is not a regular file.
        """
        if self.opener is None and (self.path is None or self.data):
            return self.data
        with self.open() as handle:
            try:
                return handle.read()
            except _ZIP_ERRORS as err:
                raise OSError(f"could not be unpacked: {err}") from None


def display_name(raw: str | bytes) -> str:
    """A printable form of a file name, whatever its encoding (undecodable bytes become U+FFFD)."""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _ignored(parts: Iterable[str]) -> bool:
    """Hidden files, macOS archive metadata and desktop clutter are dropped without a word."""
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" or p.lower() in _CLUTTER for p in parts)


def _is_zip(name: str, data: bytes) -> bool:
    return data[:4] in _ZIP_MAGIC or name.lower().endswith(".zip")
