"""Sharing from the pages (AppTest): prepare and download exports, import a bundle on the Runs page."""

from __future__ import annotations

import zipfile
from pathlib import Path

from apptest_support import app_env, assert_ok, open_page, texts  # noqa: F401  (fixture)
from explore_support import train_digits_run

from dcgan_core import export_bundle, list_runs


def test_runs_page_prepares_a_web_demo_and_an_onnx_file_to_download(app_env: Path) -> None:
    run_dir = train_digits_run(app_env / "runs", app_env / "data")
    at = open_page("pages/runs.py")
    prefix = f"runs_{run_dir.name}"
    at.selectbox(key=f"{prefix}_share_fmt").set_value("web").run()
    at.button(key=f"{prefix}_share_go").click().run()
    assert_ok(at)
    demo = app_env / "runs" / ".exports" / run_dir.name / f"{run_dir.name}-demo.zip"
    assert demo.is_file()
    with zipfile.ZipFile(demo) as archive:
        assert f"{run_dir.name}-demo/index.html" in archive.namelist()
    assert any(b.label == f"Download {demo.name}" for b in at.get("download_button"))
    at.selectbox(key=f"{prefix}_share_fmt").set_value("onnx").run()
    at.button(key=f"{prefix}_share_go").click().run()  # written and checked by a short-lived worker
    assert_ok(at)
    assert any(b.label == f"Download {run_dir.name}.onnx" for b in at.get("download_button"))
    assert [r.run_id for r in list_runs(app_env / "runs")] == [run_dir.name]  # exports are no runs


def test_runs_page_imports_a_bundle_and_refuses_a_broken_one(app_env: Path, tmp_path: Path) -> None:
    elsewhere = train_digits_run(tmp_path / "elsewhere" / "runs", tmp_path / "elsewhere" / "data")
    bundle = export_bundle(elsewhere, tmp_path / "b.zip").read_bytes()
    at = open_page("pages/runs.py")
    at.file_uploader(key="runs_import").set_value(("not-a-bundle.zip", b"PK\x03\x04 nope", "application/zip")).run()
    assert_ok(at)
    assert "not-a-bundle.zip was not imported" in texts(at)
    assert list_runs(app_env / "runs") == []
    at.file_uploader(key="runs_import").set_value(("run.zip", bundle, "application/zip")).run()
    assert_ok(at)
    assert [r.run_id for r in list_runs(app_env / "runs")] == [elsewhere.name]
    assert at.selectbox(key="runs_pick").value == elsewhere.name
