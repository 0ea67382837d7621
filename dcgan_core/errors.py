"""One tree of exceptions for everything the engine refuses or fails at.

Every error the user can meet is a :class:`DcganError`; its message is written for a
person (it names the thing and the reason), so the UI and the CLI can show ``str(err)``
as it is.
"""

from __future__ import annotations

__all__ = [
    "DcganError",
    "ConfigError",
    "DataError",
    "RunError",
    "CheckpointError",
    "JobError",
    "ExplorationError",
]


class DcganError(Exception):
    """Base class of every error raised on purpose by ``dcgan_core``."""


class ConfigError(DcganError, ValueError):
    """A training configuration or an argument is impossible (names the field and why)."""


class DataError(DcganError):
    """Images or a dataset could not be read, converted or used."""


class RunError(DcganError):
    """A run directory is missing, damaged or in the wrong state for the request."""


class CheckpointError(RunError):
    """A checkpoint or exported model could not be written or read back."""


class JobError(DcganError):
    """A request to the background job manager cannot be carried out."""


class ExplorationError(DcganError):
    """A latent-space request or a saved exploration does not fit the chosen model."""
