"""Where images come from: a folder, uploaded files, or zip archives, read safely.

Every source becomes a list of :class:`ImageSource` values: a display name plus the file's
bytes. A display name is only ever shown to a person; nothing here (or anywhere in the
engine) uses it as a path on disk, so ``../`` or absolute names in an archive cannot make
the app write anywhere. Archives are read in memory with caps on their total uncompressed
size and on each member's compression ratio. Files that cannot be used are kept as sources
with a ``skip_reason``, so the health report can say why; hidden files, ``__MACOSX/``
entries and desktop clutter are ignored silently.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from .errors import DataError

__all__ = [
    "ImageSource",
    "SourceLimits",
    "sources_from_folder",
    "sources_from_zip",
    "sources_from_uploads",
]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a member, or the end record of an empty zip
_CLUTTER = {"thumbs.db", "desktop.ini", "icon\r"}


@dataclass(frozen=True)
class SourceLimits:
    """Caps that keep one upload from exhausting the server.

    Attributes:
        max_file_bytes: Largest single file accepted (bytes); larger ones are skipped.
        max_archive_bytes: Largest total uncompressed size of one zip; larger is refused.
        max_ratio: Largest compression ratio of one zip member (uncompressed / compressed)
            once it is bigger than ``ratio_floor_bytes``; such members are skipped.
        ratio_floor_bytes: Members smaller than this are never judged by their ratio.
        max_members: Most entries one zip may hold.
    """

    max_file_bytes: int = 64 * 2**20
    max_archive_bytes: int = 2 * 2**30
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 2**20
    max_members: int = 200_000


@dataclass(frozen=True)
class ImageSource:
    """One candidate image: a display name and its bytes.

    Attributes:
        name: What the person calls the file (relative path in a folder or archive).
            Shown only; never used as a path.
        data: The file's bytes (empty when ``path`` is set or ``skip_reason`` is).
        path: A local file to read the bytes from when needed (set only by
            :func:`sources_from_folder` with ``lazy=True``; never from an upload).
        skip_reason: Why this entry cannot be used, when that was known while collecting it.
    """

    name: str
    data: bytes = b""
    path: Path | None = None
    skip_reason: str | None = None

    def read(self) -> bytes:
        """The file's bytes (read from ``path`` for lazy folder sources)."""
        if self.path is not None and not self.data:
            with open(self.path, "rb") as handle:
                return handle.read()
        return self.data


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


def _member_problem(info: zipfile.ZipInfo, limits: SourceLimits) -> str | None:
    """Why one zip member must be skipped, or None."""
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link inside the archive; links are never followed"
    pure = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in pure.parts:
        return "has an unsafe path inside the archive (absolute or with '..'); skipped"
    if info.flag_bits & 0x1:
        return "is encrypted; password-protected archives are not supported"
    if info.file_size > limits.max_file_bytes:
        return f"is {info.file_size:,} bytes, more than the {limits.max_file_bytes:,}-byte limit per file"
    if info.file_size > limits.ratio_floor_bytes:
        ratio = info.file_size / max(1, info.compress_size)
        if ratio > limits.max_ratio:
            return f"compresses {ratio:,.0f}:1, which looks like a zip bomb; skipped"
    return None


def sources_from_zip(data: bytes, name: str, limits: SourceLimits | None = None) -> list[ImageSource]:
    """Read the images of a zip archive held in memory.

    Members keep their path inside the archive as display name, prefixed by ``name``.
    Nested zips, links, unsafe names, oversized and bomb-like members become skipped
    sources with a reason; hidden entries and ``__MACOSX/`` are dropped.

    Args:
        data: The archive's bytes.
        name: The archive's display name (for messages).
        limits: Size caps; defaults to :class:`SourceLimits`.

    Returns:
        One source per file member, in archive order.

    Raises:
        DataError: when the bytes are not a zip, or the archive as a whole is too big.
    """
    limits = limits or SourceLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as err:
        raise DataError(f"{name} is not a readable zip archive ({err}).") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            raise DataError(f"{name} holds {len(infos):,} files; the limit is {limits.max_members:,}.")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_archive_bytes:
            raise DataError(
                f"{name} would unpack to {declared:,} bytes, more than the "
                f"{limits.max_archive_bytes:,}-byte limit; split it into smaller archives."
            )
        sources: list[ImageSource] = []
        total_read = 0
        for info in infos:
            member = display_name(info.filename)
            if _ignored(PurePosixPath(member.replace("\\", "/")).parts):
                continue
            shown = f"{name}/{member}"
            problem = _member_problem(info, limits)
            if problem is None:
                try:
                    with archive.open(info) as handle:
                        content = handle.read(limits.max_file_bytes + 1)
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as err:
                    problem = f"could not be unpacked ({err})"
                else:
                    total_read += len(content)
                    if len(content) > limits.max_file_bytes or total_read > limits.max_archive_bytes:
                        problem = "unpacks to more than its stated size; skipped"
                    elif _is_zip(member, content):
                        problem = "is a zip inside a zip; nested archives are not opened (upload it on its own)"
            if problem is not None:
                sources.append(ImageSource(shown, skip_reason=problem))
            else:
                sources.append(ImageSource(shown, content))
        return sources


