"""Drawing by class: the conditional networks and step, training, resume, sampling, exports, measures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine_support import digits_npy, tiny_config

from dcgan_core import (
    ConfigError,
    DataError,
    ExplorationError,
    Sampler,
    auto_config,
    bundled_dataset_path,
    create_run,
    export_model,
    latent_from_seed,
    read_class_quality,
    read_dataset_classes,
    read_metrics,
    read_run_config,
    train_run,
)
from dcgan_core.metrics.class_quality import class_quality
from dcgan_core.metrics.coach import coach_messages
from dcgan_core.images import decode_png

DIGIT_LABELS = bundled_dataset_path().with_name("mnist_5k_labels.npy")


def labelled_digits(folder: Path, n: int = 160) -> Path:
    """The first ``n`` bundled digits with their labels beside them (``digits_labels.npy``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = digits_npy(folder, n)
    np.save(folder / "digits_labels.npy", np.load(DIGIT_LABELS)[:n])
    return path


def conditional_config(data: Path, **changes):
    base = dict(conditional=True, epochs=2, steps_per_epoch=2, batch_size=20, latent_dim=16)
    base.update(changes)
    return tiny_config(data, **base)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("conditional")
    run_dir = create_run(conditional_config(labelled_digits(root / "data")), root / "runs", dataset_name="digits")
    outcome = train_run(run_dir)
    assert outcome.status == "finished", outcome.message + outcome.traceback
    return run_dir


# ---- configuration ------------------------------------------------------------------------
def test_a_new_conditional_run_gets_the_dataset_classes(tmp_path: Path) -> None:
    data = labelled_digits(tmp_path)
    run_dir = create_run(conditional_config(data), tmp_path / "runs")
    config, _ = read_run_config(run_dir)
    assert config.class_names == tuple(str(i) for i in range(10)) and config.n_classes == 10


def test_drawing_by_class_needs_labels_and_the_recommended_network(tmp_path: Path) -> None:
    flat = digits_npy(tmp_path, 64)  # no labels beside it
    with pytest.raises(ConfigError, match="sorted into class folders"):
        create_run(conditional_config(flat), tmp_path / "runs")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    with pytest.raises(ConfigError, match="recommended network"):
        tiny_config(flat).with_changes(arch="mnist_tutorial", conditional=True)


def test_auto_config_draws_by_class_on_a_labelled_set_and_can_be_switched_off() -> None:
    path = str(bundled_dataset_path())
    on = auto_config(5000, 28, 1, data_path=path)
    assert on.config.conditional and on.config.n_classes == 10
    assert any("10 classes" in reason for reason in on.reasons)
    off = auto_config(5000, 28, 1, data_path=path, conditional=False)
    assert not off.config.conditional and off.config.class_names == ()


# ---- networks and the step ------------------------------------------------------------------
def test_the_class_changes_what_the_generator_draws(trained: Path) -> None:
    sampler = Sampler.from_run(trained)
    assert sampler.class_names == tuple(str(i) for i in range(10))
    z = latent_from_seed(3, 16)
    three, seven = sampler.for_class("3").images(z), sampler.for_class(7).images(z)
    assert three.shape == seven.shape == (1, 28, 28, 1)
    assert np.abs(three.astype(int) - seven).mean() > 0.5
    np.testing.assert_array_equal(sampler.for_class("3").images(z), three)  # deterministic
    halfway = sampler.for_class(sampler.class_mix("3", "7", 0.5)).images(z)
    assert not np.array_equal(halfway, three) and not np.array_equal(halfway, seven)
    with pytest.raises(ExplorationError, match="no class 'cat'"):
        sampler.for_class("cat")


def test_the_balanced_order_draws_every_class_equally() -> None:
    from dcgan_core.engine.pipeline import balanced_order

    labels = np.array([0] * 90 + [1] * 10)
    order = balanced_order(labels, np.random.default_rng(0))
    counts = np.bincount(labels[order], minlength=2)
    assert len(order) == 100 and abs(counts[0] - counts[1]) <= 1


def test_training_writes_one_grid_row_per_class_and_the_per_class_measure(trained: Path) -> None:
    grid = decode_png((trained / "samples" / "epoch_0002.png").read_bytes())
    assert grid.shape[:2] == (10 * 30 + 2, 8 * 30 + 2)  # 10 class rows of 8, 28 px with 2 px padding
    epoch, quality = read_class_quality(trained)
    assert epoch == 2 and quality.names == tuple(str(i) for i in range(10)) and quality.matrix.shape == (10, 10)
    accuracy = read_metrics(trained)["class_acc"]
    assert len(accuracy) == 2 and accuracy[-1] == pytest.approx(quality.accuracy)


def test_a_conditional_run_resumes(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / trained.name
    shutil.copytree(trained, copy)
    config, meta = read_run_config(copy)
    data = json.loads((copy / "config.json").read_text())
    data["config"]["epochs"] = 3
    (copy / "config.json").write_text(json.dumps(data))
    outcome = train_run(copy)
    assert outcome.status == "finished" and outcome.epoch == 3, outcome.message
    assert int(outcome.gan.g_optimizer.iterations.numpy()) == 6  # 2 + 2 steps before, 2 now
    assert read_metrics(copy)["epoch"] == [1.0, 2.0, 3.0]


def test_a_run_resumed_on_data_with_other_classes_fails_with_the_reason(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / trained.name
    shutil.copytree(trained, copy)
    config, _ = read_run_config(copy)
    labels_file = Path(config.data_path).with_name("digits_labels.npy")
    saved = np.load(labels_file)
    try:
        np.save(labels_file, saved % 5)  # now only 5 classes
        data = json.loads((copy / "config.json").read_text())
        data["config"]["epochs"] = 3
        (copy / "config.json").write_text(json.dumps(data))
        outcome = train_run(copy)
    finally:
        np.save(labels_file, saved)
    assert outcome.status == "failed"
    assert "draws the classes 0, 1, 2" in outcome.message and "now has 0, 1, 2, 3, 4" in outcome.message
    assert (copy / "checkpoints").is_dir() and any((copy / "checkpoints").iterdir())  # nothing lost


# ---- sampling and exports -------------------------------------------------------------------
def test_sample_cli_draws_named_classes_and_writes_raw_samples(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from dcgan_core.__main__ import main

    out = tmp_path / "samples.npy"
    assert main(["sample", "--run", str(trained), "--n", "5", "--class", "3", "--class", "7", "--out", str(out)]) == 0
    samples = np.load(out)
    assert samples.shape == (10, 28, 28, 1) and samples.dtype == np.uint8
    sampler = Sampler.from_run(trained)
    z = sampler.sample_latents(5, 0)
    # the CLI samples with Keras, the explorer with ONNX Runtime: equal up to a rounding step
    three, seven = sampler.for_class("3").images(z).astype(int), sampler.for_class("7").images(z).astype(int)
    assert np.abs(samples[:5].astype(int) - three).max() <= 1 and np.abs(samples[5:].astype(int) - seven).max() <= 1
    assert np.abs(three - seven).mean() > 0.5
    grid_path = tmp_path / "grid.png"
    assert (
        main(["sample", "--run", str(trained), "--n", "4", "--class", "1", "--class", "2", "--out", str(grid_path)])
        == 0
    )
    assert decode_png(grid_path.read_bytes()).shape[:2] == (2 * 30 + 2, 4 * 30 + 2)  # one row per class
    assert main(["sample", "--run", str(trained), "--class", "cat", "--out", str(grid_path)]) == 2
    assert "no class 'cat'" in capsys.readouterr().err


def test_the_onnx_export_takes_the_class(trained: Path, tmp_path: Path) -> None:
    import onnxruntime as ort

    exported = export_model(trained, "onnx", tmp_path / "g.onnx")
    assert exported.max_difference <= 1e-4
    session = ort.InferenceSession(str(exported.path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    assert set(names) == {"z", "label"}
    z = latent_from_seed(1, 16)[None, :]
    one_hot = np.eye(10, dtype=np.float32)
    first = session.run(None, {"z": z, "label": one_hot[[2]]})[0]
    second = session.run(None, {"z": z, "label": one_hot[[8]]})[0]
    assert not np.allclose(first, second)


def test_the_web_demo_lists_the_classes(trained: Path, tmp_path: Path) -> None:
    from dcgan_core.sharing.web_demo import build_web_demo

    folder = build_web_demo(trained, tmp_path / "demo", make_zip=False)
    meta = json.loads((folder / "demo.json").read_text())
    assert meta["classes"] == [str(i) for i in range(10)]
    assert 'id="class"' in (folder / "index.html").read_text()


# ---- the measure of conditioning --------------------------------------------------------------
def test_conditioning_accuracy_on_real_digits() -> None:
    images = np.load(bundled_dataset_path())
    labels = np.load(DIGIT_LABELS)
    names = tuple(str(i) for i in range(10))
    real = [images[labels == k][:48] for k in range(10)]
    other_half = [images[labels == k][48:96] for k in range(10)]
    assert class_quality(names, other_half, real).accuracy == 1.0  # samples that follow the class
    shifted = [other_half[(k + 1) % 10] for k in range(10)]
    assert class_quality(names, shifted, real).accuracy == 0.0  # every class drawn as another
    quality = class_quality(names, other_half, real)
    assert np.all(quality.own < quality.nearest_other)


def test_the_coach_says_when_the_class_is_ignored() -> None:
    ignored = {"epoch": [1, 2, 3, 4], "class_acc": [0.1, 0.2, 0.3, 0.2]}
    followed = {"epoch": [1, 2, 3, 4], "class_acc": [0.1, 0.3, 0.9, 1.0]}
    assert any(m.rule == "class_ignored" for m in coach_messages(ignored, 5000, "running"))
    assert not any(m.rule == "class_ignored" for m in coach_messages(followed, 5000, "running"))


def test_the_bundled_digits_are_labelled() -> None:
    found = read_dataset_classes(bundled_dataset_path())
    assert found.names == tuple(str(i) for i in range(10)) and found.counts() == [500] * 10


def test_damaged_labels_are_named(tmp_path: Path) -> None:
    data = digits_npy(tmp_path, 32)
    np.save(tmp_path / "digits_labels.npy", np.arange(31))  # one label short
    with pytest.raises(DataError, match="31 labels for 32 images"):
        read_dataset_classes(data)


@pytest.mark.parametrize(
    "changes",
    [
        dict(augment_ops="color,translation,cutout", augment_p=0.5),
        dict(half_batch=True, d_steps=2),
        dict(d_concat=True, augment=True),
        dict(loss="bce_sigmoid"),
    ],
)
def test_the_conditional_step_works_with_every_option(tmp_path: Path, changes: dict) -> None:
    from dcgan_core.engine.trainer import build_gan

    config = conditional_config(labelled_digits(tmp_path, 64), **changes).with_changes(
        class_names=tuple(str(i) for i in range(10))
    )
    gan = build_gan(config)
    images = np.load(tmp_path / "digits.npy")[:20]
    labels = np.load(tmp_path / "digits_labels.npy")[:20].astype(np.int32)
    logs = gan.train_on_batch(images, labels, return_dict=True)
    assert all(np.isfinite(float(logs[k])) for k in ("g_loss", "d_loss"))
    assert gan.discriminator.input_shape == [(None, 28, 28, 1), (None, 10)]
    assert gan.generator.output_shape == (None, 28, 28, 1)
