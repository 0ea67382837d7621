"""DCGAN Studio's engine: train DCGANs on your own images and explore what they learned.

This file is the public API: what the pages, a notebook or a script need, about eighty
names, each loaded on first use from the module that defines it, so ``import dcgan_core``
stays fast and a page that only lists datasets never pays for importing TensorFlow. Pages
use only these names; the CLI, the tests and the benches may reach further into the
subpackages (``dcgan_core.data``, ``settings``, ``engine``, ``runs``, ``metrics``,
``explore``, ``sharing``, ``cli``), whose modules list what they offer in ``__all__``.
The README's "Python API" section documents the same list (a test keeps them equal).
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module that defines it (and lists it in its ``__all__``).
_EXPORTS: dict[str, str] = {
    # errors
    "CheckpointError": "errors",
    "ConfigError": "errors",
    "DataError": "errors",
    "DcganError": "errors",
    "ExplorationError": "errors",
    "JobError": "errors",
    "RunError": "errors",
    # folders
    "bundled_dataset_path": "paths",
    "bundled_emoji_path": "paths",
    "default_cache_dir": "paths",
    "default_runs_dir": "paths",
    # image arrays
    "decode_png": "images",
    "encode_png": "images",
    "make_grid": "images",
    "upscale": "images",
    # settings: configuration, presets, automatic choices, the estimate
    "AutoChoice": "settings.autoconfig",
    "auto_config": "settings.autoconfig",
    "TrainConfig": "settings.config",
    "config_from_dict": "settings.config",
    "config_to_dict": "settings.config",
    "parse_setting": "settings.config",
    "validate_config": "settings.validation",
    "estimate_cost_in_worker": "settings.estimate",
    "Preset": "settings.presets",
    "RECOMMENDED_PRESET": "settings.presets",
    "get_preset": "settings.presets",
    "list_presets": "settings.presets",
    "preset_config": "settings.presets",
    # data: sources, conversion, the dataset cache
    "sources_from_zip": "data.archives",
    "sources_from_folder": "data.collect",
    "sources_from_uploads": "data.collect",
    "dataset_thumbnail": "data.datasets",
    "delete_dataset": "data.datasets",
    "list_datasets": "data.datasets",
    "open_dataset": "data.datasets",
    "PrepareOptions": "data.decode",
    "preview_image": "data.decode",
    "grid_class_rows": "data.labels",
    "read_dataset_classes": "data.labels",
    "prepare_dataset": "data.prepare",
    "ImageSource": "data.sources",
    # runs: the run folder and the jobs that train it
    "ACTIVE_STATUSES": "runs.folder",
    "OWNED_STATUSES": "runs.folder",
    "create_run": "runs.folder",
    "delete_run": "runs.listing",
    "generator_epochs": "runs.epochs",
    "list_runs": "runs.listing",
    "read_metrics": "runs.history",
    "read_run_config": "runs.folder",
    "rename_run": "runs.listing",
    "run_display_name": "runs.listing",
    "run_path": "runs.folder",
    "sample_epochs": "runs.epochs",
    "sample_grid_path": "runs.epochs",
    "JobManager": "runs.jobs",
    "run_disk_usage": "runs.storage",
    # engine (TensorFlow, loaded on first use): training and the saved generator
    "load_generator": "engine.checkpoints",
    "export_model": "engine.exports",
    "fixed_latents": "engine.sampling",
    "generate_uint8": "engine.sampling",
    "train_run": "engine.trainer",
    "check_init_run": "engine.transfer",
    # metrics and the coach
    "read_class_quality": "metrics.class_quality",
    "coach_messages": "metrics.coach",
    "sliced_wasserstein_distance": "metrics.quality",
    "ema_smooth": "metrics.smoothing",
    # explore (no TensorFlow)
    "grid_2d": "explore.directions",
    "move_along": "explore.directions",
    "image_png": "explore.downloads",
    "interpolation_gif": "explore.downloads",
    "walk_gif": "explore.downloads",
    "Exploration": "explore.explorations",
    "latents_to_json": "explore.explorations",
    "load_exploration": "explore.explorations",
    "save_exploration": "explore.explorations",
    "interpolate": "explore.latent",
    "latent_from_seed": "explore.latent",
    "sample_latents": "explore.latent",
    "Sampler": "explore.sampler",
    # sharing
    "export_bundle": "sharing.bundles",
    "import_bundle": "sharing.bundles",
    "SHARE_CHOICES": "sharing.share",
    "share_run": "sharing.share",
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
