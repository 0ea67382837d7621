"""Where images come from: a folder, uploaded files, or zip archives, read safely and lazily.

Every source becomes a list of :class:`ImageSource` values: a display name plus a way to
read the file's bytes. A display name is only ever shown to a person; nothing here (or
anywhere in the engine) uses it as a path on disk, so ``../`` or absolute names in an
archive cannot make the app write anywhere. Zip members are never unpacked up front: each
is read (streamed) only when it is hashed or decoded. The caps of :class:`SourceLimits`
hold for one whole request (one upload, one folder, one CLI call), whatever the number of
archives in it: total uncompressed bytes, number of files, and the compression ratio of
each archive as a whole and of each member. Files that cannot be used are kept as sources
with a ``skip_reason`` (special files such as pipes and devices, link loops, unreadable
entries), so the health report can say why; hidden files, ``__MACOSX/`` entries and
desktop clutter are ignored silently.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterable

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
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
               ValueError, MemoryError)
_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))


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
    """

    max_file_bytes: int = 64 * 2**20
    max_archive_bytes: int = 2 * 2**30
    max_request_bytes: int = 2 * 2**30
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 2**20
    max_members: int = 50_000


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
            raise DataError(f"{where} brings the number of files past the limit of {self.limits.max_members:,} "
                            "per upload or folder; split it into smaller sets.")


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


class _Refused(Exception):
    """A whole archive is refused; ``str(err)`` is the reason, without the archive's name."""


def _check_archive(infos: list[zipfile.ZipInfo], packed: int, limits: SourceLimits, tally: _Tally,
                   name: str, problems: dict[int, str | None]) -> None:
    """Refuse an archive that is too big or bomb-like, alone or with the request's other archives."""
    if len(infos) > limits.max_members:
        raise _Refused(f"holds {len(infos):,} files; the limit is {limits.max_members:,}.")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_archive_bytes:
        raise _Refused(f"would unpack to {declared:,} bytes, more than the {limits.max_archive_bytes:,}-byte limit; "
                       "split it into smaller archives.")
    kept = sum(i.file_size for k, i in enumerate(infos) if problems[k] is None)
    if kept > limits.ratio_floor_bytes and kept / max(1, packed) > limits.max_ratio:
        raise _Refused(f"would unpack {packed:,} bytes into {kept:,} ({kept / max(1, packed):,.0f}:1), "
                       "which looks like a zip bomb; refused.")
    total, packed_total = tally.archive_bytes + kept, tally.archive_packed + packed
    if total > limits.max_request_bytes:
        raise _Refused(f"would bring the unpacked size of this upload's archives to {total:,} bytes, more than the "
                       f"{limits.max_request_bytes:,}-byte limit per upload or folder; split it into smaller sets.")
    if total > limits.ratio_floor_bytes and total / max(1, packed_total) > limits.max_ratio:
        raise _Refused(f"with the archives before it would unpack {packed_total:,} bytes into {total:,} "
                       f"({total / max(1, packed_total):,.0f}:1), which looks like a zip bomb; refused.")
    tally.count(len(infos), name)
    tally.archive_bytes, tally.archive_packed = total, packed_total


def _archive_sources(archive: zipfile.ZipFile, name: str, packed: int, limits: SourceLimits,
                     tally: _Tally) -> list[ImageSource]:
    """The members of an open archive as lazy sources (only their first bytes are read here)."""
    infos = [i for i in archive.infolist() if not i.is_dir()]
    problems = {k: _member_problem(info, limits) for k, info in enumerate(infos)}
    _check_archive(infos, packed, limits, tally, name, problems)
    sources: list[ImageSource] = []
    for k, info in enumerate(infos):
        member = display_name(info.filename)
        if _ignored(PurePosixPath(member.replace("\\", "/")).parts):
            continue
        shown = f"{name}/{member}"
        problem = problems[k]
        if problem is None:
            try:
                with archive.open(info) as handle:
                    head = handle.read(4)
            except _ZIP_ERRORS as err:
                problem = f"could not be unpacked ({err})"
            else:
                if _is_zip(member, head):
                    problem = "is a zip inside a zip; nested archives are not opened (upload it on its own)"
        if problem is not None:
            sources.append(ImageSource(shown, skip_reason=problem))
        else:
            sources.append(ImageSource(shown, size=info.file_size, opener=_member_opener(archive, info)))
    return sources


