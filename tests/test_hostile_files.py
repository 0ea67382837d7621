"""Hostile input on the file system and in zips: every failure is a reason, never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import dcgan_core.data.prepare as prepare_module
from dcgan_core import (
    DataError,
    PrepareOptions,
    list_datasets,
    prepare_dataset,
    preview_image,
    sources_from_folder,
    sources_from_uploads,
    sources_from_zip,
)
from dcgan_core.data.sources import SourceLimits
from dcgan_core.paths import project_root
from hostile_samples import MIB, repeated_zip, run_measured
from ingest_samples import digit_pngs, encode, make_zip, photo

PNG = encode(photo(24, 24), "PNG")
GREY = PrepareOptions(size=28, channels=1)


def reasons(sources):
    return {s.name: s.skip_reason for s in sources}


def digit_folder(path, n=3):
    path.mkdir()
    for name, data in digit_pngs(n):
        (path / name.split("/")[1]).write_bytes(data)
    return path


# --- special files and links ----------------------------------------------------------------


def test_link_loops_pipes_sockets_and_broken_links_are_listed_as_skipped(tmp_path):
    folder = digit_folder(tmp_path / "imgs", 2)
    (folder / "loop_a.png").symlink_to("loop_b.png")
    (folder / "loop_b.png").symlink_to("loop_a.png")
    (folder / "self.png").symlink_to("self.png")
    (folder / "gone.png").symlink_to("nowhere.png")
    os.mkfifo(folder / "pipe.png")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.png"))
    try:
        found = reasons(sources_from_folder(folder, lazy=True))
        assert "symbolic link loop" in found["loop_a.png"] and "symbolic link loop" in found["self.png"]
        assert "broken symbolic link" in found["gone.png"]
        assert "named pipe (FIFO), not a regular file" in found["pipe.png"]
        assert "socket, not a regular file" in found["sock.png"]
        result = prepare_dataset(sources_from_folder(folder, lazy=True), GREY, cache_dir=tmp_path / "cache")
    finally:
        server.close()
    assert result.report.usable == 2
    assert {name for name, _ in result.report.skipped} == {
        "loop_a.png",
        "loop_b.png",
        "self.png",
        "gone.png",
        "pipe.png",
        "sock.png",
    }


def test_a_pipe_put_in_place_of_a_file_after_listing_never_blocks(tmp_path):
    folder = digit_folder(tmp_path / "imgs", 2)
    sources = sources_from_folder(folder, lazy=True)
    os.unlink(folder / "0001.png")
    os.mkfifo(folder / "0001.png")  # a writer never comes: a plain open() would wait forever
    result = prepare_dataset(sources, GREY, cache_dir=tmp_path / "cache")
    assert result.report.usable == 1
    assert "not a regular file" in dict(result.report.skipped)["0001.png"]


def test_a_link_loop_or_a_pipe_as_the_source_is_refused(tmp_path):
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(DataError, match="loop cannot be read .*symbolic links"):
        sources_from_folder(tmp_path / "loop")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(DataError, match="pipe is a named pipe \\(FIFO\\), not a folder or a zip archive"):
        sources_from_folder(tmp_path / "pipe")


# --- the cache folder ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("a_file", "it is a file, not a folder"),
        ("a_file/cache", "part of its path is a file"),
        ("a_file/deeper/cache", "part of its path is a file"),
    ],
)
def test_an_impossible_cache_folder_is_a_data_error(tmp_path, where, message):
    (tmp_path / "a_file").write_text("I am in the way")
    with pytest.raises(DataError, match=message):
        prepare_dataset(sources_from_uploads(digit_pngs(2)), GREY, cache_dir=tmp_path / where)
    assert (tmp_path / "a_file").read_text() == "I am in the way"


def test_a_cache_folder_that_cannot_be_created_even_by_root(tmp_path):
    with pytest.raises(DataError, match="cache folder /proc/.* cannot be created"):
        prepare_dataset(sources_from_uploads(digit_pngs(2)), GREY, cache_dir="/proc/dcgan-cache-test")


def test_a_full_disk_during_conversion_is_a_data_error_and_leaves_nothing(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    found = run_measured(f"""
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
from ingest_samples import digit_pngs
try:
    prepare_dataset(sources_from_uploads(digit_pngs(60)), PrepareOptions(size=64), cache_dir={str(cache)!r})
except DataError as err:
    RESULT = {{"error": str(err)}}
