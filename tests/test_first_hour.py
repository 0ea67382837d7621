"""A new user's first hour (issue 15): each screen tells the truth, in plain words.

AppTest on real files and real (tiny) training. Every check looks at something only the
page under test draws: the sidebar is on every page, so its texts prove nothing here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from collections.abc import Iterator


from apptest_support import (
    app_env,  # noqa: F401  (fixture)
    assert_ok,
    digit_pngs,
    job_manager,
    open_page,
    svg_charts,
    texts,
    wait_for,
)
from dcgan_core import (
    ImageSource,
    PrepareOptions,
    bundled_dataset_path,
    list_runs,
    prepare_dataset,
    preset_config,
    rename_run,
    run_display_name,
)
from ui.labels import BOUNDS, FIELD_LABELS, field_of, humanize
from ui.names import dataset_title, distinct, upload_name


# --- helpers -------------------------------------------------------------------------------


def _walk(node: Any, path: tuple = ()) -> Iterator[tuple[Any, tuple]]:
    """Every node of an AppTest tree with the blocks above it (outermost first)."""
    yield node, path
    for child in getattr(node, "children", {}).values():
        yield from _walk(child, path + (node,))


def _parent_of(at, predicate) -> Any:
    """The block directly holding the first node for which ``predicate`` is true."""
    for node, path in _walk(at._tree):
        if predicate(node):
            return path[-1]
    raise AssertionError("no such element on the page")


def _in_expander(at, predicate) -> bool:
    for node, path in _walk(at._tree):
        if predicate(node):
            return any(getattr(block, "type", "") == "expandable" for block in path)
    raise AssertionError("no such element on the page")


def _main_texts(at) -> str:
    """Texts of the page itself, not of the sidebar."""
    return "\n".join(
        str(getattr(node, "value", ""))
        for node, _ in _walk(at.main)
        if getattr(node, "type", "") in ("markdown", "caption", "info", "warning", "error", "title")
    )


def _live_header(at) -> str:
    """The live view's heading ("#### <status> · <run name>"), drawn by the Train page only."""
    heads = [m.value for m in at.main.markdown if m.value.startswith("#### ")]
    assert heads, "the live view is not shown"
    return heads[0]


def _tiny(data: str, epochs: int, **extra):
    return preset_config(
        "custom",
        data_path=data,
        image_size=28,
        channels=1,
        epochs=epochs,
        steps_per_epoch=2,
        batch_size=16,
        width=0.25,
        swd_every=0,
        **extra,
    )


def _tiny_settings(at, epochs: int) -> None:
    at.number_input(key="adv_epochs").set_value(epochs)
    at.number_input(key="adv_steps_per_epoch").set_value(2)
    at.number_input(key="adv_batch_size").set_value(16)
    at.number_input(key="adv_width").set_value(0.25)
    at.number_input(key="adv_swd_every").set_value(0)


def _small_dataset(cache: Path, n: int = 40, name: str = "few digits"):
    sources = [ImageSource(file, data) for file, data, _ in digit_pngs(n)]
    return prepare_dataset(sources, PrepareOptions(size=28, channels=1), cache_dir=cache, name=name)


# --- plain words: pure parts ---------------------------------------------------------------


def test_engine_messages_use_the_fields_labels():
    assert (
        humanize("g_lr must be between 1e-07 and 1, got 5.0.")
        == "Generator learning rate must be between 1e-07 and 1, got 5.0."
    )
    assert humanize("steps_per_epoch must be a whole number, got 1.5.").startswith("Steps per epoch must")
    assert (
        humanize("real_label must be larger than fake_label.")
        == "Target for real images must be larger than Target for generated images."
    )
    assert field_of("batch_size 64 is larger than the dataset") == "batch_size"
    assert field_of("The dataset has too few images") is None
    assert "g_lr" not in humanize("g_lr must be between 1e-07 and 1")
    # every bounded field has a label, and every bound fits the engine's own limits
    assert set(BOUNDS) <= set(FIELD_LABELS)
    assert BOUNDS["epochs"][1] <= 10_000


