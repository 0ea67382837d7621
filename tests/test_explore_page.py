"""The Explore page with AppTest on a real tiny run: sliders, tools, exports and bad input."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from apptest_support import APP, ROOT, _router_mode
from explore_support import copy_run, gif_frames, png_array, train_digits_run, train_gaussian_run

from dcgan_core import Exploration, Sampler, latent_from_seed, load_exploration, save_exploration
from dcgan_core.explore.explorations import latents_from_json
from dcgan_core.runs.folder import write_status

PAGE = "pages/explore.py"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("explore_page")
    return train_digits_run(root / "runs", root / "data")


class Media:
    """What the page handed to Streamlit's media store: image bytes by URL, downloads by file name."""

    def __init__(self) -> None:
        self.by_url: dict[str, bytes] = {}
        self.downloads: dict[str, Callable[[], Any] | bytes] = {}

    def image(self, element: Any) -> bytes:
        return self.by_url[element.proto.imgs[0].url]

    def download(self, name_part: str) -> bytes:
        matches = [v for k, v in self.downloads.items() if name_part in k]
        assert len(matches) == 1, (name_part, list(self.downloads))
        data = matches[0]() if callable(matches[0]) else matches[0]
        return data.encode() if isinstance(data, str) else bytes(data)


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Media:
    record = Media()
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def spy_add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        url = add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)
        record.by_url[url] = path_or_data
        if file_name:
            record.downloads[file_name] = path_or_data
        return url

    def spy_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        record.downloads[file_name or coordinates] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", spy_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return record


