"""The small-data journey in the pages (AppTest): chosen defaults, the emoji offer, transfer, disk use,
the augmentation strength and the coach's one-click remedy."""

from __future__ import annotations

import numpy as np

from apptest_support import app_env, assert_ok, job_manager, new_app, open_page, svg_charts, texts, wait_for  # noqa: F401
from dcgan_core import bundled_dataset_path, bundled_emoji_path, create_run, train_run
from engine_support import digits_npy, tiny_config


def test_train_page_shows_and_applies_the_settings_chosen_for_the_data(app_env):
    at = open_page("pages/train.py")
    emoji = str(bundled_emoji_path())
    at.selectbox(key="train_dataset_select").set_value(emoji).run()
    assert_ok(at)
    page = texts(at)
    assert "Chosen for Face emoji" in page and "150 images: augmentation on, adaptive" in page
    assert at.toggle(key="adv_augment_ops").value is True
    assert at.number_input(key="adv_augment_p").value == 0.5
    assert at.number_input(key="adv_batch_size").value == 32 and at.number_input(key="adv_width").value == 0.25
    # the digits get other choices: enough images, augmentation off
    at.selectbox(key="train_dataset_select").set_value(str(bundled_dataset_path())).run()
    assert "augmentation off" in texts(at) and at.toggle(key="adv_augment_ops").value is False
    # back on the emoji, an override wins and the time schedule of the choice is kept
    at.selectbox(key="train_dataset_select").set_value(emoji).run()
    at.number_input(key="adv_epochs").set_value(1)
    at.number_input(key="adv_steps_per_epoch").set_value(1)
    at.number_input(key="adv_width").set_value(0.125)
    at.number_input(key="adv_augment_p").set_value(0.8)
    at.number_input(key="adv_swd_every").set_value(0)
    at.button(key="train_start").click().run()
    assert_ok(at)
    [job] = job_manager(app_env).jobs()
    config = job.config
    assert (config.augment_ops, config.augment_p, config.width) == ("color,translation,cutout", 0.8, 0.125)
    assert config.sample_every_seconds > 0 and config.max_snapshots > 0


def test_absurd_augmentation_and_an_incompatible_source_run_are_refused(app_env):
    source = create_run(tiny_config(digits_npy(app_env, 64), epochs=1, swd_every=0), app_env / "runs")
    assert train_run(source).status == "finished"
    at = open_page("pages/train.py")
    strength = at.number_input(key="adv_augment_p")
    assert (strength.min, strength.max) == (0.0, 1.0)  # an absurd strength cannot even be typed in
    at.number_input(key="adv_augment_p").set_value(0.2)
    at.selectbox(key="adv_init_from_run").set_value(str(source))
    at.button(key="train_start").click().run()
    assert_ok(at)
    assert "Cannot start from run" in texts(at) and "width 0.25 vs 1" in texts(at)
    assert [j.run_id for j in job_manager(app_env).jobs()] == [source.name]  # nothing new started


def test_home_offers_the_face_emoji(app_env):
    at = new_app()
    at.run()
    at.button(key="home_train_emoji").click().run()
    assert_ok(at)
    [job] = job_manager(app_env).jobs()
    assert job.config.data_path == str(bundled_emoji_path()) and job.config.augment_ops
    job_manager(app_env).stop(job.run_id)


def test_runs_page_shows_disk_use(app_env):
    run = create_run(tiny_config(digits_npy(app_env, 64), epochs=1, swd_every=0), app_env / "runs")
    assert train_run(run).status == "finished"
    at = open_page("pages/runs.py")
    table = at.dataframe[0].value
    assert "Disk" in table.columns and ("KB" in table["Disk"][0] or "MB" in table["Disk"][0])


def test_live_view_shows_strength_and_the_coach_remedy_continues_the_run(app_env):
    jobs = job_manager(app_env)
    config = tiny_config(
        digits_npy(app_env, 32), epochs=5, batch_size=8, steps_per_epoch=4, swd_every=0, d_lr=2e-3, g_lr=1e-7
    )  # a judge that memorises 32 digits
    run_id = jobs.start(config)
    assert jobs.wait(run_id, timeout=300).status == "finished"
    at = open_page("pages/train.py")
    assert "memorising" in texts(at)
    at.button(key="coach_fix_overfitting").click().run()
    assert_ok(at)
    wait_for(
        lambda: jobs.snapshot(run_id).status == "finished" and jobs.snapshot(run_id).epoch > 5,
        300,
        "the remedy's continuation",
    )
    snap = jobs.snapshot(run_id)
    assert snap.config.augment_ops and snap.config.augment_p == 0.5 and snap.epoch >= 15
    at.run()
    assert_ok(at)
    assert "Augmentation strength" in texts(at)
    assert any("Augmentation strength" in chart for chart in svg_charts(at))
    assert np.isfinite(snap.history["augment_p"][-1])


def test_settings_can_be_fitted_to_the_measured_speed(app_env):
    at = open_page("pages/train.py")
    at.selectbox(key="train_dataset_select").set_value(str(bundled_emoji_path())).run()
    assert "speed not measured" in texts(at)
    at.button(key="train_estimate").click().run()
    assert_ok(at)
    assert "Measured on **CPU" in texts(at) or "Measured on **GPU" in texts(at)
    at.button(key="train_fit_speed").click().run()
    assert_ok(at)
    page = texts(at)
    assert "speed not measured" not in page and "images/s at full width" in page
    assert job_manager(app_env).jobs() == []
