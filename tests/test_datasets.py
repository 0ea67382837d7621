"""Conversion into the cache: the .npy, the manifest, the report, the cache hit, listing, deletion."""

from __future__ import annotations

import hashlib
import json
import os
import threading

import numpy as np
import pytest

from dcgan_core import (
    DataError,
    ImageSource,
    PrepareOptions,
    dataset_thumbnail,
    delete_dataset,
    list_datasets,
    open_dataset,
    prepare_dataset,
    sources_from_folder,
    sources_from_uploads,
)
from dcgan_core.data.datasets import BUNDLED_DATASET_ID, BUNDLED_EMOJI_ID
from dcgan_core.data.prepare import ConversionCancelled
from ingest_samples import digit_pngs, digits, encode, make_zip, photo

GREY28 = PrepareOptions(size=28, channels=1)


def npy_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".npy", ".tmp") or p.name.endswith(".npy.tmp"))


def test_bundled_digits_as_png_files_become_the_same_array(tmp_path):
    folder = tmp_path / "pngs"
    folder.mkdir()
    for name, data in digit_pngs(40):
        (folder / name.split("/")[1]).write_bytes(data)
    cache = tmp_path / "cache"
    result = prepare_dataset(sources_from_folder(folder, lazy=True), GREY28, cache_dir=cache, name="digits")
    assert result.npy_path.parent == cache and result.npy_path.name == f"{result.dataset_id}.npy"
    array = np.load(result.npy_path)
    assert array.shape == (40, 28, 28, 1) and array.dtype == np.uint8
    # rows are in content-hash order: map them back through the manifest
    originals = {hashlib.sha256(data).hexdigest(): digit for (_, data), digit in zip(digit_pngs(40), digits(40))}
    for row, entry in zip(array, result.manifest["images"]):
        assert np.array_equal(row, originals[entry["sha256"]])
    assert not result.from_cache and result.report.usable == 40


def test_manifest_records_options_images_skips_and_counts(tmp_path):
    uploads = digit_pngs(5) + [("notes.png", b"shopping list"), ("copy.png", digit_pngs(1)[0][1])]
    result = prepare_dataset(sources_from_uploads(uploads), GREY28, cache_dir=tmp_path)
    on_disk = json.loads(result.npy_path.with_suffix(".json").read_text())
    assert on_disk == result.manifest
    assert (
        on_disk["options"]["size"] == 28 and on_disk["options"]["channels"] == 1 and on_disk["options"]["fit"] == "crop"
    )
    assert on_disk["count"] == 5 and on_disk["shape"] == [5, 28, 28, 1]
    hashes = {hashlib.sha256(d).hexdigest(): n for n, d in uploads}
    assert all(hashes[img["sha256"]] in (img["name"], "copy.png") for img in on_disk["images"])
    assert [(s["name"], "text file" in s["reason"]) for s in on_disk["skipped"]] == [("notes.png", True)]
    assert on_disk["duplicates"] == [["digits/0000.png", "copy.png"]]
    assert on_disk["created"].startswith("20") and on_disk["report"]["usable"] == 5


def translucent(image):
    rgba = image.convert("RGBA")
    rgba.putalpha(200)
    return rgba


def test_health_report_counts_sizes_modes_duplicates_and_warns_when_small(tmp_path):
    uploads = [
        ("wide.png", encode(photo(80, 40, 1), "PNG")),
        ("tall.jpg", encode(photo(30, 90, 2), "JPEG")),
        ("square.webp", encode(translucent(photo(50, 50, 3)), "WEBP", lossless=True)),
        ("again.png", encode(photo(80, 40, 1), "PNG")),
        ("broken.jpg", encode(photo(60, 60, 4), "JPEG")[:300]),
        ("dot.png", encode(photo(1, 1), "PNG")),
    ]
    report = prepare_dataset(sources_from_uploads(uploads), PrepareOptions(size=32), cache_dir=tmp_path).report
    assert report.usable == 3 and report.total == 6
    assert dict(report.skipped).keys() == {"broken.jpg", "dot.png"}
    assert "truncated" in dict(report.skipped)["broken.jpg"] and "1x1" in dict(report.skipped)["dot.png"]
    assert report.duplicates == (("wide.png", "again.png"),)
    assert report.modes == {"RGB": 2, "RGBA": 1} and report.formats == {"PNG": 1, "JPEG": 1, "WEBP": 1}
    assert report.aspect_buckets == {"wide (over 5:4)": 1, "tall (under 4:5)": 1, "about square": 1}
    assert report.size_stats["min_width"] == 30 and report.size_stats["max_height"] == 90
    assert sum(report.size_buckets.values()) == 3 and report.size_buckets["smaller than 32 px (enlarged)"] == 1
    assert any("Only 3 usable images" in w and "500" in w for w in report.warnings)
    assert any("far from square" in w for w in report.warnings)
    assert report.preview.dtype == np.uint8 and report.preview.ndim == 3 and report.preview.shape[2] == 3
    assert "3 usable images, 2 skipped" in report.summary()