def _member_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    """A function opening one member as a stream (zipfile serialises reads of a shared archive)."""
    return lambda: archive.open(info)


def _zip_of(data: bytes | Path, name: str, limits: SourceLimits, tally: _Tally) -> list[ImageSource]:
    try:
        if isinstance(data, Path):
            handle = _open_regular(data)
            packed = os.fstat(handle.fileno()).st_size
        else:
            handle, packed = io.BytesIO(data), len(data)
        archive = zipfile.ZipFile(handle)
    except _ZIP_ERRORS as err:
        raise _Refused(f"is not a readable zip archive ({err}).") from None
    try:
        return _archive_sources(archive, name, packed, limits, tally)
    except _ZIP_ERRORS as err:
        raise _Refused(f"is not a readable zip archive ({err}).") from None


def sources_from_zip(data: bytes | str | os.PathLike[str], name: str,
                     limits: SourceLimits | None = None) -> list[ImageSource]:
    """Read the images of a zip archive held in memory or on disk; members are read lazily.

    Members keep their path inside the archive as display name, prefixed by ``name``.
    Nested zips, links, unsafe names, oversized and bomb-like members become skipped
    sources with a reason; hidden entries and ``__MACOSX/`` are dropped.

    Args:
        data: The archive's bytes, or the path of a local zip file.
        name: The archive's display name (for messages).
        limits: Size caps; defaults to :class:`SourceLimits`.

    Returns:
        One source per file member, in archive order.

    Raises:
        DataError: when the bytes are not a zip, or the archive as a whole is too big or
            compresses like a bomb.
    """
    limits = limits or SourceLimits()
    source = data if isinstance(data, (bytes, bytearray, memoryview)) else Path(data)
    try:
        return _zip_of(source, name, limits, _Tally(limits))  # type: ignore[arg-type]
    except _Refused as err:
        raise DataError(f"{name} {err}") from None


def _from_named(name: str, data: bytes | Path, size: int, limits: SourceLimits, tally: _Tally,
                lazy: bool = False) -> list[ImageSource]:
    """One uploaded or local file: a zip's members, or the file itself (or a skip)."""
    if _ignored(PurePosixPath(name.replace("\\", "/")).parts):
        return []
    head = data[:4] if isinstance(data, (bytes, bytearray, memoryview)) else b""
    if _is_zip(name, bytes(head)):
        try:
            return _zip_of(data, name, limits, tally)
        except _Refused as err:
            tally.count(1, name)
            return [ImageSource(name, skip_reason=str(err).rstrip("."))]
    tally.count(1, name)
    if size > limits.max_file_bytes:
        return [ImageSource(name, skip_reason=f"is {size:,} bytes, more than the {limits.max_file_bytes:,}-byte limit per file")]
    if isinstance(data, Path):
        if lazy:
            return [ImageSource(name, path=data, size=size)]
        try:
            with _open_regular(data) as handle:
                content = handle.read(limits.max_file_bytes + 1)
        except OSError as err:
            return [ImageSource(name, skip_reason=f"could not be read ({err.strerror or err})")]
        if len(content) > limits.max_file_bytes:
            return [ImageSource(name, skip_reason=f"grew past the {limits.max_file_bytes:,}-byte limit per file while being read")]
        return [ImageSource(name, content, size=len(content))]
    return [ImageSource(name, data, size=size)]


def sources_from_uploads(files: Iterable[tuple[str, bytes]], limits: SourceLimits | None = None) -> list[ImageSource]:
    """Turn uploaded files into sources; zips among them are expanded (one level), lazily.

    The caps of ``limits`` hold for all the files together (one request).

    Args:
        files: ``(name, bytes)`` pairs; names may be relative paths (directory upload).
        limits: Size caps; defaults to :class:`SourceLimits`.

    Returns:
        Sources in upload order. A zip that cannot be read, or that would pass the
        request's caps, becomes one skipped source with the reason.

    Raises:
        DataError: when the upload holds more files than ``limits.max_members``.
    """
    limits = limits or SourceLimits()
    tally = _Tally(limits)
    sources: list[ImageSource] = []
    for raw_name, data in files:
        content = data if isinstance(data, bytes) else bytes(data)
        sources.extend(_from_named(display_name(raw_name), content, len(content), limits, tally))
    return sources


