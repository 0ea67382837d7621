"""Human-friendly formats: durations, byte sizes, run statuses."""

from __future__ import annotations

import math

from dcgan_core import ACTIVE_STATUSES  # the engine's own list, re-exported for the pages

__all__ = ["STATUS_ICONS", "STATUS_WORDS", "ACTIVE_STATUSES", "status_label", "duration", "size", "number"]

STATUS_ICONS: dict[str, str] = {
    "queued": "⏳",
    "running": "🟢",
    "paused": "⏸️",
    "finished": "✅",
    "failed": "❌",
    "stopped": "⏹️",
    "interrupted": "⚠️",
    "damaged": "🩹",
}
STATUS_WORDS: dict[str, str] = {
    "queued": "Queued",
    "running": "Training",
    "paused": "Paused",
    "finished": "Finished",
    "failed": "Failed",
    "stopped": "Stopped",
    "interrupted": "Interrupted",
    "damaged": "Damaged",
}
#: Statuses for which a page keeps refreshing itself.


def status_label(status: str) -> str:
    """``"🟢 Training"`` for ``"running"``; unknown statuses are shown as they are."""
    return f"{STATUS_ICONS.get(status, '•')} {STATUS_WORDS.get(status, status.title())}"


def duration(seconds: float | None) -> str:
    """``"1 h 02 min"``, ``"3 min 05 s"``, ``"42 s"``; a dash when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def size(n_bytes: float | None) -> str:
    """``"12.3 MB"``; a dash when unknown."""
    if n_bytes is None or not math.isfinite(n_bytes) or n_bytes < 0:
        return "–"
    value = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover


def number(value: float | None, digits: int = 3) -> str:
    """A float with ``digits`` significant digits, or a dash for None/NaN."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}g}"
