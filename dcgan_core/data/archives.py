"""Zip archives -> image sources, members streamed lazily, caps held across one whole request.

No member is unpacked up front: listing an archive reads its central directory and the
first four bytes of each member (to catch a zip disguised as an image); a member's bytes
are streamed only when it is hashed or decoded. An archive is refused as a whole when it
holds too many files, would unpack past its size cap, compresses like a bomb (the ratio of
all its members together, so a thousand members of 1 MiB of zeros are caught although
each is small), or would take the request past its total. Members that cannot be used
(links, unsafe paths, encryption, oversized or bomb-like on their own, nested zips) become
skipped sources with a reason.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO
from collections.abc import Callable

from dcgan_core.errors import DataError
from dcgan_core.data.sources import (
    _ZIP_ERRORS,
    ImageSource,
    SourceLimits,
    _ignored,
    _is_zip,
    _open_regular,
    _Tally,
    display_name,
)

__all__ = ["sources_from_zip"]

_MAX_NAME = 1024  # characters of one member's path
_SHOWN_NAME = 200  # characters of a too-long name shown in its skip reason


def _directory_problem(handle: IO[bytes], limits: SourceLimits) -> str | None:
    """Refuse from the end record alone an archive whose directory is too big to parse.

    ``zipfile`` reads the whole central directory into memory and makes an object per
    entry; a directory of millions of entries, or of names tens of kilobytes long, is
    refused before that happens.
    """
    try:
        end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]  # stable since Python 2
        handle.seek(0)
    except (AttributeError, *_ZIP_ERRORS):
        return None  # zipfile itself reports what is wrong
    if not end:
        return None
    entries, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if entries > limits.max_members:
        return f"holds {entries:,} files; the limit is {limits.max_members:,}."
    if directory > limits.max_directory_bytes:
        return (
            f"has a table of contents of {directory:,} bytes, more than the {limits.max_directory_bytes:,}-byte "
            "limit; refused."
        )
    return None


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


def _check_archive(
    infos: list[zipfile.ZipInfo],
    packed: int,
    limits: SourceLimits,
    tally: _Tally,
    name: str,
    problems: dict[int, str | None],
) -> None:
    """Refuse an archive that is too big or bomb-like, alone or with the request's other archives."""
    if len(infos) > limits.max_members:
        raise _Refused(f"holds {len(infos):,} files; the limit is {limits.max_members:,}.")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_archive_bytes:
        raise _Refused(
            f"would unpack to {declared:,} bytes, more than the {limits.max_archive_bytes:,}-byte limit; "
            "split it into smaller archives."
        )
    kept = sum(i.file_size for k, i in enumerate(infos) if problems[k] is None)
    if kept > limits.ratio_floor_bytes and kept / max(1, packed) > limits.max_ratio:
        raise _Refused(
            f"would unpack {packed:,} bytes into {kept:,} ({kept / max(1, packed):,.0f}:1), "
            "which looks like a zip bomb; refused."
        )
    total, packed_total = tally.archive_bytes + kept, tally.archive_packed + packed
    if total > limits.max_request_bytes:
        raise _Refused(
            f"would bring the unpacked size of this upload's archives to {total:,} bytes, more than the "
            f"{limits.max_request_bytes:,}-byte limit per upload or folder; split it into smaller sets."
        )
    if total > limits.ratio_floor_bytes and total / max(1, packed_total) > limits.max_ratio:
        raise _Refused(
            f"with the archives before it would unpack {packed_total:,} bytes into {total:,} "
            f"({total / max(1, packed_total):,.0f}:1), which looks like a zip bomb; refused."
        )
    tally.count(len(infos), name)
    tally.archive_bytes, tally.archive_packed = total, packed_total


def _archive_sources(
    archive: zipfile.ZipFile, name: str, packed: int, limits: SourceLimits, tally: _Tally
) -> list[ImageSource]:
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
        if len(member) > _MAX_NAME:
            shown = f"{name}/{member[:_SHOWN_NAME]}…"
            problem = f"has a name of {len(member):,} characters, more than the limit of {_MAX_NAME:,}; skipped"
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
        problem = _directory_problem(handle, limits)
        if problem:
            raise _Refused(problem)
        archive = zipfile.ZipFile(handle)
    except _ZIP_ERRORS as err:
        raise _Refused(f"is not a readable zip archive ({err}).") from None
    try:
        return _archive_sources(archive, name, packed, limits, tally)
    except _ZIP_ERRORS as err:
        raise _Refused(f"is not a readable zip archive ({err}).") from None


def sources_from_zip(
    data: bytes | str | os.PathLike[str], name: str, limits: SourceLimits | None = None
) -> list[ImageSource]:
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