@pytest.fixture
def runs(tmp_path: Path, trained: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A runs folder holding a copy of the trained run; fresh Streamlit caches."""
    folder = tmp_path / "runs"
    folder.mkdir()
    copy_run(trained, folder, trained.name)
    monkeypatch.setenv("DCGAN_RUNS_DIR", str(folder))
    _router_mode(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield folder
    st.cache_resource.clear()
    st.cache_data.clear()


def _open() -> AppTest:
    """A fresh session on the app (the router, as a server runs it), switched to the explorer."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _run(target: Any) -> AppTest:
    """Run the page (``target`` is the AppTest or a widget whose new value to send); no exception."""
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    kinds = ("info", "warning", "error", "success", "caption", "markdown")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def _main_image(at: AppTest, media: Media) -> np.ndarray:
    return png_array(media.image(at.image[0]))


def _button(at: AppTest, text: str) -> Any:
    return next(b for b in at.button if text in str(b.label))


def test_sliders_seed_and_randomize_change_the_image(runs: Path, media: Media) -> None:
    at = _open()
    labels = [s.label for s in at.slider]
    assert labels[0].startswith("Direction 1 · explains ") and labels[0].endswith("% of the variety")
    shares = [float(label.split("explains ")[1].split("%")[0]) for label in labels[:5]]
    assert shares == sorted(shares, reverse=True)
    before = _main_image(at, media)
    _run(at.slider(key="ex_dir_0").set_value(3.0))
    moved = _main_image(at, media)
    assert moved.shape == before.shape and not np.array_equal(moved, before)
    _run(at.slider(key="ex_dir_0").set_value(0.0))
    np.testing.assert_array_equal(_main_image(at, media), before)  # back to the same image
    _run(at.slider(key="ex_dim_3").set_value(3.5))
    assert not np.array_equal(_main_image(at, media), before)
    assert at.session_state["ex_base"][3] == pytest.approx(3.5)
    _run(at.number_input(key="ex_seed").set_value(7))
    np.testing.assert_array_equal(at.session_state["ex_base"], latent_from_seed(7, 16))
    seven = _main_image(at, media)
    _run(_button(at, "Randomize").click())
    assert at.number_input(key="ex_seed").value != 7
    assert not np.array_equal(_main_image(at, media), seven)


def test_the_page_shows_what_the_sampler_draws(runs: Path, media: Media, trained: Path) -> None:
    at = _open()
    _run(at.number_input(key="ex_seed").set_value(5))
    shown = _main_image(at, media)
    expected = Sampler.from_run(trained).images(latent_from_seed(5, 16))[0, :, :, 0]
    factor = shown.shape[0] // 28
    np.testing.assert_array_equal(shown[::factor, ::factor], expected)


def test_directions_can_be_renamed_and_keep_their_value(runs: Path, media: Media) -> None:
    at = _open()
    _run(at.slider(key="ex_dir_1").set_value(1.5))
    _run(at.text_input(key="ex_name_1").input("thickness"))
    assert at.slider(key="ex_dir_1").label.startswith("thickness · explains")
    assert at.slider(key="ex_dir_1").value == 1.5


def test_grid_view_shows_sixteen_seeds(runs: Path, media: Media) -> None:
    at = _open()
    single = _main_image(at, media)
    _run(at.toggle(key="ex_grid").set_value(True))
    grid = _main_image(at, media)
    assert grid.shape[0] > single.shape[0] // 2 and grid.shape != single.shape
    assert at.session_state["ex_shown"].shape == (16, 16)


def test_variations_grid_and_click_to_adopt(runs: Path, media: Media) -> None:
    at = _open()
    before = _main_image(at, media)
    _run(_button(at, "Make variations").click())
    uses = [b for b in at.button if str(b.key).startswith("ex_use_var_")]
    assert len(uses) == 9
    found = at.session_state["ex_variations"]
    np.testing.assert_array_equal(found[4], at.session_state["ex_z"])  # the middle cell is the current image
    at.button(key="ex_use_var_0").click()
    _run(at)
    np.testing.assert_array_equal(at.session_state["ex_base"], found[0])
    assert at.session_state["ex_source"] == "variation 1"
    assert not np.array_equal(_main_image(at, media), before)


def test_interpolation_strip_plays_and_downloads_as_gif(runs: Path, media: Media) -> None:
    at = _open()
    _run(at.segmented_control(key="ex_panel").set_value("🎞️ Interpolation"))
    _run(at.slider(key="ex_frames").set_value(5))
    strip = png_array(media.image(at.image[1]))
    assert strip.shape[1] > 4 * strip.shape[0]  # five frames side by side
    frames = gif_frames(media.download("interpolation.gif"))
    assert len(frames) == 8  # five frames there and three back
    playing = media.image(at.image[2])
    assert playing[:3] == b"GIF"
    assert at.radio(key="ex_method").options == ["Smooth (spherical)", "Straight"]
    _run(at.radio(key="ex_method").set_value("lerp"))
    assert gif_frames(media.download("interpolation.gif"))[2].tobytes() != frames[2].tobytes()


def test_map_draws_a_grid_and_a_click_adopts_a_cell(runs: Path, media: Media) -> None:
    at = _open()
    _run(at.segmented_control(key="ex_panel").set_value("🗺️ 2-D map"))
    _run(_button(at, "Draw the map").click())
    cells = [b for b in at.button if str(b.key).startswith("ex_use_map_")]
    assert len(cells) == 25
    before = at.session_state["ex_base"].copy()
    at.button(key="ex_use_map_0").click()
    _run(at)
    assert at.session_state["ex_source"] == "map cell 1, 1"
    assert not np.array_equal(at.session_state["ex_base"], before)


def test_exports_are_valid_png_gif_and_json(runs: Path, media: Media, trained: Path) -> None:
    at = _open()
    _run(at.segmented_control(key="ex_panel").set_value("💾 Save & export"))
    _run(at.select_slider(key="ex_upscale").set_value(2))
    # every download carries its bytes: a deferred one is forgotten at the next rerun
    assert media.downloads and not any(callable(v) for v in media.downloads.values())
    png = png_array(media.download(".png"))
    assert png.shape == (56, 56)
    assert len(gif_frames(media.download("walk.gif"))) == 32
    latents = latents_from_json(media.download("latents.json"), expected_latent_dim=16)
    np.testing.assert_array_equal(latents[0].vector, at.session_state["ex_z"])
    saved = load_exploration(media.download("exploration.json"), expected_run_id=trained.name)
    assert [nv.name for nv in saved.directions][:2] == ["Direction 1", "Direction 2"]


def test_a_saved_exploration_loads_back_to_the_same_image(runs: Path, media: Media, trained: Path) -> None:
    at = _open()
    _run(at.slider(key="ex_dir_0").set_value(2.5))
    _run(at.segmented_control(key="ex_panel").set_value("💾 Save & export"))
    saved, image = media.download("exploration.json"), _main_image(at, media)
    _run(at.number_input(key="ex_seed").set_value(99))
    assert not np.array_equal(_main_image(at, media), image)
    _run(at.file_uploader(key="ex_upload").set_value([("mine.json", saved, "application/json")]))
    assert "Loaded mine.json" in _texts(at)
    np.testing.assert_array_equal(_main_image(at, media), image)
    assert at.slider(key="ex_dir_0").label.startswith("Direction 1 (saved)")


def test_explorations_of_another_run_or_latent_size_are_refused(runs: Path, media: Media, trained: Path) -> None:
    at = _open()
    _run(at.segmented_control(key="ex_panel").set_value("💾 Save & export"))
    other = save_exploration(Exploration("another-run", 2, 16, latents=[("a", np.zeros(16, np.float32))]))
    _run(at.file_uploader(key="ex_upload").set_value([("other.json", other, "application/json")]))
    assert "other.json cannot be loaded" in _texts(at) and "another-run" in _texts(at)
    wide = save_exploration(Exploration(trained.name, 2, 64, latents=[("a", np.zeros(64, np.float32))]))
    _run(at.file_uploader(key="ex_upload").set_value([("wide.json", wide, "application/json")]))
    assert "size 64" in _texts(at)
    _run(at.file_uploader(key="ex_upload").set_value([("junk.json", b"{not json", "application/json")]))
    assert "not valid JSON" in _texts(at)


def test_no_runs_and_a_run_without_checkpoints_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trained: Path
) -> None:
    monkeypatch.setenv("DCGAN_RUNS_DIR", str(tmp_path / "empty"))
    st.cache_resource.clear()
    assert "no runs yet" in _texts(_open())
    folder = tmp_path / "runs"
    fresh = copy_run(trained, folder, "fresh-run")
    for sub in ("generators", "checkpoints"):
        for path in (fresh / sub).iterdir():
            path.unlink()
    monkeypatch.setenv("DCGAN_RUNS_DIR", str(folder))
    at = _open()
    assert "has no saved generator" in _texts(at)
    assert [
        link
        for link in at.get("page_link")
        if link.proto.page.endswith("train.py") or "Train" in link.proto.label and link.proto.label != "Start a run"
    ]


