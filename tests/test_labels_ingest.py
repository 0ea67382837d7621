"""Labels at ingestion: classes from folders, zips and directory uploads, in the manifest, the key and the report."""

from __future__ import annotations

import argparse
import hashlib
import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from apptest_support import app_env, assert_ok, open_page, texts  # noqa: F401  (fixture)
from dcgan_core import (
    PrepareOptions,
    list_datasets,
    open_dataset,
    prepare_dataset,
    read_dataset_classes,
    sources_from_folder,
    sources_from_uploads,
)
from dcgan_core.data.health import HealthReport
from dcgan_core.data.folder_labels import MAX_CLASS_NAME, class_name, labels_from_names
from dcgan_core.cli.prepare import add_prepare_command, run_prepare
from ingest_samples import digit_pngs, digits, make_zip
from ui.labels import plain

GREY28 = PrepareOptions(size=28, channels=1)
PNGS = [data for _, data in digit_pngs(60)]  # 60 distinct real digits as PNG bytes
ROWS = {hashlib.sha256(data).hexdigest(): digit for data, digit in zip(PNGS, digits(60))}


def write_tree(root: Path, layout: dict[str, range]) -> Path:
    """Digit PNGs under ``root``: ``{"cats": range(0, 10)}`` puts digits 0-9 in ``root/cats``."""
    for folder, picks in layout.items():
        where = root / folder if folder else root
        where.mkdir(parents=True, exist_ok=True)
        for i in picks:
            (where / f"d{i:03d}.png").write_bytes(PNGS[i])
    return root


def uploads(layout: dict[str, range], top: str = "") -> list[tuple[str, bytes]]:
    """The same layout as ``(name, bytes)`` uploads, under the folder ``top`` when given."""
    lead = f"{top}/" if top else ""
    return [
        (f"{lead}{folder + '/' if folder else ''}d{i:03d}.png", PNGS[i])
        for folder, picks in layout.items()
        for i in picks
    ]


def classes_of(result) -> dict[str, int]:
    """{class name: images} read back from the manifest on disk."""
    found = read_dataset_classes(result.npy_path)
    assert found is not None, "the dataset is labelled"
    return dict(zip(found.names, found.counts()))


def label_of_row(result) -> list[str]:
    """The class name each row of the .npy carries."""
    found = read_dataset_classes(result.npy_path)
    return [found.names[k] for k in found.labels]


