"""Every page of the dashboard through Streamlit's AppTest, on real files and real training."""

from __future__ import annotations

from pathlib import Path

import pytest

from apptest_support import (
    app_env,  # noqa: F401  (fixture)
    assert_ok,
    digit_pngs,
    element_types,
    job_manager,
    new_app,
    open_page,
    svg_charts,
    texts,
    wait_for,
)
from dcgan_core import ImageSource, PrepareOptions, list_datasets, prepare_dataset


def trained(jobs, run_id: str, epochs: int) -> bool:
    """True once ``run_id`` has ``epochs`` epochs and a grid; fails at once if the run failed."""
    snap = jobs.snapshot(run_id)
    if snap.status == "failed":
        pytest.fail(f"the run failed: {snap.message}\n{snap.traceback}")
    return snap.epoch >= epochs and snap.latest_grid is not None


PAGES = ["pages/home.py", "pages/data.py", "pages/train.py", "pages/runs.py", "pages/explore.py"]


def small_dataset(cache: Path, n: int = 40, size: int = 28, name: str = "few digits"):
    """A real cached dataset of ``n`` bundled digits."""
    sources = [ImageSource(name, data) for name, data, _ in digit_pngs(n)]
    return prepare_dataset(sources, PrepareOptions(size=size, channels=1), cache_dir=cache, name=name)


# --- router, home and empty states ---------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_an_empty_install(app_env, page):
    at = open_page(page)
    assert "No training in progress" in texts(at)  # the sidebar is on every page


def test_home_offers_the_sample_digits(app_env):
    at = new_app()
    at.run()
    assert_ok(at)
    assert "DCGAN Studio" in texts(at)
    assert at.button(key="home_train_digits").label == "Train on the sample digits"
    assert "Recent runs" not in texts(at)


def test_runs_page_empty_state(app_env):
    at = open_page("pages/runs.py")
    assert "No runs yet" in texts(at)