def test_run_names_are_dataset_and_time_and_can_be_renamed(tmp_path):
    created = dt.datetime(2026, 12, 4, 14, 5, tzinfo=dt.UTC)
    name = run_display_name({"dataset_name": "digits", "created": created.isoformat()})
    local = created.astimezone()
    assert name == f"digits · Dec 4 {local:%H:%M}"
    assert run_display_name({"dataset_name": "digits", "display_name": "My best", "created": "x"}) == "My best"

    from dcgan_core import create_run

    folder = create_run(_tiny(str(bundled_dataset_path()), 1), tmp_path, dataset_name="MNIST digits")
    [summary] = list_runs(tmp_path)
    assert summary.display_name.startswith("MNIST digits · ")
    assert rename_run(folder.name, "  first   try ", runs_dir=tmp_path) == "first try"
    assert list_runs(tmp_path)[0].display_name == "first try" and list_runs(tmp_path)[0].run_id == folder.name
    assert rename_run(folder.name, "", runs_dir=tmp_path).startswith("MNIST digits · ")


def test_uploaded_files_suggest_a_sensible_dataset_name():
    day = dt.date(2026, 12, 4)
    assert upload_name(["faces/a.png", "faces/b.png"], today=day) == "faces"
    assert upload_name(["photos/faces/a.png", "photos/faces/b.png"], today=day) == "faces"
    assert upload_name(["holiday.zip"], today=day) == "holiday"
    assert upload_name(["fake.jpg", "1f479.png", "cat.png"], today=day) == "3 uploaded images · Dec 4"
    assert upload_name(["fake.jpg", "digits/a.png"], today=day) == "2 uploaded images · Dec 4"


def test_run_labels_stay_short_and_tell_runs_apart():
    from types import SimpleNamespace

    bundled = SimpleNamespace(name="MNIST digits (bundled sample, 5,000 images)", bundled=True)
    own = SimpleNamespace(name="cats (64x64)", bundled=False)
    assert dataset_title(bundled) == "MNIST digits" and dataset_title(own) == "cats (64x64)"
    labels = distinct(
        {
            "20261204-140500-custom-aa11": "digits · Dec 4 14:05",
            "20261204-140510-custom-bb22": "digits · Dec 4 14:05",
            "x-cc33": "faces · Dec 4 14:06",
        }
    )
    assert labels["20261204-140500-custom-aa11"].endswith("(#aa11)") and labels["x-cc33"] == "faces · Dec 4 14:06"


# --- Train page ----------------------------------------------------------------------------


def test_start_shows_the_new_run_and_finished_runs_are_not_called_training(app_env):
    jobs = job_manager(app_env)
    first = jobs.start(_tiny(str(bundled_dataset_path()), 1), name="MNIST digits")
    wait_for(lambda: jobs.snapshot(first).status in ("finished", "failed"), 300, "the first run")
    assert jobs.snapshot(first).status == "finished", jobs.snapshot(first).message
    at = open_page("pages/train.py")
    _tiny_settings(at, epochs=300)
    at.button(key="train_start").click().run()
    assert_ok(at)
    second = next(j.run_id for j in jobs.jobs() if j.run_id != first)
    picker = at.selectbox(key="train_pick")  # two runs now: the picker appears, on the new run
    assert picker.value == second
    finished = [o for o in picker.options if "Finished" in o]
    assert len(finished) == 1 and not any("Training" in o and "Finished" in o for o in picker.options)

    # The picker remembers the second run; a third start must still show the third one.
    _tiny_settings(at, epochs=2)
    at.button(key="train_start").click().run()
    assert_ok(at)
    third = next(j.run_id for j in jobs.jobs() if j.run_id not in (first, second))
    assert at.selectbox(key="train_pick").value == third
    assert "Queued" in _live_header(at)
    assert "Queued (position 1)" in _main_texts(at)

    # A pick of the user's own is kept across reruns.
    at.selectbox(key="train_pick").set_value(first).run()
    assert at.selectbox(key="train_pick").value == first
    assert "Finished" in _live_header(at)
    at.run()
    assert "Finished" in _live_header(at)


