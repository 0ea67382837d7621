"""Sources -> a cached uint8 ``.npy`` dataset, its manifest and a health report.

The cache key is a hash of the options and the sorted content hashes of the files, so the
same images sent again (in any order, under any names) with the same options come back
from the cache without decoding. When the images' folders give classes (see
:func:`~dcgan_core.data.labels.labels_from_names`), the manifest holds them and the key includes
each image's class, so the same files sorted into other folders are another dataset. With
duplicates dropped, a file found in two classes is kept once, in the class of its first copy
(by name in a folder, in upload order otherwise). A conversion decodes in a small thread pool (Pillow
releases the GIL while decoding and resizing) whose decodes share one memory budget,
writes each image straight into a memory-mapped ``.npy`` under a temporary name in the
cache folder (its disk space reserved up front, so a full disk is an error, not a crash),
writes the manifest, and only then renames the ``.npy`` into place: the rename makes the
dataset visible with its manifest, and a failure or a cancel leaves nothing under the
final name. Files are hashed and decoded as streams, never all held in memory.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

import numpy as np

from dcgan_core.data import _cache_files as _files
from dcgan_core.data.budget import MemoryBudget, default_budget
from dcgan_core.atomic import atomic_write_json
from dcgan_core.data.cache_lookup import FORMAT_VERSION, READ_ERRORS, cache_key, files_by_hash, find_cached, hash_source
from dcgan_core.data.datasets import dataset_thumbnail
from dcgan_core.data.decode import ImageInfo, ImageRejected, PrepareOptions, decode_image
from dcgan_core.errors import DataError
from dcgan_core.data.health import HealthReport, build_report
from dcgan_core.data.folder_labels import labelled_key, labels_from_names
from dcgan_core.data.sources import ImageSource

__all__ = ["PreparedDataset", "ConversionCancelled", "prepare_dataset"]

_FLUSH_EVERY = 256


class ConversionCancelled(DataError):
    """The person cancelled a conversion; nothing was saved."""


@dataclass(frozen=True, eq=False)
class PreparedDataset:
    """The result of :func:`prepare_dataset`.

    Attributes:
        dataset_id: Stable id (also the file stem in the cache folder).
        npy_path: The uint8 (N, H, W, C) ``.npy`` file.
        manifest: The JSON manifest as a dict (options, images, skipped files, counts).
        report: The health report.
        from_cache: True when the dataset was already converted and nothing was decoded.
    """

    dataset_id: str
    npy_path: Path
    manifest: dict[str, Any]
    report: HealthReport
    from_cache: bool

    @property
    def shape(self) -> tuple[int, ...]:
        """(N, H, W, C) of the dataset."""
        return tuple(self.manifest["shape"])


def _decode_task(
    source: ImageSource, options: PrepareOptions, budget: MemoryBudget
) -> tuple[np.ndarray | None, ImageInfo | str]:
    try:
        with source.open() as stream:
            pixels, info = decode_image(stream, options, budget)
        return pixels, info
    except ImageRejected as err:
        return None, str(err)
    except READ_ERRORS as err:
        return None, f"could not be read ({getattr(err, 'strerror', None) or err})"
    except Exception as err:  # a hostile file must cost one skip, never the whole conversion
        return None, f"could not be converted ({type(err).__name__}: {err})"


def _default_name(sources: list[ImageSource]) -> str:
    firsts = {s.name.split("/", 1)[0] for s in sources}
    if len(firsts) == 1 and all("/" in s.name for s in sources):
        return firsts.pop()
    return f"{len(sources):,} files"


def _report_from(
    manifest: dict[str, Any],
    sources: list[ImageSource],
    hashes: list[str | None],
    early: dict[int, str],
    options: PrepareOptions,
    preview: np.ndarray,
    kept: list[str],
) -> HealthReport:
    """The report for the current sources (``kept``: their names of the dataset's images), from the manifest's facts."""
    rejected = {s["sha256"]: s["reason"] for s in manifest.get("skipped", []) if s.get("sha256")}
    skipped = [(sources[i].name, early[i]) for i in sorted(early)]
    groups = files_by_hash(sources, hashes)
    skipped += [(names[0], rejected[sha]) for sha, names in groups.items() if sha in rejected]
    duplicates = [names for names in groups.values() if len(names) > 1]
    found = labels_from_names(kept, duplicates if options.drop_duplicates else ())
    return build_report(manifest["images"], skipped, duplicates, options, preview, len(sources), classes=found)


def prepare_dataset(
    sources: Iterable[ImageSource],
    options: PrepareOptions | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Any = None,
    workers: int | None = None,
    budget: MemoryBudget | None = None,
) -> PreparedDataset:
    """Convert images to a cached uint8 ``.npy`` with a manifest and a health report.

    Args:
        sources: From :mod:`dcgan_core.data.sources`.
        options: What the GAN will see; default :class:`PrepareOptions`.
        cache_dir: Cache folder; default :func:`~dcgan_core.paths.default_cache_dir`.
        name: Human name for the listing (default: the shared folder name, or a count).
        progress: Called as ``progress(done, total)`` from the calling thread.
        cancel: A ``threading.Event`` or a callable returning True to stop.
        workers: Decoding threads (default: CPU count, at most 8).
        budget: Memory budget shared by the decoding threads; default the process's
            :func:`~dcgan_core.data.budget.default_budget`, shared with every other conversion.

    Returns:
        The :class:`PreparedDataset`.

    Raises:
        ConversionCancelled: when cancelled (nothing is saved).
        DataError: when no file was usable (``err.report`` then holds the report), or the
            cache folder cannot be created or written (a file in the way, a full disk).
    """
    options = options or PrepareOptions()
    sources = list(sources)
    if not sources:
        raise DataError("No files were given to convert.")
    folder = _files.cache_folder(cache_dir)
    budget = budget or default_budget()
    _files.remove_stale_temps(folder)
    is_cancelled: Callable[[], bool] = (
        cancel.is_set if hasattr(cancel, "is_set") else cancel if callable(cancel) else (lambda: False)
    )
    workers = workers or max(1, min(8, os.cpu_count() or 1))

    early = {i: s.skip_reason for i, s in enumerate(sources) if s.skip_reason}
    hashes: list[str | None] = [None] * len(sources)
    todo = [i for i in range(len(sources)) if i not in early]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, (sha, reason) in zip(todo, pool.map(lambda k: hash_source(sources[k]), todo)):
            hashes[i] = sha
            if reason:
                early[i] = reason
    first_of: dict[str, int] = {}
    for i, sha in enumerate(hashes):
        if sha is not None:
            first_of.setdefault(sha, i)
    if options.drop_duplicates:
        key_hashes = sorted(first_of)
        order = [(sha, first_of[sha]) for sha in key_hashes]
    else:
        order = sorted((sha, i) for i, sha in enumerate(hashes) if sha is not None)
        key_hashes = [sha for sha, _ in order]
    base = cache_key(options, key_hashes)

    hit = find_cached(folder, base, order, sources)
    if hit is not None:
        npy_path, manifest, kept = hit
        if name and name != manifest.get("name"):
            manifest["name"] = name
            try:
                atomic_write_json(npy_path.with_suffix(".json"), manifest, compact=True)
            except OSError:
                pass  # the new name is lost; the converted data is still there
        report = _report_from(manifest, sources, hashes, early, options, dataset_thumbnail(npy_path), kept)
        if progress:
            progress(len(order), len(order))
        return PreparedDataset(npy_path.stem, npy_path, manifest, report, True)

    size, channels, total = options.size, options.channels, len(order)
    images: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    tmp_path = folder / f".{base[:20]}.{uuid.uuid4().hex}.npy.tmp"
    try:
        if total:
            try:
                array = np.lib.format.open_memmap(
                    tmp_path, mode="w+", dtype=np.uint8, shape=(total, size, size, channels)
                )
                _files.reserve_disk(tmp_path)
            except (OSError, ValueError) as err:
                raise _files.disk_error(folder, err) from None
            pending: deque[tuple[str, int, Future]] = deque()
            with ThreadPoolExecutor(max_workers=workers) as pool:
                feed = iter(order)
                done = 0
                while True:
                    while len(pending) < workers * 4:
                        item = next(feed, None)
                        if item is None or is_cancelled():
                            break
                        pending.append((item[0], item[1], pool.submit(_decode_task, sources[item[1]], options, budget)))
                    if is_cancelled():
                        for _, _, fut in pending:
                            fut.cancel()
                        raise ConversionCancelled("The conversion was cancelled; nothing was saved.")
                    if not pending:
                        break
                    sha, index, future = pending.popleft()
                    pixels, info = future.result()
                    if pixels is None:
                        rejected.append({"name": sources[index].name, "sha256": sha, "reason": info})
                    else:
                        array[len(images)] = pixels
                        images.append(
                            {
                                "index": len(images),
                                "name": sources[index].name,
                                "sha256": sha,
                                "width": info.width,
                                "height": info.height,
                                "mode": info.mode,
                                "format": info.format,
                                "frames": info.frames,
                            }
                        )
                        if len(images) % _FLUSH_EVERY == 0:
                            _files.release_pages(array)
                    done += 1
                    if progress:
                        progress(done, total)
            try:
                array.flush()
            except OSError as err:
                raise _files.disk_error(folder, err) from None
            del array
        if not images:
            names = {i: sources[i].name for i in range(len(sources))}
            skipped = [(names[i], r) for i, r in sorted(early.items())] + [(r["name"], r["reason"]) for r in rejected]
            err = DataError(
                f"None of the {len(sources):,} files could be used"
                + (f"; for example {skipped[0][0]} {skipped[0][1]}." if skipped else ".")
            )
            err.report = build_report([], skipped, [], options, None, len(sources))  # type: ignore[attr-defined]
            raise err
        try:
            if len(images) < total:
                _files.shrink_npy(tmp_path, len(images))
            groups = files_by_hash(sources, hashes)
            kept = [img["name"] for img in images]
            found = labels_from_names(kept)
            key = labelled_key(base, [img["sha256"] for img in images], found)
            dataset_id, npy_path = key[:20], folder / f"{key[:20]}.npy"
            manifest = {
                "format": FORMAT_VERSION,
                "dataset_id": dataset_id,
                "key": key,
                "name": name or _default_name(sources),
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "options": options.to_dict(),
                "shape": [len(images), size, size, channels],
                "count": len(images),
                "images": images,
                "skipped": [{"name": sources[i].name, "sha256": None, "reason": r} for i, r in sorted(early.items())]
                + rejected,
                "duplicates": [names for names in groups.values() if len(names) > 1],
            }
            if found.labelled:
                manifest.update(base_key=base, classes=list(found.classes), labels=list(found.labels))
            report = _report_from(manifest, sources, hashes, early, options, dataset_thumbnail(tmp_path), kept)
            manifest["report"] = report.to_dict()
            # The manifest goes first: a dataset is listed only once its .npy is there too, so the
            # rename below makes both visible together (a crash in between leaves a manifest
            # alone, which the next listing removes).
            atomic_write_json(npy_path.with_suffix(".json"), manifest, compact=True)
            os.replace(tmp_path, npy_path)
        except OSError as err:
            raise _files.disk_error(folder, err) from None
    finally:
        try:
            tmp_path.unlink(missing_ok=True)
        except OSError:
            pass  # removed later by _remove_stale_temps
    return PreparedDataset(dataset_id, npy_path, manifest, report, False)
