"""Saved explorations and latent exports as JSON (standard library and numpy only).

An exploration file records the run, the epoch, the latent size, named latents and named
directions, so loading it gives back the same images. Vectors are stored as JSON lists of
numbers: each float32 value is written as the float64 number equal to it (Python's shortest
round-trip repr), so reading it back and casting to float32 reproduces every bit. NaN and
infinities are refused on both ways.

File layout (version 1)::

    {"format": "dcgan-studio-exploration", "version": 1, "run_id": "...", "epoch": 12,
     "latent_dim": 64, "created": "2024-01-01T00:00:00+00:00",
     "latents": [{"name": "seed 7", "values": [0.12, ...]}, ...],
     "directions": [{"name": "Direction 1", "values": [...]}, ...],
     "class": "7"}

``"class"`` is there only for a run that draws by class: the class the latents were drawn as.
A latent export (:func:`latents_to_json`) has ``"format": "dcgan-studio-latents"`` and the
``latent_dim`` and ``latents`` keys only.

Reading is safe against hostile files (:mod:`dcgan_core._safe_json`: size, nesting depth,
number of lists, digits of integers and range of floats are checked before or while
parsing), fields are checked for type and range, long values are cut short in messages,
and every failure is an :class:`ExplorationError` with a sentence for a person.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Iterable, Sequence

import numpy as np

from dcgan_core._safe_json import parse_object
from dcgan_core.atomic import atomic_write_bytes
from dcgan_core.errors import ExplorationError

__all__ = [
    "EXPLORATION_FORMAT",
    "LATENTS_FORMAT",
    "NamedVector",
    "Exploration",
    "save_exploration",
    "load_exploration",
    "latents_to_json",
    "latents_from_json",
]

EXPLORATION_FORMAT = "dcgan-studio-exploration"
LATENTS_FORMAT = "dcgan-studio-latents"
_VERSION = 1
_MAX_BYTES = 32 * 1024 * 1024
_MAX_DEPTH = 8  # the format itself nests 4 deep
_MAX_LATENT_DIM = 65_536
_MAX_EPOCH = 10**9
_MAX_NAME = 200


@dataclass(frozen=True, eq=False)
class NamedVector:
    """A latent or a direction with a name; ``vector`` is a read-only float32 (dim,) copy."""

    name: str
    vector: np.ndarray

    def __post_init__(self) -> None:
        name = str(self.name).strip()
        if not name:
            raise ExplorationError("every saved latent and direction needs a name.")
        vec = np.array(self.vector, dtype=np.float32).reshape(-1) if np.ndim(self.vector) <= 1 else None
        if vec is None:
            raise ExplorationError(f"{name!r} must be one vector; got shape {np.shape(self.vector)}.")
        if not np.all(np.isfinite(vec)):
            raise ExplorationError(f"{name!r} contains NaN or infinite values (or values too large for float32).")
        vec.setflags(write=False)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "vector", vec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NamedVector) and self.name == other.name and np.array_equal(self.vector, other.vector)

    __hash__ = None  # type: ignore[assignment]


def _named(items: Iterable[Any], kind: str, latent_dim: int) -> tuple[NamedVector, ...]:
    out = []
    for item in items:
        nv = item if isinstance(item, NamedVector) else NamedVector(*item)
        if nv.vector.size != latent_dim:
            raise ExplorationError(
                f"{kind} {nv.name!r} has {nv.vector.size} values, but the latent size is {latent_dim}."
            )
        out.append(nv)
    return tuple(out)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, eq=False)
class Exploration:
    """What a user found in one generator: named latents and named directions.

    Attributes:
        run_id: The run whose generator the latents belong to.
        epoch: The saved epoch of that generator.
        latent_dim: Size of every vector below.
        latents: Named latents (``NamedVector`` or ``(name, vector)`` pairs on creation).
        directions: Named directions, same forms.
        created: ISO 8601 UTC time of creation.
        class_name: The class the latents were drawn as (a run that draws by class); empty
            for a run without classes.
    """

    run_id: str
    epoch: int
    latent_dim: int
    latents: tuple[NamedVector, ...] = ()
    directions: tuple[NamedVector, ...] = ()
    created: str = field(default_factory=_now)
    class_name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.class_name, str) or len(self.class_name) > _MAX_NAME:
            raise ExplorationError(
                f"class_name must be a text of at most {_MAX_NAME} characters; got {_short(self.class_name)}."
            )
        if not isinstance(self.run_id, str) or not self.run_id.strip():
            raise ExplorationError(f"run_id must be a non-empty text; got {self.run_id!r}.")
        for label, value, low in (("epoch", self.epoch, 0), ("latent_dim", self.latent_dim, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ExplorationError(f"{label} must be a whole number from {low}; got {value!r}.")
        object.__setattr__(self, "epoch", int(self.epoch))
        object.__setattr__(self, "latent_dim", int(self.latent_dim))
        object.__setattr__(self, "latents", _named(self.latents, "latent", self.latent_dim))
        object.__setattr__(self, "directions", _named(self.directions, "direction", self.latent_dim))
        object.__setattr__(self, "created", str(self.created))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Exploration) and all(
            getattr(self, f) == getattr(other, f)
            for f in ("run_id", "epoch", "latent_dim", "latents", "directions", "created", "class_name")
        )

    __hash__ = None  # type: ignore[assignment]

    def latent_array(self) -> np.ndarray:
        """float32 (n, latent_dim) stack of the latents, ready for the generator."""
        return (
            np.stack([nv.vector for nv in self.latents]) if self.latents else np.zeros((0, self.latent_dim), np.float32)
        )


def _vectors_json(items: Sequence[NamedVector]) -> list[dict[str, Any]]:
    return [{"name": nv.name, "values": [float(x) for x in nv.vector]} for nv in items]


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, allow_nan=False, ensure_ascii=False) + "\n").encode("utf-8")


def save_exploration(exploration: Exploration, path: str | os.PathLike[str] | None = None) -> bytes:
    """The exploration as JSON bytes, also written atomically to ``path`` when given.

    Raises:
        ExplorationError: when the file cannot be written (names the path and the reason).
    """
    data = _dump(
        {
            "format": EXPLORATION_FORMAT,
            "version": _VERSION,
            "run_id": exploration.run_id,
            "epoch": exploration.epoch,
            "latent_dim": exploration.latent_dim,
            "created": exploration.created,
            "latents": _vectors_json(exploration.latents),
            "directions": _vectors_json(exploration.directions),
            **({"class": exploration.class_name} if exploration.class_name else {}),
        }
    )
    if path is not None:
        target = Path(path)
        try:
            atomic_write_bytes(target, data, make_folder=False)  # a path the person named: no new folders
        except OSError as err:
            raise ExplorationError(f"could not save the exploration to {target}: {err.strerror or err}.") from err
    return data


def _parse(data: bytes | str, what: str) -> dict[str, Any]:
    return parse_object(data, what, ExplorationError, max_bytes=_MAX_BYTES, max_depth=_MAX_DEPTH)


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _check_header(obj: dict[str, Any], fmt: str, what: str) -> None:
    if obj.get("format") != fmt:
        raise ExplorationError(
            f"this is not a DCGAN Studio {what} file (format {_short(obj.get('format'))}, expected {fmt!r})."
        )
    version = obj.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= _VERSION:
        raise ExplorationError(f"this {what} file has version {_short(version)}; this app reads version {_VERSION}.")


def _whole(obj: dict[str, Any], key: str, low: int, high: int) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ExplorationError(f"field {key!r} must be a whole number from {low} to {high:,}; got {_short(value)}.")
    return value


def _read_vectors(obj: dict[str, Any], key: str, kind: str, latent_dim: int) -> tuple[NamedVector, ...]:
    items = obj.get(key, [])
    if not isinstance(items, list):
        raise ExplorationError(f"field {key!r} must be a list.")
    out = []
    for i, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not isinstance(item.get("values"), list)
        ):
            raise ExplorationError(f"{kind} {i + 1} must have a text 'name' and a list 'values'.")
        if len(item["name"]) > _MAX_NAME:
            raise ExplorationError(
                f"{kind} {i + 1} has a name of {len(item['name']):,} characters; the limit is {_MAX_NAME}."
            )
        values = item["values"]
        if len(values) != latent_dim:
            raise ExplorationError(f"{kind} {item['name']!r} has {len(values)} values, but latent_dim is {latent_dim}.")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ExplorationError(f"{kind} {item['name']!r} has values that are not numbers.")
        if not all(math.isfinite(v) and abs(v) <= 3.4e38 for v in values):
            raise ExplorationError(f"{kind} {item['name']!r} has non-finite or out-of-range numbers.")
        out.append(NamedVector(item["name"], np.asarray(values, dtype=np.float64).astype(np.float32)))
    return tuple(out)


def load_exploration(
    data: bytes | str, expected_run_id: str | None = None, expected_latent_dim: int | None = None
) -> Exploration:
    """Read an exploration back from JSON bytes or text, checking it fits the chosen model.

    Args:
        data: The file's content (bytes or the JSON text itself, not a path).
        expected_run_id: Refuse an exploration of another run when given.
        expected_latent_dim: Refuse an exploration of another latent size when given.

    Raises:
        ExplorationError: malformed JSON, another format or version, another run, another
            latent size, vectors of the wrong length, non-finite numbers; the message says which.
    """
    obj = _parse(data, "exploration")
    _check_header(obj, EXPLORATION_FORMAT, "exploration")
    run_id = obj.get("run_id")
    if not isinstance(run_id, str) or not run_id.strip() or len(run_id) > _MAX_NAME:
        raise ExplorationError(
            f"field 'run_id' must be a non-empty text of at most {_MAX_NAME} characters; got {_short(run_id)}."
        )
    if expected_run_id is not None and run_id != expected_run_id:
        raise ExplorationError(
            f"this exploration belongs to run {run_id!r}, not to the chosen run {expected_run_id!r}."
        )
    latent_dim = _whole(obj, "latent_dim", 1, _MAX_LATENT_DIM)
    if expected_latent_dim is not None and latent_dim != int(expected_latent_dim):
        raise ExplorationError(
            f"this exploration is for latents of size {latent_dim}, but the chosen generator takes {expected_latent_dim}."
        )
    epoch = _whole(obj, "epoch", 0, _MAX_EPOCH)
    created = obj.get("created", "")
    if not isinstance(created, str) or len(created) > _MAX_NAME:
        raise ExplorationError(f"field 'created' must be a short text; got {_short(created)}.")
    class_name = obj.get("class", "")
    if not isinstance(class_name, str) or len(class_name) > _MAX_NAME:
        raise ExplorationError(f"field 'class' must be a short text; got {_short(class_name)}.")
    return Exploration(
        run_id=run_id,
        epoch=epoch,
        latent_dim=latent_dim,
        created=created,
        class_name=class_name,
        latents=_read_vectors(obj, "latents", "latent", latent_dim),
        directions=_read_vectors(obj, "directions", "direction", latent_dim),
    )


def latents_to_json(latents: np.ndarray | Sequence[NamedVector], names: Sequence[str] | None = None) -> bytes:
    """Export latents as JSON bytes (format ``dcgan-studio-latents``).

    Args:
        latents: float32 (n, dim) or (dim,) array, or a sequence of :class:`NamedVector`.
        names: Names for an array's rows; default "Latent 1" .. "Latent n".
    """
    if len(latents) and all(isinstance(item, NamedVector) for item in latents):
        items = tuple(latents)  # type: ignore[arg-type]
    else:
        arr = np.atleast_2d(np.asarray(latents, dtype=np.float32))
        if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ExplorationError(f"latents must be shaped (n, dim) with n >= 1; got shape {np.shape(latents)}.")
        names = list(names) if names is not None else [f"Latent {i + 1}" for i in range(arr.shape[0])]
        if len(names) != arr.shape[0]:
            raise ExplorationError(f"{arr.shape[0]} latents but {len(names)} names.")
        items = tuple(NamedVector(n, v) for n, v in zip(names, arr))
    latent_dim = items[0].vector.size
    _named(items, "latent", latent_dim)
    return _dump(
        {"format": LATENTS_FORMAT, "version": _VERSION, "latent_dim": latent_dim, "latents": _vectors_json(items)}
    )


def latents_from_json(data: bytes | str, expected_latent_dim: int | None = None) -> tuple[NamedVector, ...]:
    """Read a latent export back; refuses another latent size when ``expected_latent_dim`` is given."""
    obj = _parse(data, "latents")
    _check_header(obj, LATENTS_FORMAT, "latents")
    latent_dim = _whole(obj, "latent_dim", 1, _MAX_LATENT_DIM)
    if expected_latent_dim is not None and latent_dim != int(expected_latent_dim):
        raise ExplorationError(
            f"these latents have size {latent_dim}, but the chosen generator takes {expected_latent_dim}."
        )
    return _read_vectors(obj, "latents", "latent", latent_dim)