def test_damaged_run_folder_is_listed_as_damaged_and_breaks_no_page(app_env):
    broken = app_env / "runs" / "20260101-000000-broken"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{ this is not json")
    for page in PAGES:
        open_page(page)
    at = open_page("pages/runs.py")
    table = at.dataframe[0].value
    row = table[table["Run"] == broken.name].iloc[0]
    assert "Damaged" in row["Status"]
    assert row["Problem"]
    assert "damaged" in texts(at)
    at.button(key=f"runs_delete_{broken.name}").click().run()
    assert_ok(at)
    at.button(key="runs_delete_yes").click().run()
    assert_ok(at)
    assert not broken.exists()
    assert "No runs yet" in texts(at)


# --- data page -----------------------------------------------------------------------------


def test_data_page_lists_the_bundled_sample_first(app_env):
    at = open_page("pages/data.py")
    page_text = texts(at)
    assert "ready to use" in page_text
    assert "5,000 images" in page_text
    assert "No images chosen yet" in page_text


def test_upload_converts_reports_and_caches(app_env):
    at = open_page("pages/data.py")
    at.segmented_control(key="data_kind").set_value("Images or zip files").run()
    files = digit_pngs(30) + [("digits/notes.png", b"this is a text file, not a picture", "image/png")]
    at.file_uploader(key="data_upload_Images or zip files").set_value(files).run()
    at.select_slider(key="data_size").set_value(28).run()
    at.radio(key="data_channels").set_value(1).run()
    assert_ok(at)
    assert "31 file(s)" in texts(at)
    at.text_input(key="data_name").set_value("my digits").run()
    at.button(key="data_convert").click().run()
    assert_ok(at)
    page_text = texts(at)
    assert "Usable images: 30" in page_text
    assert "Skipped: 1" in page_text
    skipped = at.dataframe[0].value
    assert list(skipped["File"]) == ["digits/notes.png"]
    assert skipped["Why"][0]
    infos = list_datasets(app_env / "cache")
    mine = [i for i in infos if i.name == "my digits"]
    assert len(mine) == 1 and mine[0].shape == (30, 28, 28, 1)
    assert "my digits" in page_text
    # The same images again, in another order: straight from the cache.
    at.file_uploader(key="data_upload_Images or zip files").set_value(list(reversed(files))).run()
    at.button(key="data_convert").click().run()
    assert_ok(at)
    assert any("cache" in s.label for s in at.status)
    assert len([i for i in list_datasets(app_env / "cache") if i.name == "my digits"]) == 1


def test_upload_of_only_bad_files_is_refused_with_a_reason(app_env):
    at = open_page("pages/data.py")
    at.segmented_control(key="data_kind").set_value("Images or zip files").run()
    at.file_uploader(key="data_upload_Images or zip files").set_value(
        [("empty.png", b"", "image/png"), ("fake.jpg", b"not a jpeg", "image/jpeg")]
    ).run()
    at.button(key="data_convert").click().run()
    assert_ok(at)
    assert at.error, "a refusal message is shown"
    assert not [i for i in list_datasets(app_env / "cache") if not i.bundled]


def test_delete_a_dataset_after_confirming(app_env):
    prepared = small_dataset(app_env / "cache")
    at = open_page("pages/data.py")
    assert "few digits" in texts(at)
    at.button(key=f"data_del_{prepared.dataset_id}").click().run()
    assert_ok(at)
    assert "will be removed" in texts(at)
    at.button(key="data_delete_no").click().run()
    assert prepared.npy_path.exists()
    at.button(key=f"data_del_{prepared.dataset_id}").click().run()
    at.button(key="data_delete_yes").click().run()
    assert_ok(at)
    assert not prepared.npy_path.exists()
    assert not [m for m in at.markdown if "few digits" in m.value]
    assert [t for t in at.toast if "Deleted few digits" in t.value]


# --- train page ----------------------------------------------------------------------------


def test_train_form_refuses_impossible_values(app_env):
    prepared = small_dataset(app_env / "cache", n=40)
    at = open_page("pages/train.py")
    at.selectbox(key="train_dataset_select").set_value(str(prepared.npy_path)).run()
    # out-of-range numbers never reach the run: the boxes hold them within their bounds
    for key, wrong in (("adv_epochs", 0), ("adv_epochs", -3), ("adv_g_lr", 5.0)):
        at.number_input(key=key).set_value(wrong).run()
        box = at.number_input(key=key)
        assert box.min <= box.value <= box.max and box.value != wrong
    at.number_input(key="adv_epochs").set_value(2)
    at.number_input(key="adv_batch_size").set_value(64).run()  # checked at once, no click needed
    assert_ok(at)
    assert "Batch size 64 is larger than the dataset (40 images)" in texts(at)
    assert at.button(key="train_start").disabled
    assert job_manager(app_env).jobs() == []
    assert not (app_env / "runs").exists() or not any((app_env / "runs").iterdir())


def test_a_preset_of_another_size_offers_to_convert_the_data(app_env):
    prepared = small_dataset(app_env / "cache", n=40, size=32, name="digits 32")
    at = open_page("pages/train.py")
    at.selectbox(key="train_dataset_select").set_value(str(prepared.npy_path)).run()
    at.selectbox(key="train_preset").set_value("mnist_tutorial").run()
    assert_ok(at)
    assert "makes 28x28 images" in texts(at)
    at.button(key="train_resize").click().run()
    assert_ok(at)
    converted = [i for i in list_datasets(app_env / "cache") if i.shape[1:] == (28, 28, 1) and not i.bundled]
    assert len(converted) == 1 and converted[0].count == 40
    assert at.selectbox(key="train_dataset_select").value == str(converted[0].path)
    assert "makes 28x28 images" not in texts(at)


def _tiny_settings(at, epochs: int = 3) -> None:
    at.number_input(key="adv_epochs").set_value(epochs)
    at.number_input(key="adv_steps_per_epoch").set_value(2)
    at.number_input(key="adv_batch_size").set_value(16)
    at.number_input(key="adv_width").set_value(0.25)
    at.number_input(key="adv_swd_every").set_value(0)


def test_advanced_toggles_and_smoothing_reach_the_run(app_env):
    jobs = job_manager(app_env)
    at = open_page("pages/train.py")
    assert at.toggle(key="adv_recalibrate_bn").value is True  # the recommended preset's default
    _tiny_settings(at, epochs=1)
    at.toggle(key="adv_recalibrate_bn").set_value(False)
    at.toggle(key="adv_augment").set_value(True)
    at.number_input(key="adv_real_label").set_value(0.9)
    at.button(key="train_start").click().run()
    assert_ok(at)
    [job] = jobs.jobs()
    assert (job.config.recalibrate_bn, job.config.augment, job.config.real_label) == (False, True, 0.9)


def test_start_queue_watch_stop_and_reload_a_tiny_run(app_env):
    jobs = job_manager(app_env)
    at = open_page("pages/train.py")
    _tiny_settings(at, epochs=200)
    at.button(key="train_start").click().run()
    assert_ok(at)
    [first] = jobs.jobs()
    assert [p.name for p in (app_env / "runs").iterdir()] == [first.run_id]
    assert first.config.epochs == 200 and first.config.steps_per_epoch == 2 and first.config.width == 0.25

    # A second start while the first trains waits in the queue.
    _tiny_settings(at, epochs=2)
    at.button(key="train_start").click().run()
    second = [j for j in jobs.jobs() if j.run_id != first.run_id][0]
    assert jobs.snapshot(second.run_id).status == "queued"
    at.selectbox(key="train_pick").set_value(second.run_id).run()
    assert "Queued (position 1)" in texts(at)  # the live view's note; the sidebar only counts the queue
    at.selectbox(key="train_pick").set_value(first.run_id).run()

    # The live view shows curves and the grid once an epoch is done (run_every does not
    # fire in AppTest, so run the page again).
    wait_for(lambda: trained(jobs, first.run_id, epochs=1), 300, "the first epoch")
    at.run()
    assert_ok(at)
    charts = " ".join(svg_charts(at))
    assert 'aria-label="Losses"' in charts and "Judge&#x27;s accuracy" in charts and "<path" in charts
    assert "image" in element_types(at)
    assert "Fixed-seed samples after epoch" in texts(at)
    header = [m.value for m in at.main.markdown if m.value.startswith("#### ")]
    assert header and ("Training" in header[0] or "Paused" in header[0])  # the live view, not the sidebar

    at.button(key="live_stop").click().run()
    assert_ok(at)
    wait_for(lambda: jobs.snapshot(first.run_id).status == "stopped", 120, "the stop")
    at.run()
    assert "Stopped" in texts(at)

    # A new session (a reload, a second browser) sees the same run and its history.
    other = open_page("pages/train.py")
    assert len(other.selectbox(key="train_pick").options) == 2
    assert any("Stopped" in o for o in other.selectbox(key="train_pick").options)
    runs = open_page("pages/runs.py")
    table = runs.dataframe[0].value
    assert first.run_id in list(table["Run"])


def test_failed_run_shows_its_reason_and_traceback(app_env):
    bad = app_env / "cache"
    bad.mkdir(parents=True)
    broken = bad / "broken.npy"
    broken.write_bytes(b"\x93NUMPY but not really")
    from dcgan_core import preset_config

    jobs = job_manager(app_env)
    config = preset_config(
        "custom",
        data_path=str(broken),
        image_size=28,
        channels=1,
        epochs=1,
        batch_size=8,
        steps_per_epoch=1,
        width=0.25,
        swd_every=0,
    )
    run_id = jobs.start(config, name="broken")
    wait_for(lambda: jobs.snapshot(run_id).status == "failed", 120, "the failure")
    at = open_page("pages/train.py")
    assert at.error and "Failed" in texts(at)
    assert any("traceback" in e.label.lower() for e in at.expander)
    runs = open_page("pages/runs.py")
    assert any("Failed" in s for s in runs.dataframe[0].value["Status"])


def _finished_run(app_env, epochs: int = 2) -> str:
    from dcgan_core import bundled_dataset_path, preset_config

    jobs = job_manager(app_env)
    config = preset_config(
        "custom",
        data_path=str(bundled_dataset_path()),
        image_size=28,
        channels=1,
        epochs=epochs,
        steps_per_epoch=2,
        batch_size=16,
        width=0.25,
        swd_every=0,
    )
    run_id = jobs.start(config, name="MNIST digits")
    wait_for(
        lambda: trained(jobs, run_id, epochs) and jobs.snapshot(run_id).status == "finished", 300, "the run to finish"
    )
    return run_id


def test_runs_page_scrubs_downloads_and_trains_more(app_env):
    run_id = _finished_run(app_env, epochs=2)
    jobs = job_manager(app_env)
    at = open_page("pages/runs.py")
    table = at.dataframe[0].value
    assert list(table["Run"]) == [run_id]
    assert "Finished" in table["Status"][0] and table["Epochs"][0] == "2 / 2"
    assert "Generator loss across runs" in str(at.get("plotly_chart")[0].proto.spec)
    timeline = at.select_slider(key=f"runs_timeline_{run_id}")
    assert list(timeline.options) == ["1", "2"]
    timeline.set_value(1).run()
    assert "Fixed-seed samples after epoch 1" in texts(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Generator (.keras)", "Metrics (CSV)", "Sample grid (PNG)"} <= set(labels)

    at.number_input(key=f"runs_extra_{run_id}").set_value(1)
    at.button(key=f"runs_continue_{run_id}").click().run()
    assert_ok(at)
    snap = wait_for(
        lambda: (s := jobs.snapshot(run_id)) and s.status == "finished" and s.epoch == 3 and s, 300, "the extra epoch"
    )
    assert snap.epochs_total == 3 and len(snap.history["g_loss"]) == 3
    runs = open_page("pages/runs.py")
    assert runs.dataframe[0].value["Epochs"][0] == "3 / 3"


def test_delete_is_refused_for_the_active_run(app_env):
    run_id = _finished_run(app_env, epochs=1)
    jobs = job_manager(app_env)
    jobs.continue_run(run_id, 500)
    at = open_page("pages/runs.py")
    assert at.button(key=f"runs_delete_{run_id}").disabled
    assert (app_env / "runs" / run_id).is_dir()


def test_home_one_click_trains_the_sample_digits(app_env):
    at = new_app()
    at.run()
    at.button(key="home_train_digits").click().run()
    assert_ok(at)
    jobs = job_manager(app_env)
    [job] = jobs.jobs()
    assert job.config.preset == "custom" and job.config.data_path.endswith("mnist_5k.npy")
    assert at.title[0].value == "🏋️ Train"  # the page's own title: the sidebar says "Training" everywhere
    header = [m.value for m in at.main.markdown if m.value.startswith("#### ")]
    assert header and "MNIST digits" in header[0]


def test_estimate_before_start_measures_this_machine(app_env):
    at = open_page("pages/train.py")
    _tiny_settings(at, epochs=4)
    at.button(key="train_estimate").click().run()
    assert_ok(at)
    page_text = texts(at)
    for label in ("Per epoch:", "Whole run:", "Memory:", "Parameters:"):
        assert label in page_text
    assert "Measured on **CPU" in page_text or "Measured on **GPU" in page_text
    assert job_manager(app_env).jobs() == []


def test_gaussian_toy_shows_histograms_and_kl_instead_of_images(app_env):
    jobs = job_manager(app_env)
    at = open_page("pages/train.py")
    at.selectbox(key="train_preset").set_value("gaussian_1d").run()
    assert "makes its own data" in texts(at)
    at.number_input(key="adv_epochs").set_value(20)
    at.number_input(key="adv_sample_every").set_value(5)
    at.button(key="train_start").click().run()
    assert_ok(at)
    [job] = jobs.jobs()
    wait_for(lambda: (s := jobs.snapshot(job.run_id)).status in ("finished", "failed") and s, 300, "the toy run")
    assert jobs.snapshot(job.run_id).status == "finished", jobs.snapshot(job.run_id).message
    at.run()
    assert_ok(at)
    charts = " ".join(svg_charts(at))
    assert "Real and generated densities" in charts and "KL divergence" in charts and "<rect" in charts
    assert "image" not in element_types(at)


def test_folder_upload_and_zip_upload(app_env):
    import io
    import zipfile

    at = open_page("pages/data.py")
    folder = at.file_uploader(key="data_upload_A folder")
    assert folder.accept_directory
    folder.set_value(digit_pngs(12)).run()
    at.radio(key="data_channels").set_value(1)
    at.select_slider(key="data_size").set_value(28)
    at.text_input(key="data_name").set_value("folder digits")
    at.button(key="data_convert").click().run()
    assert_ok(at)
    assert "Usable images: 12" in texts(at)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, _ in digit_pngs(20, start=100):
            archive.writestr(name, data)
        archive.writestr("../../outside.png", digit_pngs(1)[0][1])
    at.segmented_control(key="data_kind").set_value("Images or zip files").run()
    at.file_uploader(key="data_upload_Images or zip files").set_value(
        [("more.zip", buffer.getvalue(), "application/zip")]
    ).run()
    at.text_input(key="data_name").set_value("zipped digits")
    at.button(key="data_convert").click().run()
    assert_ok(at)
    assert "Usable images: 20" in texts(at)
    assert not (app_env / "outside.png").exists() and not (app_env.parent / "outside.png").exists()
    names = {i.name for i in list_datasets(app_env / "cache")}
    assert {"folder digits", "zipped digits"} <= names
