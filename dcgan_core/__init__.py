"""DCGAN Studio's engine: train DCGANs on your own images and explore what they learned.

This file is the public API. Every public name of every module is listed in
``_EXPORTS`` and loaded on first use, so ``import dcgan_core`` stays fast and a page that
only lists datasets never pays for importing TensorFlow. Pages and the CLI use only the
names in ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> module that defines it (each module's own ``__all__`` is the truth; a test keeps
# this map equal to the union of those lists).
_EXPORTS: dict[str, str] = {
    # errors
    "DcganError": "errors", "ConfigError": "errors", "DataError": "errors", "RunError": "errors",
    "CheckpointError": "errors", "JobError": "errors", "ExplorationError": "errors",
    # config
    "ARCHITECTURES": "config", "LOSSES": "config", "OPTIMIZERS": "config",
    "VALUE_RANGES": "config", "LATENT_DISTRIBUTIONS": "config", "JIT_MODES": "config",
    "MIN_IMAGE_SIZE": "config", "MAX_IMAGE_SIZE": "config", "TrainConfig": "config",
    "validate_config": "config", "config_from_dict": "config", "config_to_dict": "config",
    # presets
    "Preset": "presets", "PRESETS": "presets", "RECOMMENDED_PRESET": "presets",
    "list_presets": "presets", "get_preset": "presets", "preset_config": "presets",
    # paths
    "project_root": "paths", "default_runs_dir": "paths", "default_cache_dir": "paths",
    "bundled_dataset_path": "paths", "safe_child": "paths",
    # images
    "to_uint8": "images", "from_uint8": "images", "make_grid": "images", "upscale": "images",
    "encode_png": "images", "encode_gif": "images", "decode_png": "images",
    # sources
    "ImageSource": "sources", "SourceLimits": "sources", "sources_from_folder": "sources",
    "sources_from_zip": "sources", "sources_from_uploads": "sources",
    # decode
    "FIT_MODES": "decode", "RESAMPLE_FILTERS": "decode", "SUPPORTED_FORMATS": "decode",
    "PrepareOptions": "decode", "ImageRejected": "decode", "ImageInfo": "decode",
    "decode_image": "decode", "preview_image": "decode",
    # health
    "SMALL_DATASET": "health", "HealthReport": "health", "build_report": "health",
    # prepare
    "PreparedDataset": "prepare", "ConversionCancelled": "prepare", "prepare_dataset": "prepare",
    # datasets
    "BUNDLED_DATASET_ID": "datasets", "DatasetInfo": "datasets", "open_dataset": "datasets",
    "dataset_thumbnail": "datasets", "list_datasets": "datasets", "delete_dataset": "datasets",
    "read_manifest": "datasets",
    # cli_prepare
    "add_prepare_command": "cli_prepare", "run_prepare": "cli_prepare",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first access (PEP 562)."""
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'dcgan_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
