"""CLI commands of the engine: ``presets`` and ``train`` (``sample`` is in :mod:`~dcgan_core.cli.sample`).

``train`` queues the run, which trains in its own worker process (see
:mod:`~dcgan_core.runs.workers`), and follows it with a terminal progress bar (Ctrl-C stops it
cleanly); with ``--background`` it prints the run folder and returns at once. With
``--resume RUN_DIR`` the run continues from its newest checkpoint for ``--epochs`` more. With the
recommended preset the settings are chosen from the data (see
:mod:`dcgan_core.settings.autoconfig`) and printed with their reasons; ``--set KEY=VALUE`` changes
any config field (also on ``--resume``), ``--init-from RUN_DIR`` starts from another run's
weights, and the coach's warnings are printed as they appear, with the command that
applies its remedy.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from dcgan_core.cli.common import fail, positive_int, positive_float
from dcgan_core.settings.autoconfig import auto_config
from dcgan_core.metrics.coach import coach_messages
from dcgan_core.settings.config import parse_setting
from dcgan_core.errors import ConfigError, DcganError
from dcgan_core.paths import bundled_dataset_path, default_runs_dir
from dcgan_core.settings.presets import RECOMMENDED_PRESET, list_presets, preset_config

__all__ = [
    "add_train_commands",
    "progress_line",
    "coach_lines",
    "config_from_args",
]


def add_train_commands(subparsers: Any) -> None:
    """Register ``presets`` and ``train`` on an argparse subparsers object."""
    presets = subparsers.add_parser("presets", help="list the training presets")
    presets.set_defaults(handler=_cmd_presets)

    train = subparsers.add_parser("train", help="train a run (or resume one) in the foreground")
    train.add_argument("--data", help="uint8 .npy dataset (N, H, W, C); default: the bundled digits")
    train.add_argument("--preset", default=RECOMMENDED_PRESET, help="preset name (see 'presets')")
    train.add_argument("--epochs", type=positive_int, default=None, help="epochs (more epochs with --resume)")
    train.add_argument("--batch-size", type=positive_int, default=None)
    train.add_argument("--width", type=positive_float, default=None, help="channel multiplier")
    train.add_argument("--runs-dir", default=None, help="folder for runs (default: ./runs)")
    train.add_argument("--max-seconds", type=positive_float, default=None, help="wall-clock budget")
    train.add_argument("--resume", metavar="RUN_DIR", default=None, help="continue this run")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--background", action="store_true", help="print the run folder and return; it trains on")
    train.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="settings",
        help="any config field, e.g. --set augment_p=0.5 --set d_lr=1e-4 (repeatable)",
    )
    train.add_argument(
        "--init-from",
        metavar="RUN_DIR",
        default=None,
        help="start from this run's newest weights (same preset, size, channels, width)",
    )
    train.add_argument(
        "--no-auto",
        action="store_true",
        help="use the preset's plain defaults instead of settings chosen from the data",
    )
    train.add_argument(
        "--measure-speed",
        action="store_true",
        help="time a few steps first, so the automatic settings fit this machine",
    )
    train.add_argument(
        "--run-id",
        default=None,
        metavar="NAME",
        help="the run's name; required on every worker of a multi-worker run (TF_CONFIG)",
    )
    train.set_defaults(handler=_cmd_train)


def _cmd_presets(args: argparse.Namespace) -> int:
    for preset in list_presets():
        c = preset.config
        shape = (
            "1-D values"
            if not c.is_image_model
            else ("sized to the data" if preset.sized_to_data else f"{c.image_size}x{c.image_size}")
        )
        print(
            f"{preset.name:15s} {preset.title} [{shape}, z={c.latent_dim}, {c.loss}, {c.optimizer}, batch {c.batch_size}]"
        )
    return 0


def progress_line(
    epoch: int,
    epochs: int,
    step: int,
    steps: int,
    g_loss: float,
    d_loss: float,
    ips: float,
    eta: float,
    width: int = 24,
) -> str:
    """One terminal progress line, e.g. ``epoch 3/10 [#####-----] 40/79 G 0.91 D 1.20 512 img/s ETA 1m02s``."""
    done = (epoch + (step / steps if steps else 0.0)) / max(1, epochs)
    filled = int(round(width * min(1.0, done)))
    eta_text = "--" if not math.isfinite(eta) else f"{int(eta // 60)}m{int(eta % 60):02d}s"
    ips_text = "--" if not math.isfinite(ips) else f"{ips:.0f}"
    return (
        f"epoch {min(epoch + 1, epochs)}/{epochs} [{'#' * filled}{'-' * (width - filled)}] {step}/{steps} "
        f"G {g_loss:.3f} D {d_loss:.3f} {ips_text} img/s ETA {eta_text}"
    )


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    values = dict(parse_setting(text) for text in args.settings)
    for key, value in (
        ("epochs", args.epochs),
        ("batch_size", args.batch_size),
        ("width", args.width),
        ("max_seconds", args.max_seconds),
        ("seed", args.seed),
    ):
        if value is not None and not (key == "epochs" and args.resume):
            values[key] = value
    if args.init_from:
        values["init_from_run"] = str(Path(args.init_from).resolve())
    return values


def _speed(count: int, size: int, channels: int, data: Path) -> float:
    from dcgan_core.settings.estimate import estimate_cost  # loads TensorFlow

    probe = preset_config(
        RECOMMENDED_PRESET, data_path=str(data), image_size=size, channels=channels, batch_size=32, width=1.0
    )
    return estimate_cost(probe, count).images_per_sec


def _new_config(args: argparse.Namespace, overrides: dict[str, Any]) -> Any:

    data = Path(args.data) if args.data else bundled_dataset_path()
    shape = np.load(data, mmap_mode="r").shape if data.suffix == ".npy" and data.is_file() else None
    if shape is None:
        raise ConfigError(f"--data must be an existing .npy file, got {data}")
    if len(shape) != 4:
        raise ConfigError(f"{data.name} must hold images (N, H, W, C); its shape is {shape}")
    path = str(data.resolve())
    if args.preset == RECOMMENDED_PRESET and not args.no_auto:
        speed = _speed(shape[0], shape[1], shape[3], data) if args.measure_speed else None
        choice = auto_config(shape[0], shape[1], shape[3], data_path=path, images_per_second=speed, **overrides)
        print(f"settings chosen for {data.name} ({shape[0]:,} images, {shape[1]}x{shape[2]}x{shape[3]}):")
        for reason in choice.reasons:
            print(f"  - {reason}")
        return choice.config, data.stem
    return preset_config(args.preset, data_path=path, image_size=shape[1], channels=shape[3], **overrides), data.stem


def config_from_args(args: argparse.Namespace) -> tuple[Any, Path]:
    """The TrainConfig that ``train``'s arguments ask for (settings chosen from the data, ``--set``,
    ``--init-from``), and its dataset path; every worker of a multi-worker run builds the same one.

    Raises:
        DcganError: when the preset, a setting or the source run is refused, or ``--data`` is unusable.
    """
    from dcgan_core.engine.transfer import check_init_run

    config, _ = _new_config(args, _settings(args))
    if config.init_from_run:
        check_init_run(config)
    return config, Path(config.data_path)


def _cmd_train(args: argparse.Namespace) -> int:
    from dcgan_core.errors import ConfigError
    from dcgan_core.engine.cluster import cluster_from_env

    try:
        cluster = cluster_from_env()
    except ConfigError as exc:
        return fail(str(exc))
    if cluster is not None:
        from dcgan_core.cli.cluster import train_in_cluster

        return train_in_cluster(args, cluster, config_from_args)
    if args.run_id:
        return fail("--run-id names a multi-worker run; TF_CONFIG does not name several workers here")
    from dcgan_core.runs.jobs import JobManager  # keeps 'presets' fast
    from dcgan_core.engine.transfer import check_init_run

    try:
        overrides = _settings(args)
        if args.resume:
            run_dir = Path(args.resume)
            manager = JobManager(run_dir.resolve().parent)
            run_id = manager.continue_run(run_dir.name, args.epochs or 1, overrides=overrides or None)
        else:
            config, name = _new_config(args, overrides)
            if config.init_from_run:
                check_init_run(config)
            manager = JobManager(Path(args.runs_dir) if args.runs_dir else default_runs_dir())
            run_id = manager.start(config, name=name)
    except (DcganError, OSError, ValueError) as exc:
        return fail(str(exc))
    print(f"run: {manager.runs_dir / run_id}")
    if args.background:
        manager.close()
        return 0
    return _follow(manager, run_id)


def coach_lines(snap: Any, dataset_size: int | None, seen: set[str], run_dir: Path | None = None) -> list[str]:
    """The coach's new warnings for a job snapshot, as terminal lines (each rule once).

    Args:
        snap: A :class:`~dcgan_core.runs.jobs.JobSnapshot`.
        dataset_size: Number of training images (``None`` for the 1-D toy).
        seen: Rules already printed; updated in place.
        run_dir: The run's folder, for the remedy's command line (default: the run id).
    """
    lines = []
    for message in coach_messages(snap.history, dataset_size, snap.status, snap.config):
        if message.rule in seen or message.level == "info":
            continue
        seen.add(message.rule)
        lines.append(f"coach: {message.title} {message.advice}")
        if message.remedy:
            sets = " ".join(f"--set {k}={v}" for k, v in message.remedy.items())
            lines.append(
                f"coach: remedy: python -m dcgan_core train --resume {run_dir or snap.run_id} --epochs N {sets}"
            )
    return lines


def _dataset_size(config: Any) -> int | None:
    if not config.is_image_model:
        return None
    try:
        import numpy as np

        return int(np.load(config.data_path, mmap_mode="r").shape[0])
    except (OSError, ValueError):
        return None


def _follow(manager: Any, run_id: str) -> int:
    seen: set[str] = set()
    first = manager.snapshot(run_id)
    size = _dataset_size(first.config) if first is not None else None
    try:
        while manager.is_busy(run_id):
            snap = manager.snapshot(run_id)
            g = snap.history["g_loss"][-1] if snap.history["g_loss"] else math.nan
            d = snap.history["d_loss"][-1] if snap.history["d_loss"] else math.nan
            line = progress_line(
                snap.epoch,
                snap.epochs_total,
                snap.step,
                snap.steps_per_epoch,
                g,
                d,
                snap.images_per_sec,
                snap.eta_seconds,
            )
            print("\r" + line, end="", file=sys.stderr, flush=True)
            for warning in coach_lines(snap, size, seen, manager.runs_dir / run_id):
                print("\n" + warning, file=sys.stderr, flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        with contextlib.suppress(DcganError):
            manager.stop(run_id)
    snap = manager.wait(run_id)
    print(file=sys.stderr)
    for warning in coach_lines(snap, size, seen, manager.runs_dir / run_id):
        print(warning, file=sys.stderr)
    print(f"{snap.status}: {snap.message}")
    if snap.status == "failed" and snap.traceback:
        print(snap.traceback, file=sys.stderr)
    return 0 if snap.status in ("finished", "stopped") else 1