def _from_named_bytes(name: str, data: bytes, limits: SourceLimits) -> list[ImageSource]:
    if _ignored(PurePosixPath(name.replace("\\", "/")).parts):
        return []
    if _is_zip(name, data):
        try:
            return sources_from_zip(data, name, limits)
        except DataError as err:
            return [ImageSource(name, skip_reason=str(err))]
    if len(data) > limits.max_file_bytes:
        return [ImageSource(name, skip_reason=f"is {len(data):,} bytes, more than the {limits.max_file_bytes:,}-byte limit per file")]
    return [ImageSource(name, data)]


def sources_from_uploads(files: Iterable[tuple[str, bytes]], limits: SourceLimits | None = None) -> list[ImageSource]:
    """Turn uploaded files into sources; zips among them are expanded (one level).

    Args:
        files: ``(name, bytes)`` pairs; names may be relative paths (directory upload).
        limits: Size caps; defaults to :class:`SourceLimits`.

    Returns:
        Sources in upload order. A zip that cannot be read becomes one skipped source.
    """
    limits = limits or SourceLimits()
    sources: list[ImageSource] = []
    for raw_name, data in files:
        sources.extend(_from_named_bytes(display_name(raw_name), bytes(data), limits))
    return sources


def sources_from_folder(path: str | os.PathLike[str], lazy: bool = False, limits: SourceLimits | None = None) -> list[ImageSource]:
    """Collect every file under a local folder (recursively), or the members of a local zip.

    Display names are paths relative to the folder, so ``a/cat.png`` and ``b/cat.png``
    stay apart. Symbolic links are not followed out of the folder.

    Args:
        path: A folder, or a ``.zip`` file.
        lazy: Read each file's bytes only when needed (keeps memory flat for big folders).
        limits: Size caps; defaults to :class:`SourceLimits`.

    Returns:
        Sources sorted by display name.

    Raises:
        DataError: when the path does not exist, or the folder holds no files at all.
    """
    limits = limits or SourceLimits()
    root = Path(path)
    if root.is_file():
        if root.stat().st_size > limits.max_archive_bytes:
            raise DataError(f"{root} is larger than the {limits.max_archive_bytes:,}-byte archive limit.")
        data = root.read_bytes()
        if _is_zip(root.name, data):
            return sources_from_zip(data, root.name, limits)
        return _from_named_bytes(root.name, data, limits)
    if not root.is_dir():
        raise DataError(f"{root} does not exist or is not a folder.")
    real_root = root.resolve()
    sources: list[ImageSource] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _ignored([d]))
        for file_name in sorted(files):
            if _ignored([file_name]):
                continue
            full = Path(folder) / file_name
            shown = display_name(full.relative_to(root).as_posix())
            try:
                if not full.resolve().is_relative_to(real_root):
                    sources.append(ImageSource(shown, skip_reason="is a link to outside the folder; not followed"))
                    continue
                size = full.stat().st_size
                if not full.is_file():
                    continue
                is_zip = file_name.lower().endswith(".zip")
                if size > (limits.max_archive_bytes if is_zip else limits.max_file_bytes):
                    sources.append(ImageSource(shown, skip_reason=f"is {size:,} bytes, more than the {limits.max_file_bytes:,}-byte limit per file"))
                elif lazy and not is_zip:
                    sources.append(ImageSource(shown, path=full))
                else:
                    sources.extend(_from_named_bytes(shown, full.read_bytes(), limits))
            except OSError as err:
                sources.append(ImageSource(shown, skip_reason=f"could not be read ({err.strerror or err})"))
    if not sources:
        raise DataError(f"The folder {root} is empty: no files to convert (hidden files are ignored).")
    sources.sort(key=lambda s: s.name)
    return sources