def test_a_damaged_generator_file_shows_an_error(runs: Path, media: Media, trained: Path) -> None:
    (runs / trained.name / "generators" / "epoch_0002.onnx").write_bytes(b"PK\x03\x04 broken")
    at = _open()
    assert at.error and "damaged" in at.error[0].value
    _run(at.select_slider(key="ex_epoch").set_value(1))  # the other epoch still works
    assert not at.error and at.image


def test_an_epoch_that_no_longer_exists_falls_back_with_a_warning(runs: Path, media: Media, trained: Path) -> None:
    at = _open()
    _run(at.select_slider(key="ex_epoch").set_value(1))
    (runs / trained.name / "generators" / "epoch_0001.npz").unlink()
    _run(at)
    assert "Epoch 1 is no longer saved" in _texts(at)
    assert at.image


@contextlib.contextmanager
def _mark_running(run_dir: Path) -> Iterator[None]:
    """As if a worker process were training the run: its status says running and another process holds its lock."""
    write_status(run_dir, status="running")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); from dcgan_core.runs.ownership import RunLock; "
            f"assert RunLock({str(run_dir)!r}).acquire(); print('held', flush=True); "
            "time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_a_running_job_offers_live_weights(runs: Path, media: Media, trained: Path) -> None:
    with _mark_running(runs / trained.name):
        at = _open()
        assert at.toggle(key="ex_live").value is True
        assert "Live weights as of epoch **2**" in _texts(at)
        _run(at.toggle(key="ex_live").set_value(False))
        assert at.select_slider(key="ex_epoch").value == 2


