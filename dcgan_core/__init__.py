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
    "ARCHITECTURES": "settings.config", "LOSSES": "settings.config", "OPTIMIZERS": "settings.config",
    "VALUE_RANGES": "settings.config", "LATENT_DISTRIBUTIONS": "settings.config", "JIT_MODES": "settings.config",
    "MIN_IMAGE_SIZE": "settings.config", "AUGMENT_OP_NAMES": "settings.config", "MAX_IMAGE_SIZE": "settings.config", "TrainConfig": "settings.config",
    "validate_config": "settings.config", "config_from_dict": "settings.config", "config_to_dict": "settings.config",
    "parse_setting": "settings.config",
    # presets
    "Preset": "settings.presets", "PRESETS": "settings.presets", "RECOMMENDED_PRESET": "settings.presets",
    "list_presets": "settings.presets", "get_preset": "settings.presets", "preset_config": "settings.presets",
    # paths
    "project_root": "paths", "default_runs_dir": "paths", "default_cache_dir": "paths",
    "bundled_dataset_path": "paths", "bundled_emoji_path": "paths", "safe_child": "paths",
    "child_env": "paths",
    # images
    "to_uint8": "images", "from_uint8": "images", "make_grid": "images", "upscale": "images",
    "encode_png": "images", "encode_gif": "images", "decode_png": "images",
    # metrics
    "sliced_wasserstein_distance": "metrics.quality", "swd_per_level": "metrics.quality", "pyramid_sizes": "metrics.quality",
    "kl_divergence_histogram": "metrics.quality", "histograms": "metrics.quality", "mean_pairwise_distance": "metrics.quality",
    # smoothing
    "ema_smooth": "metrics.smoothing",
    # coach
    "CoachMessage": "metrics.coach", "coach_messages": "metrics.coach", "remedy_for": "metrics.coach", "OVERFIT_SIGNAL": "metrics.coach",
    "REMEDY_OPS": "metrics.coach",
    # runs (no TensorFlow)
    "METRIC_KEYS": "runs.folder", "RUN_STATUSES": "runs.folder", "RunSummary": "runs.folder", "atomic_write_bytes": "atomic",
    "atomic_write_json": "atomic", "new_run_id": "runs.folder", "create_run": "runs.folder", "run_path": "runs.folder",
    "read_run_config": "runs.folder", "read_status": "runs.folder", "read_live_status": "runs.folder", "write_status": "runs.folder",
    "write_metrics": "runs.folder", "generator_onnx_path": "runs.folder", "saved_generator_epoch": "runs.folder",
    "read_metrics": "runs.folder", "truncate_metrics": "runs.folder", "save_sample_grid": "runs.folder", "sample_epochs": "runs.folder",
    "sample_grid_path": "runs.folder", "build_progress_gif": "runs.folder", "checkpoint_epochs": "runs.folder",
    "generator_epochs": "runs.folder", "list_runs": "runs.folder", "delete_run": "runs.folder",
    "run_display_name": "runs.folder", "rename_run": "runs.folder",
    # control and jobs (no TensorFlow)
    "TrainingControl": "runs.control", "request_pause": "runs.control", "request_resume": "runs.control",
    "request_stop": "runs.control", "clear_requests": "runs.control", "pause_requested": "runs.control",
    "stop_requested": "runs.control",
    "RunLock": "runs.ownership", "lock_owner": "runs.ownership", "require_free": "runs.ownership", "LOCK_NAME": "runs.ownership",
    "launch_worker": "runs.workers", "schedule": "runs.workers", "worker_slots": "runs.workers", "queued_runs": "runs.workers",
    "WORKER_LOG": "runs.workers",
    "JobSnapshot": "runs.jobs", "JobManager": "runs.jobs", "ACTIVE_STATUSES": "runs.folder", "OWNED_STATUSES": "runs.folder",
    # engine (TensorFlow)
    "build_generator": "engine.models", "build_discriminator": "engine.models", "custom_layout": "engine.models",
    "ModelCost": "engine.models", "model_cost": "engine.models",
    "GAN": "engine.gan", "make_optimizer": "engine.gan", "ADA_INTERVAL": "engine.gan",
    "AUGMENT_OPS": "engine.augment", "parse_augment_ops": "engine.augment", "augment_images": "engine.augment",
    "adjust_strength": "engine.augment", "overfit_signal": "engine.augment",
    "fixed_latents": "engine.sampling", "recalibrate_batchnorm": "engine.sampling", "generate": "engine.sampling",
    "generate_uint8": "engine.sampling",
    "open_training_array": "engine.pipeline", "gaussian_samples": "engine.pipeline", "steps_per_epoch": "engine.pipeline",
    "make_dataset": "engine.pipeline",
    "KEEP_FULL_CHECKPOINTS": "engine.checkpoints", "save_checkpoint": "engine.checkpoints",
    "restore_checkpoint": "engine.checkpoints", "restore_newest_intact": "engine.checkpoints", "load_generator": "engine.checkpoints",
    "export_generator": "engine.checkpoints", "load_exported_generator": "engine.checkpoints",
    "ControlCallback": "engine.callbacks", "EpochCallback": "engine.callbacks",
    "configure_devices": "engine.device", "device_description": "engine.device", "distribution_strategy": "engine.device",
    "use_jit": "engine.device",
    "Cluster": "engine.cluster", "cluster_from_env": "engine.cluster", "per_worker_batch": "engine.cluster",
    "shard_indices": "engine.cluster", "shard_batches": "engine.cluster", "DIGEST_ENV": "engine.cluster",
    "COLLECTIVE_TIMEOUT_ENV": "engine.cluster",
    "ClusterPlan": "engine.cluster_train", "make_cluster_strategy": "engine.cluster_train",
    "train_cluster": "engine.cluster_train",
    "broadcast_from_chief": "engine.collectives", "sum_across": "engine.collectives", "peer_in_error": "engine.collectives",
    "TrainOutcome": "engine.trainer", "train_run": "engine.trainer", "build_gan": "engine.trainer", "SWD_SAMPLES": "engine.trainer",
    # small datasets: data-aware defaults, transfer, storage (no TensorFlow)
    "MIN_DATASET_IMAGES": "settings.autoconfig", "SMALL_SET": "settings.autoconfig", "MEDIUM_SET": "settings.autoconfig",
    "TARGET_STEPS": "settings.autoconfig", "MIN_STEPS_IN_BUDGET": "settings.autoconfig", "AutoChoice": "settings.autoconfig",
    "auto_config": "settings.autoconfig", "with_dataset_classes": "settings.autoconfig", "legacy_recommended_config": "settings.autoconfig", "check_dataset_size": "settings.autoconfig",
    "TRANSFER_FIELDS": "engine.transfer", "check_init_run": "engine.transfer", "load_initial_weights": "engine.transfer",
    "freeze_discriminator_layers": "engine.transfer",
    "GRIDS_PER_SNAPSHOT": "runs.storage", "thin_picks": "runs.storage", "thin_run_snapshots": "runs.storage",
    "run_disk_usage": "runs.storage", "free_disk_mb": "runs.storage",
    "run_worker": "runs.worker", "ProgressWriter": "runs.worker", "PROGRESS_FILE": "runs.worker", "NICE_ENV": "runs.worker", "DEFAULT_NICENESS": "runs.worker",
    "export_sampler_onnx": "engine.onnx_export", "first_hidden_layer": "engine.onnx_export",
    "CostEstimate": "settings.estimate", "estimate_cost": "settings.estimate", "estimate_cost_in_worker": "settings.estimate",
    "MODEL_FORMATS": "engine.exports", "PARITY_TOLERANCE": "engine.exports", "ModelExport": "engine.exports", "export_model": "engine.exports",
    "TensorBoardLog": "engine.tensorboard_log", "TENSORBOARD_DIR": "engine.tensorboard_log",
    # sharing without TensorFlow: web demos and run bundles
    "WEB_DEMO_FILES": "sharing.web_demo", "build_web_demo": "sharing.web_demo",
    "SHARE_CHOICES": "sharing.share", "share_run": "sharing.share",
    "BUNDLE_FORMAT": "sharing.bundles", "BundleLimits": "sharing.bundles", "export_bundle": "sharing.bundles", "import_bundle": "sharing.bundles",
    "zip_folder": "sharing.bundles",
    # explorer sampling through ONNX Runtime (no TensorFlow)
    "Sampler": "explore.sampler", "MAX_FEATURES": "explore.sampler",
    # latent
    "latent_from_seed": "explore.latent", "sample_latents": "explore.latent", "lerp": "explore.latent", "slerp": "explore.latent",
    "interpolate": "explore.latent", "random_walk": "explore.latent", "scale_toward_mean": "explore.latent",
    "vector_arithmetic": "explore.latent", "edit_dimensions": "explore.latent",
    # directions
    "Directions": "explore.directions", "pca_directions": "explore.directions", "directions_from_features": "explore.directions",
    "direction_from_examples": "explore.directions", "move_along": "explore.directions", "grid_2d": "explore.directions",
    # explorations
    "EXPLORATION_FORMAT": "explore.explorations", "LATENTS_FORMAT": "explore.explorations", "NamedVector": "explore.explorations",
    "Exploration": "explore.explorations", "save_exploration": "explore.explorations", "load_exploration": "explore.explorations",
    "latents_to_json": "explore.explorations", "latents_from_json": "explore.explorations",
    # explorer exports (no TensorFlow)
    "MAX_UPSCALE": "explore.downloads", "MAX_FRAMES": "explore.downloads", "image_png": "explore.downloads",
    "frames_gif": "explore.downloads", "interpolation_gif": "explore.downloads", "walk_gif": "explore.downloads",
    # sources
    "ImageSource": "data.sources", "SourceLimits": "data.sources", "sources_from_zip": "data.archives",
    "sources_from_folder": "data.collect", "sources_from_uploads": "data.collect",
    # budget
    "DEFAULT_BUDGET_BYTES": "data.budget", "MemoryBudget": "data.budget", "BudgetExceeded": "data.budget",
    "default_budget": "data.budget",
    # decode
    "FIT_MODES": "data.decode", "RESAMPLE_FILTERS": "data.decode", "SUPPORTED_FORMATS": "data.decode",
    "PrepareOptions": "data.decode", "ImageRejected": "data.decode", "ImageInfo": "data.decode",
    "decode_image": "data.decode", "preview_image": "data.decode",
    # health
    "SMALL_DATASET": "data.health", "HealthReport": "data.health", "build_report": "data.health",
    # prepare
    "PreparedDataset": "data.prepare", "ConversionCancelled": "data.prepare", "prepare_dataset": "data.prepare",
    # datasets
    "BUNDLED_DATASET_ID": "data.datasets", "BUNDLED_EMOJI_ID": "data.datasets", "DatasetInfo": "data.datasets", "open_dataset": "data.datasets",
    "dataset_thumbnail": "data.datasets", "list_datasets": "data.datasets", "delete_dataset": "data.datasets",
    "read_manifest": "data.datasets",
    # labels
    "ClassQuality": "metrics.class_quality", "class_quality": "metrics.class_quality", "read_class_quality": "metrics.class_quality",
    "CLASS_QUALITY_FILE": "metrics.class_quality", "class_swd_matrix": "metrics.class_quality", "PER_CLASS_SAMPLES": "metrics.class_quality",
    "CLASS_EMBEDDING": "engine.models", "CLASS_PROJECTION": "engine.models",
    "open_training_labels": "engine.pipeline", "balanced_order": "engine.pipeline",
    "generator_classes": "engine.sampling", "class_vectors": "engine.sampling", "generator_inputs": "engine.sampling",
    "grid_classes": "engine.sampling", "GRID_CLASS_COLUMNS": "engine.sampling",
    "grid_class_rows": "data.labels", "GRID_CLASS_ROWS": "data.labels",
    "DatasetClasses": "data.labels", "read_dataset_classes": "data.labels", "class_counts": "data.labels",
    "FolderLabels": "data.labels", "labels_from_names": "data.labels", "class_name": "data.labels", "MAX_CLASS_NAME": "data.labels",
    "SMALL_CLASS": "data.health", "UNBALANCED_RATIO": "data.health",
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
