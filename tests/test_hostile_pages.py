"""The Data page meets hostile uploads: the same reasons as the engine, and never an exception."""

from __future__ import annotations

from apptest_support import app_env, assert_ok, digit_pngs, open_page, texts  # noqa: F401  (fixture)
from dcgan_core import list_datasets
from hostile_samples import big_png, repeated_zip


def _upload(at, files) -> None:
    at.segmented_control(key="data_kind").set_value("Images or zip files").run()
    at.file_uploader(key="data_upload_Images or zip files").set_value(files).run()
    assert_ok(at)


def test_large_images_and_a_zip_bomb_upload_converts_with_reasons(app_env):
    at = open_page("pages/data.py")
    files = digit_pngs(4) + [
        ("grey16.png", big_png(7000, 7000, "I;16"), "image/png"),
        ("zeros.zip", repeated_zip(1900), "application/zip"),
    ]
    _upload(at, files)
    assert "zeros.zip: would unpack" in texts(at) and "zip bomb" in texts(at)  # the preview says why
    at.select_slider(key="data_size").set_value(28).run()
    at.radio(key="data_channels").set_value(1).run()
    at.button(key="data_convert").click().run()
    assert_ok(at)
    page = texts(at)
    assert "Usable images: 5" in page and "Skipped: 1" in page
    skipped = at.dataframe[0].value
    assert list(skipped["File"]) == ["zeros.zip"] and "looks like a zip bomb" in skipped["Why"][0]
    assert any(info.shape == (5, 28, 28, 1) for info in list_datasets(app_env / "cache"))


def test_a_cache_folder_under_a_file_is_a_message_not_a_traceback(app_env, monkeypatch):
    blocker = app_env / "blocker"
    blocker.write_text("a file where the cache folder should go")
    monkeypatch.setenv("DCGAN_CACHE_DIR", str(blocker / "cache"))
    at = open_page("pages/data.py")
    _upload(at, digit_pngs(3))
    at.button(key="data_convert").click().run()
    assert_ok(at)
    assert any("part of its path is a file" in e.value for e in at.error)
    assert blocker.read_text().startswith("a file where")
