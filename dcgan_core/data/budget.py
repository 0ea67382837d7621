"""A byte budget shared by every thread that decodes images, so large images wait, never stack.

Each decode first estimates, from the image's header, how many bytes it will hold at its
peak (the decoded pixels plus the working copies of the conversion) and reserves them from
a :class:`MemoryBudget`. While the budget is spent, further reservations wait; an image
that alone needs more than the whole budget is refused with a reason instead of being
tried. One budget per process (:func:`default_budget`) bounds every conversion and every
preview the process runs at once, whichever request or thread they come from.

A budget of reserved bytes only bounds the resident memory if freed buffers go back to
the system. glibc's ``malloc`` keeps large freed blocks in per-thread arenas once its
adaptive threshold has grown (measured here: 4 large images on 2 threads peaked at 365 MB
with 221 MB reserved), so importing this module fixes that threshold at 4 MiB, on Linux
with glibc only: every buffer of 4 MiB or more (Pillow allocates images in 16 MiB blocks)
is mapped on its own and unmapped when freed (measured: 250-270 MB for the same work).
Smaller buffers are untouched, so ordinary photos cost the same CPU time as before (a
1 MiB threshold made them 15% dearer: 1 MiB read buffers were mapped and unmapped).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from contextlib import contextmanager
from collections.abc import Iterator

from dcgan_core.errors import ConfigError, DataError

__all__ = ["DEFAULT_BUDGET_BYTES", "MemoryBudget", "BudgetExceeded", "default_budget"]

#: Bytes that all image decoding of one process may hold at once (``DCGAN_DECODE_BUDGET_MB`` changes it).
DEFAULT_BUDGET_BYTES = 224 * 2**20

_default: MemoryBudget | None = None
_default_lock = threading.Lock()
_M_MMAP_THRESHOLD = -3  # mallopt parameter of glibc's malloc.h
_MMAP_THRESHOLD = 4 * 2**20


def _release_large_blocks_to_the_os() -> bool:
    """Fix glibc's mmap threshold so that freed large buffers leave the process (True when set)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))
    except (OSError, AttributeError):  # not glibc (musl, another libc): nothing to fix
        return False


_release_large_blocks_to_the_os()


class BudgetExceeded(DataError):
    """One piece of work needs more memory than the whole budget; it is refused, not tried."""


class MemoryBudget:
    """A counting semaphore of bytes: reservations wait until enough bytes are free.

    Reservations are served in arrival order, so a large image is not starved by a
    stream of small ones.

    Args:
        total: Bytes that may be reserved at once (at least 1 MiB).
    """

    def __init__(self, total: int = DEFAULT_BUDGET_BYTES) -> None:
        if isinstance(total, bool) or not isinstance(total, int) or total < 2**20:
            raise ConfigError(f"total: a memory budget must be a whole number of bytes from 1 MiB (got {total!r}).")
        self.total = total
        self._used = 0
        self._peak = 0
        self._queue: list[object] = []
        self._cond = threading.Condition()

    @property
    def used(self) -> int:
        """Bytes reserved right now."""
        return self._used

    @property
    def peak(self) -> int:
        """Most bytes ever reserved at once."""
        return self._peak

    def fits(self, nbytes: int) -> bool:
        """Whether a reservation of ``nbytes`` can ever be granted."""
        return 0 <= nbytes <= self.total

    @contextmanager
    def reserve(self, nbytes: int, what: str = "this image") -> Iterator[None]:
        """Hold ``nbytes`` of the budget for the duration of the ``with`` block.

        Args:
            nbytes: Estimated peak bytes of the work.
            what: Names the work in the refusal message.

        Raises:
            BudgetExceeded: when ``nbytes`` exceeds the whole budget (nothing is waited for).
        """
        nbytes = max(0, int(nbytes))
        if nbytes > self.total:
            raise BudgetExceeded(
                f"{what} would need about {nbytes / 2**20:,.0f} MiB of memory to decode, more than the "
                f"{self.total / 2**20:,.0f} MiB that image decoding may use; skipped"
            )
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            try:
                while self._queue[0] is not ticket or self._used + nbytes > self.total:
                    self._cond.wait()
            except BaseException:
                self._queue.remove(ticket)
                self._cond.notify_all()
                raise
            self._queue.pop(0)
            self._used += nbytes
            self._peak = max(self._peak, self._used)
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self._used -= nbytes
                self._cond.notify_all()


def default_budget() -> MemoryBudget:
    """The process-wide decoding budget (``$DCGAN_DECODE_BUDGET_MB`` MiB, default 224)."""
    global _default
    with _default_lock:
        if _default is None:
            raw = os.environ.get("DCGAN_DECODE_BUDGET_MB", "")
            try:
                total = int(raw) * 2**20 if raw.strip() else DEFAULT_BUDGET_BYTES
            except ValueError:
                raise ConfigError(f"DCGAN_DECODE_BUDGET_MB must be a whole number of MiB (got {raw!r}).") from None
            _default = MemoryBudget(total)
        return _default
