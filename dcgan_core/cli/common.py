"""What every CLI command shares: one-line errors with exit status 2, and positive-number arguments."""

from __future__ import annotations

import argparse
import math
import sys

__all__ = ["fail", "positive_int", "positive_float"]


def fail(message: str, status: int = 2) -> int:
    """Print ``error: MESSAGE`` as one line on stderr and return the exit status."""
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)
    return status


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value
