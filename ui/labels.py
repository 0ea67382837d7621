"""Plain words for the settings: each config field's label, its bounds, and errors that use them.

Why here and not in ``dcgan_core/settings/config.py``: the labels are the words of the pages
("Generator learning rate"), while the CLI's vocabulary is its flag names, which are the
config field names themselves (``--batch-size``, ``--max-seconds``); an engine error
saying ``batch_size`` is already in the CLI user's words. So the engine keeps naming fields, and the UI translates its
messages with :func:`humanize` at the edge. The bounds are those of the Train page's
number boxes: the engine's own limits, tightened where a larger value is never sensible
(no 10^9 epochs).

The words for a dataset's classes live here too (:func:`classes_words`), with
:func:`plain`, which shows a text that people named (a folder, a class) as itself in
Streamlit's markdown.
"""

from __future__ import annotations

import re

from dcgan_core import DcganError, get_preset

__all__ = ["FIELD_LABELS", "BOUNDS", "humanize", "field_of", "preset_title", "classes_words", "plain"]

#: Every TrainConfig field a user may meet in a message, in everyday words.
FIELD_LABELS: dict[str, str] = {
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "steps_per_epoch": "Steps per epoch",
    "g_lr": "Generator learning rate",
    "d_lr": "Discriminator learning rate",
    "latent_dim": "Number of random inputs",
    "latent_dist": "Kind of random inputs",
    "width": "Width",
    "sample_every": "Sample grid interval",
    "checkpoint_every": "Checkpoint interval",
    "swd_every": "Quality check interval",
    "real_label": "Target for real images",
    "fake_label": "Target for generated images",
    "g_target": "Generator's target",
    "seed": "Random seed",
    "max_seconds": "Time budget",
    "image_size": "Image size",
    "channels": "Colour channels",
    "bn_momentum": "BatchNorm momentum",
    "beta_1": "Adam beta 1",
    "d_steps": "Discriminator steps per generator step",
    "ema_decay": "Averaged generator decay",
    "grid_size": "Sample grid size",
    "augment": "Flips and shifts",
    "augment_ops": "Adaptive augmentation",
    "augment_p": "Augmentation strength",
    "augment_target": "Adaptive target",
    "augment_speed": "Augmentation adjustment speed",
    "init_from_run": "Start from the weights of",
    "freeze_d_layers": "Frozen judge layers",
    "r1_gamma": "Real-image gradient penalty (R1)",
    "r1_every": "Steps between gradient penalties",
    "sample_every_seconds": "Sample grid interval (seconds)",
    "checkpoint_every_seconds": "Checkpoint interval (seconds)",
    "swd_every_seconds": "Quality check interval (seconds)",
    "max_snapshots": "Timeline snapshots kept",
    "min_free_disk_mb": "Free disk floor",
    "data_path": "Dataset",
    "arch": "Architecture",
    "loss": "Loss",
    "optimizer": "Optimizer",
    "value_range": "Pixel value range",
    "jit_compile": "XLA compilation",
}

#: (min, max) of the Train page's number boxes; floats where the box holds a float.
BOUNDS: dict[str, tuple[int, int] | tuple[float, float]] = {
    "epochs": (1, 10_000),
    "batch_size": (2, 4096),
    "steps_per_epoch": (0, 100_000),
    "g_lr": (1e-6, 0.1),
    "d_lr": (1e-6, 0.1),
    "latent_dim": (1, 1024),
    "width": (0.05, 8.0),
    "sample_every": (1, 10_000),
    "checkpoint_every": (1, 10_000),
    "swd_every": (0, 10_000),
    "real_label": (0.5, 1.0),
    "seed": (0, 2**31 - 1),
    "max_seconds": (0.0, 30 * 24 * 3600.0),
    "augment_p": (0.0, 1.0),
    "augment_target": (0.0, 1.0),
    "r1_gamma": (0.0, 100.0),
}

# Names with an underscore are replaced anywhere; one-word names ("epochs", "width") only
# where a message starts with them, since elsewhere they are ordinary words.
_ANYWHERE = "|".join(sorted((n for n in FIELD_LABELS if "_" in n), key=len, reverse=True))
_AT_START = "|".join(sorted((n for n in FIELD_LABELS if "_" not in n), key=len, reverse=True))
_NAME = re.compile(rf"\b({_ANYWHERE})\b|^({_AT_START})\b")


def humanize(message: str) -> str:
    """An engine message with every config field name replaced by its label.

    ``"g_lr must be between 1e-07 and 1, got 5.0."`` becomes
    ``"Generator learning rate must be between 1e-07 and 1, got 5.0."``.
    """
    text = _NAME.sub(lambda m: FIELD_LABELS[m.group(m.lastindex or 0)], str(message))
    text = text.replace("'custom'", f"the {preset_title('custom')}")
    return text[:1].upper() + text[1:]


def field_of(message: str) -> str | None:
    """The config field an engine message is about (the first one it names), or None."""
    found = _NAME.search(str(message))
    return found.group(found.lastindex or 0) if found else None


def preset_title(name: str) -> str:
    """A preset's title ("Quick DCGAN (recommended)") from its name ("custom"), everywhere alike."""
    try:
        return get_preset(name).title
    except (DcganError, KeyError):
        return name or "–"


_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~])")


def classes_words(count: int) -> str:
    """A number of classes in words: "10 classes", "1 class", or "no classes"."""
    if count <= 0:
        return "no classes"
    return f"{count:,} class{'es' if count != 1 else ''}"


def plain(text: str) -> str:
    """``text`` shown as itself in markdown: links, emphasis, code, maths and tags are escaped."""
    return _MARKDOWN.sub(r"\\\1", str(text))
