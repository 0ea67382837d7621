"""The coach's rules: each reads a run's per-epoch history and names one known GAN failure.

A rule returns a :class:`CoachMessage` (what the numbers show and what to try, in plain
words) or ``None``. The thresholds are named here; :mod:`dcgan_core.metrics.coach` runs
every rule and attaches the one-click remedies. No TensorFlow or Streamlit.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any
from collections.abc import Mapping, Sequence

from dcgan_core.data.health import SMALL_DATASET  # the ingestion's threshold: one number for "small"

__all__ = [
    "CoachMessage",
    "LEVELS",
    "OVERFIT_SIGNAL",
    "SATURATED_STRENGTH",
    "series",
    "trailing_run",
    "losses_broken",
    "discriminator_winning",
    "judge_fooled",
    "still_noise",
    "generator_collapse",
    "past_its_best",
    "class_ignored",
    "discriminator_overfitting",
    "dataset_too_small",
]

D_WINNING_ACCURACY = 0.95
D_WINNING_EPOCHS = 3
COLLAPSE_FRACTION = 0.4
COLLAPSE_EPOCHS = 2
DIVERGENCE_FACTOR = 10.0
OVERFIT_SIGNAL = 0.9  # r_t = E[sign(D(real))] this high: D is sure of every real image
OVERFIT_EPOCHS = 3
OVERFIT_MAX_DATASET = 5000  # with more images a confident judge is usually just a good one
SATURATED_STRENGTH = 0.95
FOOLED_ACCURACY = 0.05  # the judge calls (almost) every generated image real
FOOLED_EPOCHS = 3
NOISE_EPOCHS = 5  # epochs after which samples should look like something
NOISE_IMPROVEMENT = 0.8  # quality score still above this share of its first value: no progress
PAST_BEST_FACTOR = 1.3  # the latest quality score this much worse than the best one: the run is past its best
PAST_BEST_MEASURES = 2  # later measures, all worse than the best, before saying so
IGNORED_MEASURES = 3  # per-class measures before judging whether the generator follows the class
IGNORED_ACCURACY = 0.5  # at most this share of classes nearest their own real images: the class is ignored
LEVELS = ("info", "warning", "error")


@dataclass(frozen=True)
class CoachMessage:
    """One piece of advice.

    Attributes:
        level: ``"info"``, ``"warning"`` or ``"error"`` (how the UI colours it).
        title: One line saying what the numbers show.
        advice: What it means and what to try, in plain words.
        rule: Short identifier of the rule that fired (``"d_winning"``, ``"judge_fooled"``,
            ``"still_noise"``, ``"collapse"``, ``"overfitting"``, ``"non_finite"``,
            ``"diverging"``, ``"small_dataset"``, ``"class_ignored"``, ``"past_best"``).
        remedy: Settings to continue the run with (``JobManager.continue_run``'s
            ``overrides``), or ``None`` when there is no one-click fix.
        remedy_label: The button's words for the remedy.
    """

    level: str
    title: str
    advice: str
    rule: str = ""
    remedy: dict[str, Any] | None = None
    remedy_label: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {self.level!r}")


def series(history: Mapping[str, Sequence[float]], key: str) -> list[float]:
    values = []
    for raw in history.get(key, ()) or ():
        try:
            values.append(float(raw))
        except (TypeError, ValueError):
            values.append(math.nan)
    return values


def trailing_run(flags: Sequence[bool]) -> int:
    """How many of the last items in ``flags`` are True in a row."""
    count = 0
    for flag in reversed(flags):
        if not flag:
            break
        count += 1
    return count


def discriminator_winning(history: Mapping[str, Sequence[float]]) -> CoachMessage | None:
    real, fake = series(history, "d_acc_real"), series(history, "d_acc_fake")
    n = min(len(real), len(fake))
    flags = [real[i] > D_WINNING_ACCURACY and fake[i] > D_WINNING_ACCURACY for i in range(n)]
    epochs = trailing_run(flags)
    if epochs < D_WINNING_EPOCHS:
        return None
    return CoachMessage(
        "warning",
        f"The discriminator is winning: it has told real from fake almost perfectly for {epochs} epochs.",
        "When the judge is always right, the generator gets no useful signal and stops "
        "improving. Try: a lower discriminator learning rate (half of the generator's), label "
        "smoothing (real label 0.9), turning on augmentation, or a wider generator.",
        "d_winning",
    )


def generator_collapse(history: Mapping[str, Sequence[float]]) -> CoachMessage | None:
    diversity = [v for v in series(history, "diversity") if math.isfinite(v)]
    if len(diversity) < COLLAPSE_EPOCHS + 1:
        return None
    best = max(diversity)
    if best <= 0:
        return None
    flags = []
    best_so_far = -math.inf
    for value in diversity:
        best_so_far = max(best_so_far, value)
        flags.append(value < COLLAPSE_FRACTION * best_so_far)
    measured = trailing_run(flags)
    if measured < COLLAPSE_EPOCHS:
        return None
    latest = diversity[-1]
    return CoachMessage(
        "warning",
        f"The generator may be collapsing: its samples are {latest / best:.0%} as varied as at their best.",
        "Mode collapse: the generator found a few pictures that fool the judge and now draws "
        "only those. Try: resume from an earlier epoch with a lower learning rate, a larger "
        "batch, label smoothing, or a different preset; more varied data also helps.",
        "collapse",
    )


def discriminator_overfitting(history: Mapping[str, Sequence[float]], dataset_size: int | None) -> CoachMessage | None:
    if dataset_size is None or dataset_size >= OVERFIT_MAX_DATASET:
        return None
    signal = series(history, "rt")
    epochs = trailing_run([v >= OVERFIT_SIGNAL for v in signal if math.isfinite(v)])
    if epochs < OVERFIT_EPOCHS:
        return None
    strength = [v for v in series(history, "augment_p") if math.isfinite(v)]
    at_full = bool(strength) and strength[-1] >= SATURATED_STRENGTH
    return CoachMessage(
        "warning",
        f"The discriminator is memorising your images: it has been sure of every real image for {epochs} epochs"
        + (", with augmentation already at full strength." if at_full else "."),
        "A judge that knows the training images by heart only tells the generator 'not those', and "
        "the samples collapse to a few pictures. Stronger augmentation (colour, shifts, cutout on every "
        "image it sees) hides the exact pictures; when that is at full strength, a slower judge helps.",
        "overfitting",
    )


def losses_broken(history: Mapping[str, Sequence[float]], status: str) -> CoachMessage | None:
    g_loss, d_loss = series(history, "g_loss"), series(history, "d_loss")
    bad = [
        name
        for name, values in (("generator", g_loss), ("discriminator", d_loss))
        if any(not math.isfinite(v) for v in values)
    ]
    if bad:
        stopped = " and training was stopped" if status in ("failed", "stopped") else ""
        return CoachMessage(
            "error",
            f"The {' and '.join(bad)} loss became infinite or not-a-number{stopped}.",
            "The numbers blew up, so nothing after that point can be learned. Try: lower "
            "learning rates (for example 1e-4), a smaller batch, the recommended preset, or "
            "resume from the last good checkpoint with gentler settings.",
            "non_finite",
        )
    finite = [v for v in g_loss if math.isfinite(v)]
    if len(finite) < 3:
        return None
    median = statistics.median(finite)
    if median <= 0 or finite[-1] <= DIVERGENCE_FACTOR * median:
        return None
    return CoachMessage(
        "warning",
        f"The generator loss is diverging: {finite[-1]:.3g}, over {DIVERGENCE_FACTOR:g} times its usual {median:.3g}.",
        "The generator is losing badly and may not recover. Try: a lower discriminator "
        "learning rate, label smoothing, or resuming from an earlier checkpoint.",
        "diverging",
    )


def judge_fooled(history: Mapping[str, Sequence[float]]) -> CoachMessage | None:
    """The generator "wins outright": the judge calls its images real, epoch after epoch."""
    fake = series(history, "d_acc_fake")
    epochs = trailing_run([math.isfinite(v) and v < FOOLED_ACCURACY for v in fake])
    if epochs < FOOLED_EPOCHS:
        return None
    return CoachMessage(
        "warning",
        f"The judge calls every generated image real, and has for {epochs} epochs.",
        "It sounds like the generator won, but a judge that is always fooled has stopped learning, so it "
        "teaches the generator nothing; look at the samples: if they are noise or smudges, training is "
        "stuck. Try: a smaller batch (more updates per epoch), a faster-learning judge, or the "
        "recommended preset.",
        "judge_fooled",
    )


def still_noise(history: Mapping[str, Sequence[float]]) -> CoachMessage | None:
    """Samples that do not improve: the quality score after several epochs is where it started."""
    epochs = series(history, "epoch")
    swd = [(e, v) for e, v in zip(epochs, series(history, "swd")) if math.isfinite(v)]
    if len(swd) < 2 or len(epochs) < NOISE_EPOCHS or swd[-1][0] - swd[0][0] < NOISE_EPOCHS - 1:
        return None
    first, latest = swd[0][1], swd[-1][1]
    if first <= 0 or latest < NOISE_IMPROVEMENT * first:
        return None
    return CoachMessage(
        "warning",
        f"The samples are not getting better: the quality score is {latest:.3g} after {len(epochs)} epochs, "
        f"against {first:.3g} at first (lower is better).",
        "The generator is still drawing noise, or what it draws is not moving towards your images. "
        "Try: the recommended preset with its automatic settings, a smaller batch, lower learning "
        "rates (for example 1e-4), or more epochs if the run has been very short.",
        "still_noise",
    )


def past_its_best(history: Mapping[str, Sequence[float]]) -> CoachMessage | None:
    """Samples that were better earlier: the quality score went down, then back up a long way."""
    swd = [(int(e), v) for e, v in zip(series(history, "epoch"), series(history, "swd")) if math.isfinite(v)]
    if len(swd) < PAST_BEST_MEASURES + 1:
        return None
    best = min(range(len(swd)), key=lambda i: swd[i][1])
    (best_epoch, best_score), latest = swd[best], swd[-1][1]
    if len(swd) - 1 - best < PAST_BEST_MEASURES or latest <= PAST_BEST_FACTOR * best_score:
        return None
    return CoachMessage(
        "warning",
        f"The samples were best at epoch {best_epoch}: quality score {best_score:.3g}, now {latest:.3g} "
        "(lower is better).",
        f"Later epochs are getting worse, often because the judge learns a small set of images by heart. "
        f"The generator of epoch {best_epoch} is kept: pick that epoch on the Explore page. For the next run "
        "try lower learning rates (for example 1e-4 for both networks) or a shorter run.",
        "past_best",
    )


def class_ignored(history: Mapping[str, Sequence[float]]) -> CoachMessage | None:
    """A conditional run whose samples of class A are no closer to real A than to other classes."""
    measured = [v for v in series(history, "class_acc") if math.isfinite(v)]
    if len(measured) < IGNORED_MEASURES or max(measured[-2:]) > IGNORED_ACCURACY:
        return None
    return CoachMessage(
        "warning",
        f"The generator ignores the class: only {measured[-1]:.0%} of the classes draw samples closest to "
        "their own real images.",
        "Asked for one class, it draws something that looks as much like the others. Early in a run "
        "this is normal (the shapes come first, the classes later). If it lasts, check on the Data "
        "page that the classes really look different and that each has enough images (20 or more), "
        "or train longer.",
        "class_ignored",
    )


def dataset_too_small(dataset_size: int | None) -> CoachMessage | None:
    if dataset_size is None or dataset_size >= SMALL_DATASET:
        return None
    return CoachMessage(
        "info" if dataset_size > 0 else "error",
        f"The dataset is small: {dataset_size} images (a GAN likes {SMALL_DATASET} or more).",
        "With few images the discriminator memorises them and the generator copies or "
        "collapses. Expect blurry or repeated results. Try: add more images, keep the adaptive "
        "augmentation on (the recommended settings do for small sets), or start from a run "
        "trained on a bigger set of similar images.",
        "small_dataset",
    )