def test_same_images_reordered_and_renamed_come_from_the_cache(tmp_path):
    uploads = digit_pngs(12)
    first = prepare_dataset(sources_from_uploads(uploads), GREY28, cache_dir=tmp_path)
    stamp = first.npy_path.stat().st_mtime_ns
    renamed = [(f"other/{i}.png", data) for i, (_, data) in enumerate(reversed(uploads))]
    calls = []
    second = prepare_dataset(
        sources_from_uploads(renamed), GREY28, cache_dir=tmp_path, progress=lambda d, t: calls.append((d, t))
    )
    assert second.from_cache and second.dataset_id == first.dataset_id
    assert second.npy_path.stat().st_mtime_ns == stamp
    assert calls == [(12, 12)]
    assert second.report.usable == 12 and second.report.preview.shape == first.report.preview.shape
    other = prepare_dataset(sources_from_uploads(renamed), PrepareOptions(size=32, channels=1), cache_dir=tmp_path)
    assert not other.from_cache and other.dataset_id != first.dataset_id


def test_cache_hit_report_uses_the_new_names(tmp_path):
    uploads = digit_pngs(3) + [("bad.png", b"hello there")]
    prepare_dataset(sources_from_uploads(uploads), GREY28, cache_dir=tmp_path)
    again = prepare_dataset(
        sources_from_uploads([("x/" + n.split("/")[-1], d) for n, d in uploads]), GREY28, cache_dir=tmp_path
    )
    assert again.from_cache and again.report.skipped[0][0] == "x/bad.png"


def test_skipped_files_shrink_the_array_to_the_usable_images(tmp_path):
    uploads = [("bad1.png", b"")] + digit_pngs(6) + [("bad2.jpg", b"\xff\xd8\xff\xe0 truncated")]
    result = prepare_dataset(sources_from_uploads(uploads), GREY28, cache_dir=tmp_path)
    array = np.load(result.npy_path)  # a fully valid .npy, not only as a memory map
    assert array.shape == (6, 28, 28, 1) and result.report.skipped_count == 2
    assert sorted(int(a.sum()) for a in array) == sorted(int(d.sum()) for d in digits(6))


def test_progress_is_reported_to_the_end(tmp_path):
    calls = []
    prepare_dataset(
        sources_from_uploads(digit_pngs(9)), GREY28, cache_dir=tmp_path, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(i, 9) for i in range(1, 10)]


def test_cancel_leaves_nothing_behind(tmp_path):
    stop = threading.Event()

    def progress(done, total):
        if done == 3:
            stop.set()

    with pytest.raises(ConversionCancelled, match="cancelled"):
        prepare_dataset(
            sources_from_uploads(digit_pngs(40)), GREY28, cache_dir=tmp_path, progress=progress, cancel=stop, workers=1
        )
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConversionCancelled):
        prepare_dataset(sources_from_uploads(digit_pngs(5)), GREY28, cache_dir=tmp_path, cancel=lambda: True)


def test_a_failure_halfway_leaves_no_npy(tmp_path):
    def explode(done, total):
        if done == 4:
            raise RuntimeError("disk went away")

    with pytest.raises(RuntimeError, match="disk went away"):
        prepare_dataset(sources_from_uploads(digit_pngs(20)), GREY28, cache_dir=tmp_path, progress=explode)
    assert list(tmp_path.iterdir()) == []


def test_nothing_usable_is_refused_with_a_report(tmp_path):
    uploads = [("a.txt", b"words"), ("b.png", b""), ("c.png", b"<svg></svg>")]
    with pytest.raises(DataError, match="None of the 3 files could be used") as err:
        prepare_dataset(sources_from_uploads(uploads), GREY28, cache_dir=tmp_path)
    assert err.value.report.usable == 0 and err.value.report.skipped_count == 3
    assert npy_files(tmp_path) == []
    with pytest.raises(DataError, match="No files"):
        prepare_dataset([], GREY28, cache_dir=tmp_path)


def test_keeping_duplicates_when_asked(tmp_path):
    uploads = digit_pngs(2) + [("copy.png", digit_pngs(1)[0][1])]
    result = prepare_dataset(
        sources_from_uploads(uploads), PrepareOptions(size=28, channels=1, drop_duplicates=False), cache_dir=tmp_path
    )
    assert result.shape == (3, 28, 28, 1)