def old_style_id(shas: list[str], options: PrepareOptions) -> str:
    """The dataset id every conversion had before labels: options and sorted content hashes only."""
    payload = json.dumps({"v": 1, "options": options.to_dict(), "files": sorted(shas)}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


# --- classes from names --------------------------------------------------------------------------


def test_names_of_a_folder_a_zip_a_directory_upload_and_two_zips_give_the_same_classes():
    cases = [
        ["cats/a.png", "dogs/b.png", "cats/c.png"],
        ["pets.zip/cats/a.png", "pets.zip/dogs/b.png", "pets.zip/cats/c.png"],
        ["myfolder/cats/a.png", "myfolder/dogs/b.png", "myfolder/cats/c.png"],
        ["cats.zip/a.png", "dogs.zip/b.png", "cats.zip/c.png"],
        ["pets.zip/pets/cats/a.png", "pets.zip/pets/dogs/b.png", "pets.zip/pets/cats/c.png"],
        ["pets\\cats\\a.png", "pets\\dogs\\b.png", "pets\\cats\\c.png"],
    ]
    for names in cases:
        found = labels_from_names(names)
        assert found.labelled and found.classes == ("cats", "dogs") and found.labels == (0, 1, 0), names


def test_classes_are_sorted_naturally_and_deeper_folders_belong_to_their_first_level():
    found = labels_from_names(["10/a.png", "2/b.png", "1/c.png", "2/x/y/z/d.png", "10/deep/e.png"])
    assert found.classes == ("1", "2", "10")
    assert found.labels == (2, 1, 0, 1, 2)
    assert found.counts() == [1, 2, 2]


def test_no_classes_for_flat_one_folder_mixed_or_too_many_with_plain_reasons():
    flat = labels_from_names(["a.png", "b.png"])
    assert not flat.labelled and not flat.had_folders and "no image sits in a subfolder" in flat.reason
    single = labels_from_names(["cats/a.png", "cats/b.png"])
    assert not single.labelled and single.reason == "all images sit in one folder (cats), so there are no classes"
    wrapped = labels_from_names(["upload/a.png", "upload/b.png"])
    assert not wrapped.labelled and "one folder (upload)" in wrapped.reason
    mixed = labels_from_names(["x/a.png", "x/b.png", "x/cats/c.png", "x/dogs/d.png"])
    assert not mixed.labelled and mixed.reason.startswith(
        "2 images sit at the top level beside the subfolders cats, dogs"
    )
    many = labels_from_names([f"c{i}/a.png" for i in range(1001)])
    assert not many.labelled and "1,001 subfolders, more than the limit of 1,000 classes" in many.reason
    assert labels_from_names([]).reason == "there are no images"


def test_class_names_are_normalised_shortened_merged_and_only_text():
    nfd, nfc = unicodedata.normalize("NFD", "Café"), "Café"
    long_a, long_b = "a" * 50 + " one", "a" * 50 + " two"
    found = labels_from_names(
        [
            f"{nfd}/1.png",
            f"{nfc}/2.png",
            f"{nfc}/2b.png",
            "CAFÉ /3.png",
            "猫/4.png",
            "  new\n\tline /5.png",
            f"{long_a}/6.png",
            f"{long_b}/7.png",
            "../../etc/8.png",
        ]
    )
    assert found.labelled
    assert found.classes.count("Café") == 1 and "猫" in found.classes and "new line" in found.classes
    assert found.counts()[found.classes.index("Café")] == 4  # three folders, one class named after the largest
    assert any(len(g) == 3 for g in found.merged)
    shortened = [c for c in found.classes if c.startswith("aaaa")]
    assert len(shortened) == 2 and len(set(shortened)) == 2  # alike in their first 40 characters, still two names
    assert all(len(c) <= MAX_CLASS_NAME and "…" in c for c in shortened)
    assert all(unicodedata.is_normalized("NFC", c) for c in found.classes)
    assert class_name("holiday.zip") == "holiday" and class_name("   ") == "(no name)"
    # a folder called ".." is a name like any other: only text, never a path
    assert ".." in found.classes


def test_only_case_differences_make_one_class_and_say_so():
    found = labels_from_names(["Cats/a.png", "cats/b.png"])
    assert not found.labelled and "one class once case and spacing are ignored" in found.reason
    assert found.merged == (("“Cats”", "“cats”"),)


# --- conversion: manifest, cache key, cache hits ------------------------------------------------


def test_labels_from_a_real_folder_nested_and_empty_subfolders(tmp_path):
    root = write_tree(
        tmp_path / "pets", {"cats": range(0, 20), "cats/kittens/tiny": range(20, 25), "dogs": range(25, 50)}
    )
    (root / "birds").mkdir()  # an empty subfolder makes no class
    (root / "fish" / "empty").mkdir(parents=True)
    (root / "readme.txt").write_text("a text beside the folders is skipped, not an image at the top level")
    result = prepare_dataset(sources_from_folder(root, lazy=True), GREY28, cache_dir=tmp_path / "cache")
    assert result.manifest["classes"] == ["cats", "dogs"]
    assert classes_of(result) == {"cats": 25, "dogs": 25}
    # each row carries the class of its file's first-level folder
    expected = {
        img["sha256"]: ("cats" if img["name"].startswith("cats/") else "dogs") for img in result.manifest["images"]
    }
    assert label_of_row(result) == [expected[img["sha256"]] for img in result.manifest["images"]]
    array = open_dataset(result.npy_path)
    first = result.manifest["images"][0]["sha256"]
    assert np.array_equal(array[0], ROWS[first])
    assert result.report.classes == (("cats", 25), ("dogs", 25))
    assert result.report.skipped == (("readme.txt", result.report.skipped[0][1]),)


def test_labels_from_a_zip_on_disk_and_from_two_uploaded_zips(tmp_path):
    layout = {"cats": range(0, 21), "dogs": range(21, 42)}
    archive = tmp_path / "pets.zip"
    make_zip(archive, uploads(layout, top="pets"))
    from_zip = prepare_dataset(sources_from_folder(archive, lazy=True), GREY28, cache_dir=tmp_path / "cache")
    assert classes_of(from_zip) == {"cats": 21, "dogs": 21}
    two = [
        ("cats.zip", make_zip(None, uploads({"": layout["cats"]}))),
        ("dogs.zip", make_zip(None, uploads({"": layout["dogs"]}))),
    ]
    from_two = prepare_dataset(sources_from_uploads(two), GREY28, cache_dir=tmp_path / "cache")
    assert classes_of(from_two) == {"cats": 21, "dogs": 21}
    # the same files in the same classes are the same dataset, whichever way they came
    assert from_two.dataset_id == from_zip.dataset_id and from_two.from_cache
    folder = write_tree(tmp_path / "pets", layout)
    again = prepare_dataset(sources_from_folder(folder, lazy=True), GREY28, cache_dir=tmp_path / "cache")
    assert again.from_cache and again.dataset_id == from_zip.dataset_id


def test_the_key_includes_the_labels_and_a_flat_set_keeps_its_old_id(tmp_path):
    cache = tmp_path / "cache"
    a = prepare_dataset(
        sources_from_uploads(uploads({"cats": range(0, 20), "dogs": range(20, 40)})), GREY28, cache_dir=cache
    )
    b = prepare_dataset(
        sources_from_uploads(uploads({"cats": range(0, 30), "dogs": range(30, 40)})), GREY28, cache_dir=cache
    )
    c = prepare_dataset(
        sources_from_uploads(uploads({"left": range(0, 20), "right": range(20, 40)})), GREY28, cache_dir=cache
    )
    flat = prepare_dataset(sources_from_uploads(uploads({"": range(0, 40)})), GREY28, cache_dir=cache)
    ids = {a.dataset_id, b.dataset_id, c.dataset_id, flat.dataset_id}
    assert len(ids) == 4 and not any(r.from_cache for r in (a, b, c, flat))
    assert classes_of(a) == {"cats": 20, "dogs": 20} and classes_of(b) == {"cats": 30, "dogs": 10}
    assert classes_of(c) == {"left": 20, "right": 20} and read_dataset_classes(flat.npy_path) is None
    shas = [hashlib.sha256(d).hexdigest() for d in PNGS[:40]]
    assert flat.dataset_id == old_style_id(shas, GREY28) and a.dataset_id != old_style_id(shas, GREY28)
    assert "classes" not in flat.manifest and "labels" not in flat.manifest
    assert a.manifest["base_key"] == flat.manifest["key"]
    # one folder only (a wrapping folder, a directory upload) is the flat set, from the cache
    wrapped = prepare_dataset(sources_from_uploads(uploads({"cats": range(0, 40)})), GREY28, cache_dir=cache)
    assert wrapped.from_cache and wrapped.dataset_id == flat.dataset_id
    assert wrapped.report.class_note == "all images sit in one folder (cats), so there are no classes"
    assert flat.report.class_note == ""
    on_disk = {info.dataset_id: info.classes for info in list_datasets(cache)}
    assert on_disk[a.dataset_id] == ("cats", "dogs") and on_disk[flat.dataset_id] == ()


def test_a_cache_hit_returns_the_same_labels_even_with_a_text_file_beside_the_folders(tmp_path):
    cache = tmp_path / "cache"
    layout = {"a/x": range(0, 20), "a/y": range(20, 45)}
    files = uploads(layout) + [("notes.txt", b"a text at the top level, skipped")]
    first = prepare_dataset(sources_from_uploads(files), GREY28, cache_dir=cache)
    assert classes_of(first) == {"x": 20, "y": 25}
    again = prepare_dataset(sources_from_uploads(list(reversed(files))), GREY28, cache_dir=cache, name="renamed")
    assert again.from_cache and again.dataset_id == first.dataset_id
    assert (
        again.manifest["classes"] == first.manifest["classes"] and again.manifest["labels"] == first.manifest["labels"]
    )
    assert again.report.classes == first.report.classes == (("x", 20), ("y", 25))
    assert read_dataset_classes(again.npy_path).counts() == [20, 25]
    flat = prepare_dataset(sources_from_uploads(uploads({"": range(0, 45)})), GREY28, cache_dir=cache)
    assert not flat.from_cache and flat.dataset_id != first.dataset_id and flat.report.classes == ()


def test_one_subfolder_only_is_unlabelled_and_the_cli_says_why(tmp_path, capsys):
    root = write_tree(tmp_path / "only", {"cats": range(0, 12)})
    parser = argparse.ArgumentParser(prog="dcgan_core")
    add_prepare_command(parser.add_subparsers(dest="command", required=True))
    argv = ["prepare", str(root), "--size", "28", "--channels", "1", "--cache-dir", str(tmp_path / "cache")]
    assert run_prepare(parser.parse_args(argv)) == 0
    out = capsys.readouterr().out
    assert "no classes" in out and "No classes: all images sit in one folder (cats), so there are no classes." in out
    npy = Path(out.splitlines()[0])
    assert read_dataset_classes(npy) is None and "classes" not in json.loads(npy.with_suffix(".json").read_text())


def test_the_cli_prints_the_classes(tmp_path, capsys):
    root = write_tree(tmp_path / "pets", {"cats": range(0, 20), "dogs": range(20, 40)})
    parser = argparse.ArgumentParser(prog="dcgan_core")
    add_prepare_command(parser.add_subparsers(dest="command", required=True))
    argv = ["prepare", str(root), "--size", "28", "--channels", "1", "--cache-dir", str(tmp_path / "cache")]
    assert run_prepare(parser.parse_args(argv)) == 0
    out = capsys.readouterr().out
    assert ", 2 classes" in out and "2 classes: cats 20, dogs 20." in out


def test_images_beside_subfolders_make_no_classes_naming_how_many(tmp_path):
    root = write_tree(tmp_path / "mixed", {"": range(0, 3), "cats": range(3, 23), "dogs": range(23, 43)})
    result = prepare_dataset(sources_from_folder(root), GREY28, cache_dir=tmp_path / "cache")
    assert read_dataset_classes(result.npy_path) is None and result.report.classes == ()
    assert result.report.class_note.startswith("3 images sit at the top level beside the subfolders cats, dogs")
    assert "No classes: 3 images sit at the top level" in result.report.summary()


def test_unicode_long_and_duplicate_after_normalisation_folder_names(tmp_path):
    long_name = "Photos from the summer holiday at grandmother's house"
    root = write_tree(
        tmp_path / "odd",
        {
            unicodedata.normalize("NFD", "Café"): range(0, 10),
            "café": range(10, 20),
            "猫": range(20, 40),
            long_name: range(40, 60),
        },
    )
    result = prepare_dataset(sources_from_folder(root), GREY28, cache_dir=tmp_path / "cache")
    found = classes_of(result)
    short = long_name[: MAX_CLASS_NAME - 1] + "…"
    assert found == {"Café": 20, short: 20, "猫": 20}
    assert any("were taken as one class" in w and "Café" in w for w in result.report.warnings)
    assert not (tmp_path / "cache" / "猫").exists() and sorted(p.suffix for p in (tmp_path / "cache").iterdir()) == [
        ".json",
        ".npy",
    ]


def test_a_class_with_a_single_image_is_kept_and_warned_and_imbalance_is_warned(tmp_path):
    root = write_tree(tmp_path / "few", {"common": range(0, 30), "rare": range(30, 31)})
    result = prepare_dataset(sources_from_folder(root), GREY28, cache_dir=tmp_path / "cache")
    assert classes_of(result) == {"common": 30, "rare": 1} and result.shape[0] == 31
    report = result.report
    assert report.classes == (("common", 30), ("rare", 1))
    small = [w for w in report.warnings if "too small to learn" in w]
    assert small == [
        "1 of 2 classes has fewer than 20 images, too small to learn: rare (1). "
        "Add images to them, or leave their folders out."
    ]
    assert any("strongly unbalanced" in w and "common has 30" in w and "rare only 1" in w for w in report.warnings)
    balanced = prepare_dataset(
        sources_from_folder(write_tree(tmp_path / "even", {"a": range(0, 25), "b": range(25, 50)})),
        GREY28,
        cache_dir=tmp_path / "cache",
    )
    assert balanced.report.classes == (("a", 25), ("b", 25))
    assert not any("too small" in w or "unbalanced" in w for w in balanced.report.warnings)


def test_a_file_in_two_classes_is_kept_once_in_the_class_of_its_first_copy(tmp_path):
    layout = {"cats": range(0, 20), "dogs": range(20, 40)}
    files = uploads(layout) + [("dogs/copy-of-a-cat.png", PNGS[0])]
    result = prepare_dataset(sources_from_uploads(files), GREY28, cache_dir=tmp_path / "cache")
    assert classes_of(result) == {"cats": 20, "dogs": 20}
    assert (
        "1 image was found in more than one class; each was kept once, in the class of its first copy."
        in result.report.warnings
    )
    kept = prepare_dataset(
        sources_from_uploads(files),
        PrepareOptions(size=28, channels=1, drop_duplicates=False),
        cache_dir=tmp_path / "cache",
    )
    assert classes_of(kept) == {"cats": 20, "dogs": 21}
    assert not any("more than one class" in w for w in kept.report.warnings)


def test_the_health_report_round_trips_with_its_classes(tmp_path):
    root = write_tree(tmp_path / "pets", {"cats": range(0, 25), "dogs": range(25, 30)})
    result = prepare_dataset(sources_from_folder(root), GREY28, cache_dir=tmp_path / "cache")
    stored = result.manifest["report"]
    assert stored["classes"] == [["cats", 25], ["dogs", 5]] and stored["class_note"] == ""
    back = HealthReport.from_dict(json.loads(json.dumps(stored)))
    assert back.to_dict() == stored and back.classes == (("cats", 25), ("dogs", 5))
    note = prepare_dataset(sources_from_uploads(uploads({"cats": range(0, 5)})), GREY28, cache_dir=tmp_path / "cache")
    assert HealthReport.from_dict(note.manifest["report"]).class_note.startswith("all images sit in one folder")


def test_resizing_a_labelled_dataset_keeps_its_classes(tmp_path, monkeypatch):
    monkeypatch.setenv("DCGAN_CACHE_DIR", str(tmp_path / "cache"))
    from ui.datasets import resize_dataset

    root = write_tree(tmp_path / "pets", {"cats": range(0, 21), "dogs": range(21, 30)})
    result = prepare_dataset(sources_from_folder(root), GREY28, cache_dir=tmp_path / "cache")
    bigger = resize_dataset(result.npy_path, "pets", 32, 1)
    assert bigger.shape == (30, 32, 32, 1) and classes_of(bigger) == {"cats": 21, "dogs": 9}


def test_the_bundled_digits_are_listed_with_ten_classes(tmp_path):
    digits_info = next(i for i in list_datasets(tmp_path) if i.dataset_id == "mnist_5k")
    assert digits_info.classes == tuple(str(d) for d in range(10))
    emoji = [i for i in list_datasets(tmp_path) if i.dataset_id == "emoji_faces"]
    assert all(i.classes == () for i in emoji)


# --- the Data page ------------------------------------------------------------------------------


def test_a_directory_upload_and_a_zip_upload_show_their_classes_on_the_data_page(app_env):
    at = open_page("pages/data.py")
    assert "10 classes" in texts(at)  # the bundled digits in the list
    folder = at.file_uploader(key="data_upload_A folder")
    folder.set_value(
        [(n, d, "image/png") for n, d in uploads({"cats": range(0, 22), "dogs": range(22, 25)}, top="myfolder")]
    ).run()
    at.radio(key="data_channels").set_value(1)
    at.select_slider(key="data_size").set_value(28)
    at.text_input(key="data_name").set_value("my pets")
    at.button(key="data_convert").click().run()
    assert_ok(at)
    page = texts(at)
    assert "2 classes" in page and "one per subfolder" in page
    table = next(df.value for df in at.dataframe if list(df.value.columns) == ["Class", "Images"])
    assert list(table["Class"]) == ["cats", "dogs"] and list(table["Images"]) == [22, 3]
    assert any("too small to learn" in w.value and "dogs (3)" in w.value for w in at.warning)
    assert any("strongly unbalanced" in w.value for w in at.warning)
    mine = next(i for i in list_datasets(app_env / "cache") if i.name == "my pets")
    assert mine.classes == ("cats", "dogs")
    assert any("**my pets**" in m.value and "2 classes" in m.value for m in at.markdown)

    zipped = make_zip(None, uploads({"birds": range(30, 50), "fish": range(50, 60)}, top="animals"))
    at.segmented_control(key="data_kind").set_value("Images or zip files").run()
    at.file_uploader(key="data_upload_Images or zip files").set_value(
        [("animals.zip", zipped, "application/zip")]
    ).run()
    at.text_input(key="data_name").set_value("zipped animals")
    at.button(key="data_convert").click().run()
    assert_ok(at)
    table = next(df.value for df in at.dataframe if list(df.value.columns) == ["Class", "Images"])
    assert list(table["Class"]) == ["birds", "fish"] and list(table["Images"]) == [20, 10]
    converted = next(i for i in list_datasets(app_env / "cache") if i.name == "zipped animals")
    assert read_dataset_classes(converted.path).counts() == [20, 10] and converted.classes == ("birds", "fish")


def test_a_directory_upload_of_one_folder_says_there_are_no_classes(app_env):
    at = open_page("pages/data.py")
    at.file_uploader(key="data_upload_A folder").set_value(
        [(n, d, "image/png") for n, d in uploads({"": range(0, 6)}, top="holiday")]
    ).run()
    at.radio(key="data_channels").set_value(1)
    at.select_slider(key="data_size").set_value(28)
    at.button(key="data_convert").click().run()
    assert_ok(at)
    notes = [i.value for i in at.info if "No classes" in i.value]
    assert notes == [
        "No classes: all images sit in one folder (holiday), so there are no classes. "
        "Put each class of images in its own subfolder to train and draw by class."
    ]
    assert not [df for df in at.dataframe if list(df.value.columns) == ["Class", "Images"]]


@pytest.mark.parametrize("name", ["[click](example.com)", "**bold**"])
def test_class_names_from_folders_are_shown_as_text(app_env, name):
    at = open_page("pages/data.py")
    at.file_uploader(key="data_upload_A folder").set_value(
        [(n, d, "image/png") for n, d in uploads({name: range(0, 3), "plain": range(3, 6)}, top="up")]
    ).run()
    at.radio(key="data_channels").set_value(1)
    at.select_slider(key="data_size").set_value(28)
    at.button(key="data_convert").click().run()
    assert_ok(at)
    table = next(df.value for df in at.dataframe if list(df.value.columns) == ["Class", "Images"])
    assert name in list(table["Class"])
    small = [w.value for w in at.warning if "too small to learn" in w.value]
    assert small and name not in small[0] and plain(name) in small[0] and plain(name) != name
