"""Collecting files: folders, uploads and zip archives, with every unsafe case refused."""

from __future__ import annotations

import os
import stat
import zipfile

import pytest

from dcgan_core import DataError, sources_from_folder, sources_from_uploads, sources_from_zip
from dcgan_core.data.sources import SourceLimits
from ingest_samples import digit_pngs, encode, make_zip, photo

PNG = encode(photo(20, 20), "PNG")


def by_name(sources):
    return {s.name: s for s in sources}


def test_folder_is_read_recursively_with_relative_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "cat.png").write_bytes(PNG)
    (tmp_path / "b" / "cat.png").write_bytes(PNG + b"")  # same name, other folder
    (tmp_path / "b" / "deep" / "dog.jpg").write_bytes(b"jpegish")
    found = by_name(sources_from_folder(tmp_path))
    assert set(found) == {"a/cat.png", "b/cat.png", "b/deep/dog.jpg"}
    assert found["a/cat.png"].data == PNG and found["a/cat.png"].path is None


def test_hidden_files_macos_metadata_and_clutter_are_ignored_silently(tmp_path):
    (tmp_path / "keep.png").write_bytes(PNG)
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / "._keep.png").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "keep.png").write_bytes(b"junk")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.png").write_bytes(PNG)
    assert [s.name for s in sources_from_folder(tmp_path)] == ["keep.png"]


def test_lazy_folder_sources_read_on_demand(tmp_path):
    (tmp_path / "one.png").write_bytes(PNG)
    (source,) = sources_from_folder(tmp_path, lazy=True)
    assert source.data == b"" and source.path == tmp_path / "one.png"
    assert source.read() == PNG


def test_non_utf8_file_names_become_printable(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.png"
    with open(raw, "wb") as handle:
        handle.write(PNG)
    (source,) = sources_from_folder(tmp_path)
    assert source.name == "caf\ufffd.png" and source.data == PNG
    source.name.encode("utf-8")  # printable in any UI


def test_links_out_of_the_folder_are_not_followed(tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "link.png").symlink_to(outside)
    (source,) = sources_from_folder(folder)
    assert source.data == b"" and "outside the folder" in source.skip_reason


def test_empty_or_missing_folder_is_refused(tmp_path):
    with pytest.raises(DataError, match="is empty"):
        sources_from_folder(tmp_path)
    (tmp_path / ".hidden.png").write_bytes(PNG)
    with pytest.raises(DataError, match="is empty"):
        sources_from_folder(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        sources_from_folder(tmp_path / "nope")


def test_oversized_files_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "big.png").write_bytes(PNG)
    (source,) = sources_from_folder(tmp_path, limits=SourceLimits(max_file_bytes=10))
    assert "limit per file" in source.skip_reason


def test_zip_with_nested_folders_keeps_member_paths(tmp_path):
    members = digit_pngs(3) + [("more/deeper/x.png", PNG), ("__MACOSX/more/._x.png", b"meta"), (".hidden.png", PNG)]
    found = sources_from_zip(make_zip(None, members), "set.zip")
    assert [s.name for s in found] == [
        "set.zip/digits/0000.png",
        "set.zip/digits/0001.png",
        "set.zip/digits/0002.png",
        "set.zip/more/deeper/x.png",
    ]
    assert found[3].read() == PNG and all(s.skip_reason is None for s in found)


def test_zip_slip_names_are_skipped_and_never_touch_the_disk(tmp_path):
    data = make_zip(None, [("../../evil.png", PNG), ("/etc/evil.png", PNG), ("ok/../../x.png", PNG), ("fine.png", PNG)])
    before = set(tmp_path.parent.iterdir())
    found = by_name(sources_from_zip(data, "slip.zip"))
    assert found["slip.zip/fine.png"].read() == PNG
    for bad in ("slip.zip/../../evil.png", "slip.zip//etc/evil.png", "slip.zip/ok/../../x.png"):
        assert "unsafe path" in found[bad].skip_reason and found[bad].data == b""
    assert set(tmp_path.parent.iterdir()) == before


def test_symlink_members_are_skipped():
    link = zipfile.ZipInfo("link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    found = by_name(sources_from_zip(make_zip(None, [(link, b"/etc/passwd"), ("a.png", PNG)]), "l.zip"))
    assert "symbolic link" in found["l.zip/link.png"].skip_reason
    assert found["l.zip/a.png"].read() == PNG


def test_zip_bomb_members_and_archives_are_capped():
    bomb = make_zip(None, [("zeros.png", b"\x00" * (8 * 2**20)), ("a.png", PNG)])
    found = by_name(sources_from_zip(bomb, "bomb.zip"))
    assert "looks like a zip bomb" in found["bomb.zip/zeros.png"].skip_reason
    assert found["bomb.zip/a.png"].read() == PNG
    with pytest.raises(DataError, match="would unpack to .* more than the 1,000-byte limit"):
        sources_from_zip(
            make_zip(None, [("a.png", PNG), ("b.png", PNG)]), "a.zip", SourceLimits(max_archive_bytes=1000)
        )


def test_nested_zip_is_skipped_with_a_reason():
    inner = make_zip(None, [("x.png", PNG)])
    found = by_name(sources_from_zip(make_zip(None, [("inner.zip", inner), ("disguised.png", inner)]), "o.zip"))
    assert "zip inside a zip" in found["o.zip/inner.zip"].skip_reason
    assert "zip inside a zip" in found["o.zip/disguised.png"].skip_reason


def test_a_zip_that_is_not_a_zip_is_refused():
    with pytest.raises(DataError, match="fake.zip is not a readable zip archive"):
        sources_from_zip(b"PK\x03\x04 this is not really an archive", "fake.zip")
    with pytest.raises(DataError, match="fake.zip is not a readable zip"):
        sources_from_zip(PNG, "fake.zip")


def test_non_utf8_member_names_are_kept_printable():
    data = make_zip(None, [("cafX.png", PNG)]).replace(b"cafX.png", b"caf\xe9.png")
    (source,) = sources_from_zip(data, "latin.zip")
    assert source.read() == PNG and source.name.startswith("latin.zip/caf") and source.name.endswith(".png")
    source.name.encode("utf-8")


def test_uploads_keep_relative_names_and_expand_zips():
    archive = make_zip(None, [("inside/a.png", PNG)])
    uploads = [
        ("trip/day1/a.png", PNG),
        ("trip/day2/a.png", PNG),
        ("more.zip", archive),
        ("broken.zip", b"not a zip at all"),
        ("trip/.DS_Store", b"x"),
        ("__MACOSX/trip/._a.png", b"x"),
    ]
    found = sources_from_uploads(uploads)
    names = [s.name for s in found]
    assert names == ["trip/day1/a.png", "trip/day2/a.png", "more.zip/inside/a.png", "broken.zip"]
    assert found[2].read() == PNG
    assert "not a readable zip archive" in found[3].skip_reason


def test_folder_source_can_be_a_zip_file(tmp_path):
    path = tmp_path / "set.zip"
    make_zip(path, digit_pngs(2))
    assert [s.name for s in sources_from_folder(path)] == ["set.zip/digits/0000.png", "set.zip/digits/0001.png"]
    (tmp_path / "bad.zip").write_bytes(b"nope")
    with pytest.raises(DataError, match="bad.zip is not a readable zip"):
        sources_from_folder(tmp_path / "bad.zip")