""")
    assert "could not be written to the cache folder" in found["error"] and "nothing was saved" in found["error"]
    assert list(cache.iterdir()) == []


def test_cli_prints_one_line_and_exits_2_for_every_file_system_failure(tmp_path):
    folder = digit_folder(tmp_path / "imgs", 2)
    (folder / "loop.png").symlink_to("loop.png")
    os.mkfifo(folder / "pipe.png")
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "loop").symlink_to("loop")
    cases = [
        ([str(folder), "--cache-dir", str(tmp_path / "a_file")], "it is a file, not a folder"),
        ([str(folder), "--cache-dir", str(tmp_path / "a_file" / "c")], "part of its path is a file"),
        ([str(folder), "--cache-dir", "/proc/dcgan-cli-test"], "cannot be created"),
        ([str(tmp_path / "loop"), "--cache-dir", str(tmp_path / "c")], "symbolic links"),
    ]
    for argv, message in cases:
        done = subprocess.run(
            [sys.executable, "-m", "dcgan_core", "prepare", *argv],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "dcgan_core",
            "prepare",
            str(folder),
            "--cache-dir",
            str(tmp_path / "c"),
            "--size",
            "28",
            "--channels",
            "1",
        ],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "skipped loop.png: is a symbolic link loop" in ok.stdout and "skipped pipe.png: is a named pipe" in ok.stdout


# --- zip caps across one request ------------------------------------------------------------


def test_a_zip_of_many_small_zero_members_is_refused_as_a_whole():
    bomb = repeated_zip(1900)  # every member is under the 1 MiB floor of the per-member check
    assert len(bomb) < 3 * MIB
    with pytest.raises(DataError, match=r"bomb\.zip would unpack 2,1\d\d,\d{3} bytes into 1,992,294,400 .*zip bomb"):
        sources_from_zip(bomb, "bomb.zip")
    found = sources_from_uploads([("bomb.zip", bomb), ("ok.png", PNG)])
    assert "zip bomb" in reasons(found)["bomb.zip"] and reasons(found)["ok.png"] is None


def test_archive_caps_hold_for_the_whole_request():
    a = make_zip(None, [(f"a{i}.png", PNG) for i in range(4)], compress=False)
    b = make_zip(None, [(f"b{i}.png", PNG) for i in range(4)], compress=False)
    one_archive = 4 * len(PNG)
    limits = SourceLimits(max_request_bytes=one_archive + 10)
    found = reasons(sources_from_uploads([("a.zip", a), ("b.zip", b)], limits))
    assert all(found[f"a.zip/a{i}.png"] is None for i in range(4))
    assert "more than the" in found["b.zip"] and "limit per upload or folder" in found["b.zip"]
    with pytest.raises(DataError, match="number of files past the limit of 6"):
        sources_from_uploads([("a.zip", a), ("b.zip", b)], SourceLimits(max_members=6))


def test_several_bomb_like_archives_add_up(tmp_path):
    # each archive alone stays under the ratio floor; together they would unpack 6 MiB from a few KiB
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(6):
        (folder / f"part{k}.zip").write_bytes(repeated_zip(1, prefix=f"p{k}_"))
    found = reasons(sources_from_folder(folder, limits=SourceLimits(ratio_floor_bytes=int(1.5 * MIB))))
    assert found["part0.zip/p0_00000.png"] is None
    assert "with the archives before it" in found["part5.zip"] and "zip bomb" in found["part5.zip"]


def test_zip_members_are_not_held_in_memory(tmp_path):
    path = tmp_path / "set.zip"
    make_zip(path, digit_pngs(3))
    for source in sources_from_folder(path) + sources_from_zip(path.read_bytes(), "set.zip"):
        assert source.data == b"" and source.size and source.read().startswith(b"\x89PNG")


def test_folder_file_count_is_capped(tmp_path):
    folder = digit_folder(tmp_path / "imgs", 5)
    with pytest.raises(DataError, match="past the limit of 4"):
        sources_from_folder(folder, limits=SourceLimits(max_members=4))


# --- the manifest and the .npy appear together ---------------------------------------------


def test_the_manifest_is_written_before_the_npy_appears(tmp_path, monkeypatch):
    seen = []
    real = prepare_module.atomic_write_json

    def spy(path, data, compact=False):
        seen.append(path.with_suffix(".npy").exists())
        real(path, data, compact)

    monkeypatch.setattr(prepare_module, "atomic_write_json", spy)
    result = prepare_dataset(sources_from_uploads(digit_pngs(3)), GREY, cache_dir=tmp_path)
    assert seen == [False] and result.npy_path.exists()


def test_a_crash_between_the_two_files_leaves_nothing_listed_and_is_cleaned(tmp_path, monkeypatch):
    real_replace = os.replace

    def crash(src, dst):
        if str(src).endswith(".npy.tmp"):
            raise KeyboardInterrupt  # the process dies between the manifest and the rename of the .npy
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        prepare_dataset(sources_from_uploads(digit_pngs(3)), GREY, cache_dir=tmp_path, name="crashed")
    monkeypatch.undo()
    (manifest,) = tmp_path.glob("*.json")
    assert not list(tmp_path.glob("*.npy")) and not list(tmp_path.glob(".*.tmp"))
    assert [d.name for d in list_datasets(tmp_path) if not d.bundled] == []
    assert manifest.exists()  # fresh: a conversion in progress is never disturbed
    old = time.time() - 3600
    os.utime(manifest, (old, old))
    orphan_npy = tmp_path / ("f" * 20 + ".npy")  # left by an older version that renamed first
    np.save(orphan_npy, np.zeros((1, 8, 8, 1), np.uint8))
    os.utime(orphan_npy, (old, old))
    list_datasets(tmp_path)
    assert not manifest.exists() and not orphan_npy.exists()
    again = prepare_dataset(sources_from_uploads(digit_pngs(3)), GREY, cache_dir=tmp_path, name="again")
    assert [d.name for d in list_datasets(tmp_path) if not d.bundled] == ["again"]
    assert json.loads(again.npy_path.with_suffix(".json").read_text())["count"] == 3


def test_deep_folders_and_links_to_folders_are_listed_not_followed(tmp_path):
    root = tmp_path / "deep"
    root.mkdir()
    (root / "top.png").write_bytes(PNG)
    (root / "link_to_self").symlink_to(".")
    folder = root
    for _ in range(100):
        folder = folder / "d"
        os.mkdir(folder)
    (folder / "bottom.png").write_bytes(PNG)
    found = reasons(sources_from_folder(root, lazy=True))
    assert found["top.png"] is None
    assert "link to a folder" in found["link_to_self"]
    (deepest,) = [name for name, why in found.items() if why and "nested more than 64 levels" in why]
    assert deepest.count("/") == 64 and "bottom.png" not in "".join(found)


def test_zip_directories_too_big_to_parse_and_absurd_names_are_refused():
    archive = repeated_zip(20, payload=b"x" * 100)
    with pytest.raises(DataError, match="holds 20 files; the limit is 10"):
        sources_from_zip(archive, "many.zip", SourceLimits(max_members=10))
    with pytest.raises(DataError, match="table of contents of 1,\\d{3} bytes, more than the 1,000-byte limit"):
        sources_from_zip(archive, "many.zip", SourceLimits(max_directory_bytes=1000))
    long_name = make_zip(None, [("n" * 5_000 + ".png", PNG), ("ok.png", PNG)])
    found = reasons(sources_from_zip(long_name, "names.zip"))
    assert found["names.zip/ok.png"] is None
    (shown,) = [n for n in found if n != "names.zip/ok.png"]
    assert len(shown) < 250 and "name of 5,004 characters" in found[shown]


def test_damaged_zip_members_are_skipped_in_a_conversion_and_in_a_preview(tmp_path):
    big = encode(photo(300, 300), "PNG")
    good = make_zip(None, [("a.png", big)], compress=False)
    offset = good.index(b"a.png") + len(big) // 2  # in the middle of the member: found only when read
    broken = good[:offset] + bytes(b ^ 0xFF for b in good[offset : offset + 40]) + good[offset + 40 :]
    uploads = [("broken.zip", broken)] + [(name, data) for name, data in digit_pngs(2)]
    sources = sources_from_uploads(uploads)
    assert sources[0].name == "broken.zip/a.png" and sources[0].skip_reason is None  # found only when read
    result = prepare_dataset(sources, GREY, cache_dir=tmp_path)
    assert result.report.usable == 2
    assert "could not be" in dict(result.report.skipped)["broken.zip/a.png"]
    with pytest.raises(DataError, match=r"^broken\.zip/a\.png (could not be|is damaged)"):
        preview_image(sources[0], GREY)
