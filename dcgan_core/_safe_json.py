"""JSON from untrusted files, parsed within limits, every failure a sentence for a person.

Python's ``json`` module trusts its input: a file of a hundred thousand ``[`` raises
``RecursionError``, an integer of 5,000 digits raises a bare ``ValueError`` (the
int-to-string limit), ``1e999`` silently becomes infinity, and ``NaN`` is accepted. Here
the size is checked first, then one linear scan bounds the nesting depth and the number of
lists and objects before ``json.loads`` runs; integers longer than a few dozen digits,
floats beyond the float range and the ``NaN``/``Infinity`` constants are refused while
parsing. Every refusal is raised as the caller's error class.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from dcgan_core.errors import DcganError

__all__: list[str] = []

MAX_INT_DIGITS = 30
MAX_CONTAINERS = 100_000
# One token of a linear scan: a run without quotes or brackets, a whole string, a bracket,
# or a quote that opens a string never closed (the scan stops there; json reports it).
_TOKEN = re.compile(r'[^"\[\]{}]+|"(?:[^"\\]|\\.)*"|[\[\]{}]|"')


def _check_nesting(text: str, what: str, error: type[DcganError], max_depth: int, max_containers: int) -> None:
    """Refuse JSON nested deeper than ``max_depth`` or holding more than ``max_containers`` lists and objects."""
    depth = containers = 0
    for match in _TOKEN.finditer(text):
        first = match.group()[0]
        if first in "[{":
            depth += 1
            containers += 1
            if depth > max_depth:
                raise error(
                    f"this {what} file nests lists or objects more than {max_depth} levels deep; "
                    "it is not a file this app wrote."
                )
            if containers > max_containers:
                raise error(
                    f"this {what} file holds more than {max_containers:,} lists and objects; it is too large to load."
                )
        elif first in "]}":
            depth -= 1
        elif match.group() == '"':
            return  # a string that never ends: json.loads names the place


def parse_object(
    data: bytes | bytearray | str,
    what: str,
    error: type[DcganError],
    max_bytes: int,
    max_depth: int,
    max_containers: int = MAX_CONTAINERS,
) -> dict[str, Any]:
    """Parse a JSON object from an untrusted file.

    Args:
        data: The file's bytes (UTF-8, with or without a byte-order mark) or text.
        what: Names the kind of file in messages ("exploration", "latents").
        error: The exception class raised for every refusal.
        max_bytes: Largest accepted size, checked before anything else.
        max_depth: Deepest accepted nesting of lists and objects.
        max_containers: Most lists and objects in the file.

    Returns:
        The parsed object (a ``dict``).

    Raises:
        error: with a sentence naming what is wrong.
    """
    if not isinstance(data, (bytes, bytearray, str)):
        raise error(f"a {what} file must be given as bytes or text, not {type(data).__name__}.")
    if len(data) > max_bytes:
        raise error(f"this {what} file is {len(data) / 1_048_576:,.0f} MiB; the limit is {max_bytes // 1_048_576} MiB.")
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise error(f"this {what} file is not UTF-8 text (byte {err.start}).") from None
    _check_nesting(data, what, error, max_depth, max_containers)

    def refuse_constant(name: str) -> None:
        raise error(f"the file contains {name}; only finite numbers are allowed.")

    def parse_int(text: str) -> int:
        digits = len(text.lstrip("-"))
        if digits > MAX_INT_DIGITS:
            raise error(f"the file holds a whole number with {digits:,} digits; numbers that large are not allowed.")
        return int(text)

    def parse_float(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise error(
                f"the file holds the number {text[:40]}{'…' if len(text) > 40 else ''}, "
                "which is too large to be a float."
            )
        return value

    try:
        obj = json.loads(data, parse_constant=refuse_constant, parse_int=parse_int, parse_float=parse_float)
    except json.JSONDecodeError as err:
        raise error(
            f"this {what} file is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}."
        ) from None
    except RecursionError:
        raise error(f"this {what} file nests lists or objects too deeply.") from None
    except (ValueError, OverflowError, MemoryError) as err:
        raise error(f"this {what} file cannot be read ({err}).") from None
    if not isinstance(obj, dict):
        raise error(f"this {what} file must hold a JSON object, not a {type(obj).__name__}.")
    return obj
