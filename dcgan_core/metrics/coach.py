"""The training coach: plain-language advice when the numbers show a known GAN failure.

The coach reads a run's per-epoch history (the keys of the engine's metrics: ``g_loss``,
``d_loss``, ``d_acc_real``, ``d_acc_fake``, ``diversity``, ...; NaN where an epoch was not
measured), the dataset size and the run status, and returns a list of messages. Each
message names what is wrong in words a non-programmer understands and what to try; when
the run's config is given, collapse and an overfitting discriminator also come with a
one-click *remedy*: settings to continue the run with from its last checkpoint (stronger
adaptive augmentation, or a lower discriminator learning rate once augmentation is
already at full strength). The rules themselves live in :mod:`dcgan_core.metrics.coach_rules`.
No TensorFlow or Streamlit.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any
from collections.abc import Mapping, Sequence

from dcgan_core.metrics import coach_rules as rules
from dcgan_core.metrics.coach_rules import OVERFIT_SIGNAL, CoachMessage
from dcgan_core.settings.config import TrainConfig

__all__ = ["CoachMessage", "coach_messages", "remedy_for", "OVERFIT_SIGNAL", "REMEDY_OPS"]

REMEDY_OPS = "color,translation,cutout"


def remedy_for(config: TrainConfig, history: Mapping[str, Sequence[float]]) -> tuple[dict[str, Any], str]:
    """The one-click fix for collapse or an overfitting discriminator, and its button label.

    Augmentation off: switch on adaptive DiffAugment-style augmentation at strength 0.5.
    On but below full strength: raise the starting strength by 0.3 (it still adapts).
    At full strength: halve the discriminator's learning rate.
    """
    strength = [v for v in rules.series(history, "augment_p") if math.isfinite(v)]
    current = strength[-1] if strength else config.augment_p
    if not config.augment_ops:
        return (
            {"augment_ops": REMEDY_OPS, "augment_p": 0.5, "augment_target": 0.6},
            "Continue with adaptive augmentation",
        )
    if current < rules.SATURATED_STRENGTH:
        stronger = round(min(1.0, max(current, config.augment_p) + 0.3), 2)
        return (
            {"augment_p": stronger, "augment_target": config.augment_target or 0.6},
            f"Continue with stronger augmentation ({stronger:g})",
        )
    lower = max(1e-6, config.d_lr / 2.0)
    return {"d_lr": lower}, f"Continue with the judge's learning rate halved ({lower:.1e})"


def fooled_remedy(config: TrainConfig) -> tuple[dict[str, Any], str]:
    """More updates per epoch when the batch is large, else a judge that learns twice as fast."""
    if config.batch_size > 128:
        return {"batch_size": 64}, "Continue with a batch of 64"
    return {"d_lr": config.d_lr * 2}, "Continue with a judge that learns twice as fast"


def coach_messages(
    history: Mapping[str, Sequence[float]],
    dataset_size: int | None,
    status: str,
    config: TrainConfig | None = None,
) -> list[CoachMessage]:
    """Advice for one run, most serious first.

    Args:
        history: Per-epoch values by metric name (``g_loss``, ``d_loss``, ``d_acc_real``,
            ``d_acc_fake``, ``diversity``, ...); missing keys and NaN entries are allowed.
        dataset_size: Number of training images, or ``None`` when unknown (1-D toy).
        status: The run's status (``"running"``, ``"failed"``, ...), used in the wording.
        config: The run's config; when given, collapse, overfitting and a winning
            discriminator carry a remedy (see :func:`remedy_for`).

    Returns:
        Zero or more :class:`CoachMessage`, errors first, then warnings, then info.
    """
    found = [
        rules.losses_broken(history, status),
        rules.discriminator_winning(history),
        rules.judge_fooled(history),
        rules.still_noise(history),
        rules.generator_collapse(history),
        rules.past_its_best(history),
        rules.class_ignored(history),
        rules.discriminator_overfitting(history, dataset_size),
        rules.dataset_too_small(dataset_size),
    ]
    messages = [m for m in found if m is not None]
    if config is not None and config.is_image_model:
        remedy, label = remedy_for(config, history)
        messages = [
            dataclasses.replace(m, remedy=remedy, remedy_label=label)
            if m.rule in ("collapse", "overfitting", "d_winning")
            else m
            for m in messages
        ]
        fooled, fooled_label = fooled_remedy(config)
        messages = [
            dataclasses.replace(m, remedy=fooled, remedy_label=fooled_label) if m.rule == "judge_fooled" else m
            for m in messages
        ]
    return sorted(messages, key=lambda m: -rules.LEVELS.index(m.level))
