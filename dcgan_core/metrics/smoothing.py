"""Exponential smoothing of training curves, debiased like TensorBoard's.

A plain exponential moving average that starts from zero drags the first points of a
curve towards zero; starting from the first value drags the early part towards that one
value. TensorBoard divides the running average by ``1 - weight ** n`` (the weight given
to the real points so far), so every smoothed point is an average of real points only.
Pure Python, no numpy needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from dcgan_core.errors import ConfigError

__all__ = ["ema_smooth"]


def ema_smooth(values: Iterable[float], weight: float) -> list[float]:
    """Smooth a curve with a debiased exponential moving average.

    Args:
        values: The raw points, oldest first. Non-finite points (NaN, inf) are passed
            through unchanged and do not enter the average.
        weight: Smoothing strength in [0, 1): 0 returns the values as they are, 0.9
            averages over roughly the last ten points.

    Returns:
        A list as long as ``values``; each finite point is the weighted average of the
        finite points up to it, with weights ``weight ** age`` normalised to sum to 1.

    Raises:
        ConfigError: when ``weight`` is not a number in [0, 1).
    """
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0.0 <= weight < 1.0:
        raise ConfigError(f"Smoothing weight must be a number from 0 up to (not including) 1, got {weight!r}.")
    smoothed: list[float] = []
    accumulated = 0.0
    count = 0
    for raw in values:
        value = float(raw)
        if not math.isfinite(value):
            smoothed.append(value)
            continue
        accumulated = accumulated * weight + (1.0 - weight) * value
        count += 1
        debias = 1.0 - weight**count if weight > 0.0 else 1.0
        smoothed.append(accumulated / debias)
    return smoothed
