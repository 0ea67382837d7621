"""Drawing by class in the pages (AppTest): the Train page's switch and class table, the Explore
page's class picker, class blend and saved class."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from apptest_support import app_env, assert_ok, job_manager, open_page, texts  # noqa: F401
from explore_support import png_array
from test_conditional import conditional_config, labelled_digits
from test_explore_page import Media, media, runs  # noqa: F401  (runs copies this module's own trained run)

from dcgan_core import bundled_dataset_path, bundled_emoji_path, create_run, latent_from_seed, train_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("conditional_pages")
    run_dir = create_run(conditional_config(labelled_digits(root / "data")), root / "runs", dataset_name="digits")
    assert train_run(run_dir).status == "finished"
    return run_dir


# ---- Train ------------------------------------------------------------------------------------
def test_the_train_page_draws_by_class_for_labelled_data_only(app_env):
    at = open_page("pages/train.py")
    at.selectbox(key="train_dataset_select").set_value(str(bundled_dataset_path())).run()
    assert_ok(at)
    assert "10 classes (0, 1, 2, 3, ...): drawing by class is on" in texts(at)
    assert at.toggle(key="adv_conditional").value is True
    at.selectbox(key="train_dataset_select").set_value(str(bundled_emoji_path())).run()
    assert_ok(at)
    switch = at.toggle(key="adv_conditional")
    assert switch.disabled and switch.value is False  # no classes: the switch is off and explains why
    assert "sorted into one subfolder per class" in switch.help
    assert "drawing by class" not in texts(at)


def test_starting_with_and_without_classes(app_env):
    at = open_page("pages/train.py")
    at.selectbox(key="train_dataset_select").set_value(str(bundled_dataset_path())).run()
    for key, value in (("adv_epochs", 1), ("adv_steps_per_epoch", 1), ("adv_width", 0.125), ("adv_swd_every", 0)):
        at.number_input(key=key).set_value(value)
    at.toggle(key="adv_conditional").set_value(False)
    at.button(key="train_start").click().run()
    assert_ok(at)
    [first] = job_manager(app_env).jobs()
    assert not first.config.conditional and first.config.class_names == ()
    at.toggle(key="adv_conditional").set_value(True)
    at.button(key="train_start").click().run()
    assert_ok(at)
    second = next(j for j in job_manager(app_env).jobs() if j.run_id != first.run_id)
    assert second.config.conditional and second.config.class_names == tuple(str(i) for i in range(10))


# ---- Explore ----------------------------------------------------------------------------------
def _open_explore():
    at = open_page("pages/explore.py")
    return at


def test_the_class_picker_redraws_the_same_seed_as_another_class(runs: Path, media: Media) -> None:
    at = _open_explore()
    picker = at.selectbox(key="ex_class")
    assert list(picker.options) == [str(i) for i in range(10)] and picker.value == "0"
    at.number_input(key="ex_seed").set_value(4).run()
    zero = png_array(media.image(at.image[0]))
    base = np.array(at.session_state["ex_base"])
    at.selectbox(key="ex_class").set_value("7").run()
    assert_ok(at)
    seven = png_array(media.image(at.image[0]))
    assert not np.array_equal(zero, seven)
    np.testing.assert_array_equal(at.session_state["ex_base"], base)  # the same seed, another class
    np.testing.assert_array_equal(base, latent_from_seed(4, 16))
    assert "class 7" in texts(at)


def test_the_class_blend_strip_and_the_saved_class(runs: Path, media: Media) -> None:
    at = _open_explore()
    at.selectbox(key="ex_class").set_value("2").run()
    at.segmented_control(key="ex_panel").set_value("🎞️ Interpolation").run()
    assert_ok(at)
    blend = next(img for img in at.image if "class blended from 0 to 1" in str(img.proto.imgs[0].caption))
    strip = png_array(media.image(blend))
    frames = at.slider(key="ex_frames").value
    assert strip.shape[1] > strip.shape[0] * (frames - 1)  # one row of frames
    at.selectbox(key="ex_blend_b").set_value("9").run()
    assert "from 0 to 9" in texts(at)
    at.segmented_control(key="ex_panel").set_value("💾 Save & export").run()
    assert_ok(at)
    saved = json.loads(media.download("exploration.json"))
    assert saved["class"] == "2"


def test_the_live_view_shows_the_per_class_table(runs: Path, trained: Path) -> None:
    at = open_page("pages/train.py")
    page = texts(at)
    assert "one row per class, top to bottom: 0, 1, 2" in page
    assert "of 10** classes draw samples closest to their own real images" in page
    [table] = [d.value for d in at.dataframe if "Follows its class" in d.value.columns]
    assert list(table["Class"]) == [str(i) for i in range(10)]
    assert set(table["Follows its class"]) <= {"✅", "❌"}