def test_errors_sit_next_to_their_field_in_plain_words_as_soon_as_they_happen(app_env):
    prepared = _small_dataset(app_env / "cache", n=40)
    at = open_page("pages/train.py")
    at.selectbox(key="train_dataset_select").set_value(str(prepared.npy_path))
    at.number_input(key="adv_batch_size").set_value(16).run()
    assert not at.main.error
    at.number_input(key="adv_batch_size").set_value(64).run()  # no click: the page checks at once
    assert_ok(at)
    message = "Batch size 64 is larger than the dataset (40 images)"
    column = _parent_of(at, lambda n: getattr(n, "key", None) == "adv_batch_size")
    beside = [n.value for n in column.children.values() if getattr(n, "type", "") == "error"]
    assert beside and message in beside[0] and "batch_size" not in beside[0]
    assert at.button(key="train_start").disabled and at.button(key="train_estimate").disabled
    at.number_input(key="adv_batch_size").set_value(16).run()
    assert not at.main.error and not at.button(key="train_start").disabled


def test_number_boxes_have_sensible_bounds(app_env):
    at = open_page("pages/train.py")
    epochs = at.number_input(key="adv_epochs")
    assert (epochs.min, epochs.max) == (1, 10_000)
    assert at.number_input(key="adv_g_lr").max <= 1.0 and at.number_input(key="adv_g_lr").min > 0
    epochs.set_value(10**9).run()
    assert at.number_input(key="adv_epochs").value <= 10_000
    assert at.number_input(key="adv_latent_dim").label == "Number of random inputs"
    assert "latent" in at.number_input(key="adv_latent_dim").help


def test_a_paused_run_says_paused_not_time_left(app_env):
    jobs = job_manager(app_env)
    run_id = jobs.start(_tiny(str(bundled_dataset_path()), 400), name="MNIST digits")
    wait_for(
        lambda: jobs.snapshot(run_id).status == "running" and jobs.snapshot(run_id).epoch >= 1, 300, "the run to train"
    )
    at = open_page("pages/train.py")
    metrics = {m.label: m.value for m in at.main.metric}
    assert "Time left" in metrics and "Images / s" in metrics
    jobs.pause(run_id)
    wait_for(lambda: jobs.snapshot(run_id).status == "paused", 120, "the pause")
    at.run()
    assert_ok(at)
    metrics = {m.label: m.value for m in at.main.metric}
    assert metrics.get("Speed") == "Paused"
    assert "Time left" not in metrics and "Images / s" not in metrics
    assert "Paused" in _live_header(at)


def test_the_live_charts_and_grid_are_built_once_per_epoch_for_every_viewer(app_env, monkeypatch):
    import ui.live

    jobs = job_manager(app_env)
    run_id = jobs.start(_tiny(str(bundled_dataset_path()), 2), name="MNIST digits")
    wait_for(lambda: jobs.snapshot(run_id).status in ("finished", "failed"), 300, "the run")
    built: dict[str, int] = {"loss_chart": 0, "encode_png": 0}

    def counted(name: str, make):
        def wrapper(*args, **kwargs):
            built[name] += 1
            return make(*args, **kwargs)

        return wrapper

    for name in built:
        monkeypatch.setattr(ui.live, name, counted(name, getattr(ui.live, name)))
    viewers = [open_page("pages/train.py") for _ in range(3)]
    for at in viewers:
        at.run()  # a refresh
        assert_ok(at)
        assert any('aria-label="Losses"' in chart for chart in svg_charts(at))
        assert "Fixed-seed samples after epoch" in texts(at)
    assert built == {"loss_chart": 1, "encode_png": 1}  # not once per viewer and refresh


# --- Data page -----------------------------------------------------------------------------