def test_zip_slip_upload_writes_only_in_the_cache(tmp_path):
    cache = tmp_path / "cache"
    archive = make_zip(None, [("../../escape.png", digit_pngs(1)[0][1])] + digit_pngs(2))
    result = prepare_dataset(sources_from_uploads([("a.zip", archive)]), GREY28, cache_dir=cache)
    assert result.report.usable == 2 and "unsafe path" in result.report.skipped[0][1]
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["cache", result.npy_path.name, f"{result.dataset_id}.json"]
    )


def test_default_cache_dir_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DCGAN_CACHE_DIR", str(tmp_path / "env-cache"))
    result = prepare_dataset([ImageSource(n, d) for n, d in digit_pngs(2)], GREY28)
    assert result.npy_path.parent == tmp_path / "env-cache"
    assert [d.dataset_id for d in list_datasets()] == [BUNDLED_DATASET_ID, BUNDLED_EMOJI_ID, result.dataset_id]


def test_listing_and_deleting(tmp_path):
    first = prepare_dataset(sources_from_uploads(digit_pngs(4)), GREY28, cache_dir=tmp_path, name="four digits")
    (tmp_path / "stray.npy").write_bytes(b"not ours")
    infos = list_datasets(tmp_path)
    assert infos[0].bundled and infos[0].dataset_id == BUNDLED_DATASET_ID and infos[0].shape == (5000, 28, 28, 1)
    assert infos[1].bundled and infos[1].dataset_id == BUNDLED_EMOJI_ID and infos[1].shape == (150, 64, 64, 3)
    assert [(i.dataset_id, i.name, i.shape, i.count) for i in infos[2:]] == [
        (first.dataset_id, "four digits", (4, 28, 28, 1), 4)
    ]
    assert infos[2].size_bytes == first.npy_path.stat().st_size and infos[2].created == first.manifest["created"]
    with pytest.raises(DataError, match="bundled"):
        delete_dataset(BUNDLED_DATASET_ID, tmp_path)
    with pytest.raises(DataError, match="bundled"):
        delete_dataset(BUNDLED_EMOJI_ID, tmp_path)
    for bad in ("../../etc/passwd", "stray", "", "0" * 19 + "/"):
        with pytest.raises(DataError):
            delete_dataset(bad, tmp_path)
    with pytest.raises(DataError, match="No cached dataset"):
        delete_dataset("0" * 20, tmp_path)
    delete_dataset(first.dataset_id, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stray.npy"]
    assert [i.dataset_id for i in list_datasets(tmp_path)] == [BUNDLED_DATASET_ID, BUNDLED_EMOJI_ID]


def test_open_dataset_checks_what_it_opens(tmp_path):
    good = tmp_path / "good.npy"
    np.save(good, np.zeros((2, 8, 8, 3), np.uint8))
    array = open_dataset(good)
    assert array.shape == (2, 8, 8, 3) and not array.flags.writeable
    for name, value in (
        ("floats.npy", np.zeros((2, 8, 8, 3), np.float32)),
        ("flat.npy", np.zeros((8, 8, 3), np.uint8)),
        ("four.npy", np.zeros((2, 8, 8, 4), np.uint8)),
        ("none.npy", np.zeros((0, 8, 8, 1), np.uint8)),
    ):
        np.save(tmp_path / name, value)
        with pytest.raises(DataError, match=name):
            open_dataset(tmp_path / name)
    (tmp_path / "junk.npy").write_bytes(b"junk")
    with pytest.raises(DataError, match="junk.npy"):
        open_dataset(tmp_path / "junk.npy")
    with pytest.raises(DataError, match="missing.npy"):
        open_dataset(tmp_path / "missing.npy")


def test_dataset_thumbnail_is_a_seeded_grid(tmp_path):
    from dcgan_core import bundled_dataset_path

    grid = dataset_thumbnail(bundled_dataset_path(), n=16, seed=3)
    assert grid.dtype == np.uint8 and grid.shape == (4 * 30 + 2, 4 * 30 + 2, 1)
    assert np.array_equal(grid, dataset_thumbnail(bundled_dataset_path(), n=16, seed=3))
    assert not np.array_equal(grid, dataset_thumbnail(bundled_dataset_path(), n=16, seed=4))
    small = tmp_path / "two.npy"
    np.save(small, np.full((2, 4, 4, 3), 200, np.uint8))
    assert dataset_thumbnail(small, n=16).shape == (1 * 6 + 2, 2 * 6 + 2, 3)


def test_stale_temp_files_of_killed_conversions_are_cleaned(tmp_path):
    stale, fresh = tmp_path / ".abc.dead.npy.tmp", tmp_path / ".abc.live.npy.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(stale, (0, 0))
    prepare_dataset(sources_from_uploads(digit_pngs(2)), GREY28, cache_dir=tmp_path)
    assert not stale.exists() and fresh.exists()