def _walk_error(sources: list[ImageSource], root: Path) -> Callable[[OSError], None]:
    def record(err: OSError) -> None:
        where = Path(err.filename) if err.filename else root
        try:
            shown = display_name(where.relative_to(root).as_posix())
        except ValueError:
            shown = display_name(str(where))
        sources.append(ImageSource(shown or ".", skip_reason=f"could not be listed ({err.strerror or err})"))
    return record


def _folder_entry(full: Path, shown: str, real_root: Path, limits: SourceLimits, tally: _Tally,
                  lazy: bool) -> list[ImageSource]:
    """One directory entry of a folder walk: sources, a skip with its reason, or nothing."""
    try:
        resolved = full.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a link loop this way
        return [ImageSource(shown, skip_reason="is a symbolic link loop; not followed")]
    except OSError as err:
        if full.is_symlink():
            why = "a symbolic link loop" if err.errno == 40 else "a broken symbolic link"
            return [ImageSource(shown, skip_reason=f"is {why}; not followed")]
        return [ImageSource(shown, skip_reason=f"could not be read ({err.strerror or err})")]
    if not resolved.is_relative_to(real_root):
        return [ImageSource(shown, skip_reason="is a link to outside the folder; not followed")]
    mode = resolved.stat().st_mode
    if stat.S_ISDIR(mode):
        return []  # a link to a folder inside this one: its files are listed where they are
    if not stat.S_ISREG(mode):
        tally.count(1, shown)
        return [ImageSource(shown, skip_reason=f"is {_special_kind(mode)}, not a regular file; skipped")]
    size = resolved.stat().st_size
    is_zip = full.name.lower().endswith(".zip")
    if is_zip and size > limits.max_request_bytes:
        tally.count(1, shown)
        return [ImageSource(shown, skip_reason=f"is {size:,} bytes, more than the {limits.max_request_bytes:,}-byte limit")]
    return _from_named(shown, full, size, limits, tally, lazy)


def sources_from_folder(path: str | os.PathLike[str], lazy: bool = False, limits: SourceLimits | None = None) -> list[ImageSource]:
    """Collect every file under a local folder (recursively), or the members of a local zip.

    Display names are paths relative to the folder, so ``a/cat.png`` and ``b/cat.png``
    stay apart. Symbolic links are not followed out of the folder; link loops, pipes,
    sockets, devices and unreadable entries are listed as skipped with the reason. Zips in
    the folder are opened from disk and their members read lazily.

    Args:
        path: A folder, or a ``.zip`` file.
        lazy: Read each file's bytes only when needed (keeps memory flat for big folders).
        limits: Size caps for the whole folder; defaults to :class:`SourceLimits`.

    Returns:
        Sources sorted by display name.

    Raises:
        DataError: when the path does not exist or cannot be read, the folder holds no
            files at all, or more files than ``limits.max_members``.
    """
    limits = limits or SourceLimits()
    tally = _Tally(limits)
    root = Path(path)
    try:
        mode = root.stat().st_mode
    except RuntimeError:
        raise DataError(f"{root} is a symbolic link loop.") from None
    except OSError as err:
        if err.errno in (2, 20):  # ENOENT, ENOTDIR
            raise DataError(f"{root} does not exist or is not a folder.") from None
        raise DataError(f"{root} cannot be read ({err.strerror or err}).") from None
    if stat.S_ISREG(mode):
        found = _from_named(root.name, root, root.stat().st_size, limits, tally, lazy)
        if len(found) == 1 and found[0].skip_reason and _is_zip(root.name, b""):
            raise DataError(f"{root.name} {found[0].skip_reason}.")
        return found
    if not stat.S_ISDIR(mode):
        raise DataError(f"{root} is {_special_kind(mode)}, not a folder or a zip archive.")
    real_root = root.resolve()
    sources: list[ImageSource] = []
    for folder, dirs, files in os.walk(root, onerror=_walk_error(sources, root)):
        dirs[:] = sorted(d for d in dirs if not _ignored([d]))
        for file_name in sorted(files):
            if _ignored([file_name]):
                continue
            full = Path(folder) / file_name
            shown = display_name(full.relative_to(root).as_posix())
            try:
                sources.extend(_folder_entry(full, shown, real_root, limits, tally, lazy))
            except OSError as err:
                sources.append(ImageSource(shown, skip_reason=f"could not be read ({err.strerror or err})"))
    if not sources:
        raise DataError(f"The folder {root} is empty: no files to convert (hidden files are ignored).")
    sources.sort(key=lambda s: s.name)
    return sources