def test_uploads_are_named_after_their_folder_or_count_never_a_file(app_env):
    at = open_page("pages/data.py")
    at.segmented_control(key="data_kind").set_value("Images or zip files").run()
    uploader = at.file_uploader(key="data_upload_Images or zip files")
    uploader.set_value(digit_pngs(3)).run()  # names carry their folder: digits/d000.png ...
    assert at.text_input(key="data_name").value == "digits"
    loose = [("fake.jpg", b"not a jpeg", "image/jpeg")] + [(n.split("/")[1], d, m) for n, d, m in digit_pngs(2)]
    at.file_uploader(key="data_upload_Images or zip files").set_value(loose).run()
    assert_ok(at)
    name = at.text_input(key="data_name").value
    assert re.fullmatch(r"3 uploaded images · \w{3} \d{1,2}", name), name


def test_a_broken_only_upload_shows_its_reason_in_the_open(app_env):
    at = open_page("pages/data.py")
    at.segmented_control(key="data_kind").set_value("Images or zip files").run()
    at.file_uploader(key="data_upload_Images or zip files").set_value([("fake.jpg", b"not a jpeg", "image/jpeg")]).run()
    assert_ok(at)
    assert "No images chosen yet" not in _main_texts(at)
    shown = [e.value for e in at.main.error if "fake.jpg" in e.value]
    assert shown, "the reason is shown before converting"
    assert not _in_expander(at, lambda n: getattr(n, "type", "") == "error" and "fake.jpg" in str(n.value))
    at.button(key="data_convert").click().run()
    assert_ok(at)
    refusal = [e for e in at.main.error if "Nothing could be converted" in e.value]
    assert refusal and len(refusal[0].value) > len("**Nothing could be converted.** ") + 5
    assert not _in_expander(at, lambda n: getattr(n, "type", "") == "error" and "Nothing could" in str(n.value))
    at.run()  # still there after another rerun, until the files change
    assert [e for e in at.main.error if "Nothing could be converted" in e.value]


# --- Runs page -----------------------------------------------------------------------------


def test_runs_page_uses_friendly_names_renames_and_keeps_by_default(app_env):
    jobs = job_manager(app_env)
    run_id = jobs.start(_tiny(str(bundled_dataset_path()), 1), name="MNIST digits")
    wait_for(lambda: jobs.snapshot(run_id).status in ("finished", "failed"), 300, "the run")
    prepared = _small_dataset(app_env / "cache", n=40)
    other = jobs.start(_tiny(str(prepared.npy_path), 1), name="few digits")
    wait_for(lambda: jobs.snapshot(other).status in ("finished", "failed"), 300, "the other run")
    at = open_page("pages/runs.py")
    table = at.dataframe[0].value
    names = set(table["Name"])
    assert any(n.startswith("MNIST digits · ") for n in names) and any(n.startswith("few digits · ") for n in names)
    assert "Quality score" in table.columns and "SWD" not in table.columns
    # comparing runs of two datasets warns, and the curves are labelled by name, not id
    assert any("different datasets" in w.value for w in at.main.warning)
    spec = str(at.get("plotly_chart")[0].proto.spec)
    assert "MNIST digits" in spec and "few digits" in spec and run_id not in spec and "g_loss" not in spec
    # rename
    at.selectbox(key="runs_pick").set_value(run_id).run()
    at.text_input(key=f"runs_name_{run_id}").input("my first digits").run()
    assert_ok(at)
    assert "my first digits" in set(at.dataframe[0].value["Name"])
    assert (app_env / "runs" / run_id).is_dir()
    # delete dialog: "Keep it" is the primary button, "Delete" is not
    at.button(key=f"runs_delete_{run_id}").click().run()
    assert_ok(at)
    keep, delete = at.button(key="runs_delete_no"), at.button(key="runs_delete_yes")
    assert keep.proto.type == "primary" and delete.proto.type != "primary"
    assert "my first digits" in texts(at) and "deleted for good" in texts(at)
    keep.click().run()
    assert (app_env / "runs" / run_id).is_dir()
