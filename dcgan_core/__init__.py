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
    "MIN_IMAGE_SIZE": "config", "AUGMENT_OP_NAMES": "config", "MAX_IMAGE_SIZE": "config", "TrainConfig": "config",
    "validate_config": "config", "config_from_dict": "config", "config_to_dict": "config",
    "parse_setting": "config",
    # presets
    "Preset": "presets", "PRESETS": "presets", "RECOMMENDED_PRESET": "presets",
    "list_presets": "presets", "get_preset": "presets", "preset_config": "presets",
    # paths
    "project_root": "paths", "default_runs_dir": "paths", "default_cache_dir": "paths",
    "bundled_dataset_path": "paths", "bundled_emoji_path": "paths", "safe_child": "paths",
    "child_env": "paths",
    # images
    "to_uint8": "images", "from_uint8": "images", "make_grid": "images", "upscale": "images",
    "encode_png": "images", "encode_gif": "images", "decode_png": "images",
    # metrics
    "sliced_wasserstein_distance": "metrics", "swd_per_level": "metrics", "pyramid_sizes": "metrics",
    "kl_divergence_histogram": "metrics", "histograms": "metrics", "mean_pairwise_distance": "metrics",
    # smoothing
    "ema_smooth": "smoothing",
    # coach
    "CoachMessage": "coach", "coach_messages": "coach", "remedy_for": "coach", "OVERFIT_SIGNAL": "coach",
    "REMEDY_OPS": "coach",
    # runs (no TensorFlow)
    "METRIC_KEYS": "runs", "RUN_STATUSES": "runs", "RunSummary": "runs", "atomic_write_bytes": "atomic",
    "atomic_write_json": "atomic", "new_run_id": "runs", "create_run": "runs", "run_path": "runs",
    "read_run_config": "runs", "read_status": "runs", "read_live_status": "runs", "write_status": "runs",
    "write_metrics": "runs", "generator_onnx_path": "runs", "saved_generator_epoch": "runs",
    "read_metrics": "runs", "truncate_metrics": "runs", "save_sample_grid": "runs", "sample_epochs": "runs",
    "sample_grid_path": "runs", "build_progress_gif": "runs", "checkpoint_epochs": "runs",
    "generator_epochs": "runs", "list_runs": "runs", "delete_run": "runs",
    "run_display_name": "runs", "rename_run": "runs",
    # control and jobs (no TensorFlow)
    "TrainingControl": "control", "request_pause": "control", "request_resume": "control",
    "request_stop": "control", "clear_requests": "control", "pause_requested": "control",
    "stop_requested": "control",
    "RunLock": "ownership", "lock_owner": "ownership", "require_free": "ownership", "LOCK_NAME": "ownership",
    "launch_worker": "workers", "schedule": "workers", "worker_slots": "workers", "queued_runs": "workers",
    "WORKER_LOG": "workers",
    "JobSnapshot": "jobs", "JobManager": "jobs", "ACTIVE_STATUSES": "runs", "OWNED_STATUSES": "runs",
    # engine (TensorFlow)
    "build_generator": "models", "build_discriminator": "models", "custom_layout": "models",
    "ModelCost": "models", "model_cost": "models",
    "GAN": "gan", "make_optimizer": "gan", "ADA_INTERVAL": "gan",
    "AUGMENT_OPS": "augment", "parse_augment_ops": "augment", "augment_images": "augment",
    "adjust_strength": "augment", "overfit_signal": "augment",
    "fixed_latents": "sampling", "recalibrate_batchnorm": "sampling", "generate": "sampling",
    "generate_uint8": "sampling",
    "open_training_array": "pipeline", "gaussian_samples": "pipeline", "steps_per_epoch": "pipeline",
    "make_dataset": "pipeline",
    "KEEP_FULL_CHECKPOINTS": "checkpoints", "save_checkpoint": "checkpoints",
    "restore_checkpoint": "checkpoints", "restore_newest_intact": "checkpoints", "load_generator": "checkpoints",
    "export_generator": "checkpoints", "load_exported_generator": "checkpoints",
    "ControlCallback": "callbacks", "EpochCallback": "callbacks",
    "configure_devices": "device", "device_description": "device", "distribution_strategy": "device",
    "use_jit": "device",
    "Cluster": "multiworker", "cluster_from_env": "multiworker", "per_worker_batch": "multiworker",
    "shard_indices": "multiworker", "shard_batches": "multiworker", "DIGEST_ENV": "multiworker",
    "COLLECTIVE_TIMEOUT_ENV": "multiworker",
    "ClusterPlan": "multiworker_train", "make_cluster_strategy": "multiworker_train",
    "train_cluster": "multiworker_train",
    "broadcast_from_chief": "collectives", "sum_across": "collectives", "peer_in_error": "collectives",
    "TrainOutcome": "trainer", "train_run": "trainer", "build_gan": "trainer", "SWD_SAMPLES": "trainer",
    # small datasets: data-aware defaults, transfer, storage (no TensorFlow)
    "MIN_DATASET_IMAGES": "autoconfig", "SMALL_SET": "autoconfig", "MEDIUM_SET": "autoconfig",
    "TARGET_STEPS": "autoconfig", "MIN_STEPS_IN_BUDGET": "autoconfig", "AutoChoice": "autoconfig",
    "auto_config": "autoconfig", "with_dataset_classes": "autoconfig", "legacy_recommended_config": "autoconfig", "check_dataset_size": "autoconfig",
    "TRANSFER_FIELDS": "transfer", "check_init_run": "transfer", "load_initial_weights": "transfer",
    "freeze_discriminator_layers": "transfer",
    "GRIDS_PER_SNAPSHOT": "storage", "thin_picks": "storage", "thin_run_snapshots": "storage",
    "run_disk_usage": "storage", "free_disk_mb": "storage",
    "run_worker": "worker", "ProgressWriter": "worker", "PROGRESS_FILE": "worker", "NICE_ENV": "worker", "DEFAULT_NICENESS": "worker",
    "export_sampler_onnx": "onnx_export", "first_hidden_layer": "onnx_export",
    "CostEstimate": "estimate", "estimate_cost": "estimate", "estimate_cost_in_worker": "estimate",
    "MODEL_FORMATS": "exports", "PARITY_TOLERANCE": "exports", "ModelExport": "exports", "export_model": "exports",
    "TensorBoardLog": "tensorboard_log", "TENSORBOARD_DIR": "tensorboard_log",
    # sharing without TensorFlow: web demos and run bundles
    "WEB_DEMO_FILES": "web_demo", "build_web_demo": "web_demo",
    "SHARE_CHOICES": "share", "share_run": "share",
    "BUNDLE_FORMAT": "bundles", "BundleLimits": "bundles", "export_bundle": "bundles", "import_bundle": "bundles",
    "zip_folder": "bundles",
    # explorer sampling through ONNX Runtime (no TensorFlow)
    "Sampler": "sampler", "MAX_FEATURES": "sampler",
    # latent
    "latent_from_seed": "latent", "sample_latents": "latent", "lerp": "latent", "slerp": "latent",
    "interpolate": "latent", "random_walk": "latent", "scale_toward_mean": "latent",
    "vector_arithmetic": "latent", "edit_dimensions": "latent",
    # directions
    "Directions": "directions", "pca_directions": "directions", "directions_from_features": "directions",
    "direction_from_examples": "directions", "move_along": "directions", "grid_2d": "directions",
    # explorations
    "EXPLORATION_FORMAT": "explorations", "LATENTS_FORMAT": "explorations", "NamedVector": "explorations",
    "Exploration": "explorations", "save_exploration": "explorations", "load_exploration": "explorations",
    "latents_to_json": "explorations", "latents_from_json": "explorations",
    # explorer exports (no TensorFlow)
    "MAX_UPSCALE": "explore_exports", "MAX_FRAMES": "explore_exports", "image_png": "explore_exports",
    "frames_gif": "explore_exports", "interpolation_gif": "explore_exports", "walk_gif": "explore_exports",
    # sources
    "ImageSource": "sources", "SourceLimits": "sources", "sources_from_zip": "archives",
    "sources_from_folder": "collect", "sources_from_uploads": "collect",
    # budget
    "DEFAULT_BUDGET_BYTES": "budget", "MemoryBudget": "budget", "BudgetExceeded": "budget",
    "default_budget": "budget",
    # decode
    "FIT_MODES": "decode", "RESAMPLE_FILTERS": "decode", "SUPPORTED_FORMATS": "decode",
    "PrepareOptions": "decode", "ImageRejected": "decode", "ImageInfo": "decode",
    "decode_image": "decode", "preview_image": "decode",
    # health
    "SMALL_DATASET": "health", "HealthReport": "health", "build_report": "health",
    # prepare
    "PreparedDataset": "prepare", "ConversionCancelled": "prepare", "prepare_dataset": "prepare",
    # datasets
    "BUNDLED_DATASET_ID": "datasets", "BUNDLED_EMOJI_ID": "datasets", "DatasetInfo": "datasets", "open_dataset": "datasets",
    "dataset_thumbnail": "datasets", "list_datasets": "datasets", "delete_dataset": "datasets",
    "read_manifest": "datasets",
    # labels
    "ClassQuality": "class_metrics", "class_quality": "class_metrics", "read_class_quality": "class_metrics",
    "CLASS_QUALITY_FILE": "class_metrics", "class_swd_matrix": "class_metrics", "PER_CLASS_SAMPLES": "class_metrics",
    "CLASS_EMBEDDING": "models", "CLASS_PROJECTION": "models",
    "open_training_labels": "pipeline", "balanced_order": "pipeline",
    "generator_classes": "sampling", "class_vectors": "sampling", "generator_inputs": "sampling",
    "grid_classes": "sampling", "GRID_CLASS_COLUMNS": "sampling",
    "grid_class_rows": "labels", "GRID_CLASS_ROWS": "labels",
    "DatasetClasses": "labels", "read_dataset_classes": "labels", "class_counts": "labels",
    "FolderLabels": "labels", "labels_from_names": "labels", "class_name": "labels", "MAX_CLASS_NAME": "labels",
    "SMALL_CLASS": "health", "UNBALANCED_RATIO": "health",
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