def test_a_live_run_is_followed_to_each_new_epoch(runs: Path, media: Media, trained: Path, tmp_path: Path) -> None:
    run_dir = runs / trained.name
    newest = run_dir / "generators" / "epoch_0002.npz"
    held = tmp_path / "held.npz"
    with _mark_running(run_dir):
        newest.rename(held)  # only epoch 1 is saved so far
        at = _open()
        assert at.toggle(key="ex_live").value is True
        assert at.toggle(key="ex_live").label == "Follow the newest epoch"
        assert "Live weights as of epoch **1**" in _texts(at)
        held.rename(newest)  # the run saves epoch 2; the page's timer reruns it (run_every does not fire here)
        _run(at)
        assert "Live weights as of epoch **2**" in _texts(at)


def test_a_live_run_without_a_saved_epoch_waits_for_it(runs: Path, media: Media, trained: Path, tmp_path: Path) -> None:
    run_dir = runs / trained.name
    held = tmp_path / "generators"
    with _mark_running(run_dir):
        (run_dir / "generators").rename(held)
        at = _open()
        assert "still training its first epoch" in _texts(at)
        assert not at.image
        held.rename(run_dir / "generators")
        _run(at)
        assert "Live weights as of epoch **2**" in _texts(at) and at.image


def test_switching_runs_opens_the_other_run_at_its_newest_epoch(runs: Path, media: Media, trained: Path) -> None:
    other = copy_run(trained, runs, "00000000-000000-other")
    at = _open()
    _run(at.selectbox(key="ex_run").set_value(trained.name))
    _run(at.select_slider(key="ex_epoch").set_value(1))
    assert at.select_slider(key="ex_epoch").value == 1
    _run(at.selectbox(key="ex_run").set_value(other.name))
    assert at.select_slider(key="ex_epoch").value == 2  # not the previous run's epoch 1
    assert "no longer saved" not in _texts(at)
    options = at.selectbox(key="ex_run").options  # friendly names; a copy's same name gets its id's end
    assert len(set(options)) == 2 and all(o.startswith("digits · ") for o in options)
    assert any(o.endswith("(#ther)") for o in options)


def test_the_one_dimensional_toy_plots_values_on_the_real_density(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, media: Media
) -> None:
    train_gaussian_run(tmp_path / "runs")
    monkeypatch.setenv("DCGAN_RUNS_DIR", str(tmp_path / "runs"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = _open()
    value = at.metric[0].value
    assert at.get("plotly_chart")
    _run(at.slider(key="ex_dir_0").set_value(4.0))
    assert at.metric[0].value != value
    _run(at.segmented_control(key="ex_panel").set_value("🎞️ Interpolation"))
    assert len(at.get("plotly_chart")) == 2
    _run(at.segmented_control(key="ex_panel").set_value("💾 Save & export"))
    assert json.loads(media.download("latents.json"))["latent_dim"] == 16


def test_hostile_exploration_files_are_refused_with_a_message(runs: Path, media: Media, trained: Path) -> None:
    at = _open()
    _run(at.segmented_control(key="ex_panel").set_value("💾 Save & export"))
    deep = b"[" * 100_000 + b"]" * 100_000
    huge = (
        b'{"format": "dcgan-studio-exploration", "version": 1, "run_id": "x", "epoch": '
        + b"9" * 5_000
        + b', "latent_dim": 16, "latents": []}'
    )
    for name, data, reason in (
        ("deep.json", deep, "more than 8 levels deep"),
        ("huge.json", huge, "whole number with 5,000 digits"),
    ):
        _run(at.file_uploader(key="ex_upload").set_value([(name, data, "application/json")]))
        assert f"{name} cannot be loaded" in _texts(at) and reason in _texts(at)


def test_the_best_epoch_is_one_click_away(runs: Path, media: Media, trained: Path) -> None:
    write_status(runs / trained.name, best_epoch=1, best_swd=50.0)
    at = _open()
    assert at.select_slider(key="ex_epoch").value == 2
    _run(at.button(key="ex_best").click())
    assert at.select_slider(key="ex_epoch").value == 1
    assert "Epoch 1 is the best so far" in _texts(at)
    assert not [b for b in at.button if b.key == "ex_best"]
