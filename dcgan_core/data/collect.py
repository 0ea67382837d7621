"""Folders and uploads -> image sources: every file listed, or skipped with its reason.

Uploads are ``(name, bytes)`` pairs (a directory upload keeps relative names); a local
folder is walked recursively. Zips among them are expanded one level by
:mod:`dcgan_core.data.archives`, under the caps of one request. Links out of the folder, link
loops, broken links, pipes, sockets, devices and unreadable entries become skipped sources
with a reason; hidden files, ``__MACOSX/`` entries and desktop clutter are ignored silently.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from collections.abc import Iterable, Iterator

from dcgan_core.data.archives import _Refused, _zip_of
from dcgan_core.errors import DataError
from dcgan_core.data.sources import (
    ImageSource,
    SourceLimits,
    _ignored,
    _is_zip,
    _open_regular,
    _special_kind,
    _Tally,
    display_name,
)

__all__ = ["sources_from_folder", "sources_from_uploads"]

_MAX_DEPTH = 64  # folder levels below the one given


def _from_named(
    name: str, data: bytes | Path, size: int, limits: SourceLimits, tally: _Tally, lazy: bool = False
) -> list[ImageSource]:
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
        return [
            ImageSource(
                name, skip_reason=f"is {size:,} bytes, more than the {limits.max_file_bytes:,}-byte limit per file"
            )
        ]
    if isinstance(data, Path):
        if lazy:
            return [ImageSource(name, path=data, size=size)]
        try:
            with _open_regular(data) as handle:
                content = handle.read(limits.max_file_bytes + 1)
        except OSError as err:
            return [ImageSource(name, skip_reason=f"could not be read ({err.strerror or err})")]
        if len(content) > limits.max_file_bytes:
            return [
                ImageSource(
                    name, skip_reason=f"grew past the {limits.max_file_bytes:,}-byte limit per file while being read"
                )
            ]
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


def _walk(root: Path, sources: list[ImageSource]) -> Iterator[tuple[Path, str]]:
    """Every non-folder entry under ``root`` as (path, display name), in name order, without recursion.

    Folders are entered only when they are real folders (never through a link), at most
    ``_MAX_DEPTH`` levels deep; folders that cannot be listed, or lie deeper, are added
    to ``sources`` as skipped with the reason.
    """
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        shown_folder = display_name(folder.relative_to(root).as_posix()) if folder != root else "."
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as err:
            sources.append(ImageSource(shown_folder, skip_reason=f"could not be listed ({err.strerror or err})"))
            continue
        subfolders = []
        for entry in entries:
            if _ignored([entry.name]):
                continue
            full = Path(entry.path)
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if not is_folder:
                yield full, display_name(full.relative_to(root).as_posix())
            elif depth + 1 > _MAX_DEPTH:
                sources.append(
                    ImageSource(
                        display_name(full.relative_to(root).as_posix()),
                        skip_reason=f"is a folder nested more than {_MAX_DEPTH} levels deep; not opened",
                    )
                )
            else:
                subfolders.append((full, depth + 1))
        stack.extend(reversed(subfolders))


def _folder_entry(
    full: Path, shown: str, real_root: Path, limits: SourceLimits, tally: _Tally, lazy: bool
) -> list[ImageSource]:
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
        return [ImageSource(shown, skip_reason="is a link to a folder; links to folders are not followed")]
    if not stat.S_ISREG(mode):
        tally.count(1, shown)
        return [ImageSource(shown, skip_reason=f"is {_special_kind(mode)}, not a regular file; skipped")]
    size = resolved.stat().st_size
    is_zip = full.name.lower().endswith(".zip")
    if is_zip and size > limits.max_request_bytes:
        tally.count(1, shown)
        return [
            ImageSource(shown, skip_reason=f"is {size:,} bytes, more than the {limits.max_request_bytes:,}-byte limit")
        ]
    return _from_named(shown, full, size, limits, tally, lazy)


def sources_from_folder(
    path: str | os.PathLike[str], lazy: bool = False, limits: SourceLimits | None = None
) -> list[ImageSource]:
    """Collect every file under a local folder (recursively), or the members of a local zip.

    Display names are paths relative to the folder, so ``a/cat.png`` and ``b/cat.png``
    stay apart. Symbolic links are not followed out of the folder, nor into folders; link
    loops, pipes, sockets, devices, unreadable entries and folders nested more than 64
    levels deep are listed as skipped with the reason. Zips in
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
    for full, shown in _walk(root, sources):
        try:
            sources.extend(_folder_entry(full, shown, real_root, limits, tally, lazy))
        except OSError as err:
            sources.append(ImageSource(shown, skip_reason=f"could not be read ({err.strerror or err})"))
    if not sources:
        raise DataError(f"The folder {root} is empty: no files to convert (hidden files are ignored).")
    sources.sort(key=lambda s: s.name)
    return sources
