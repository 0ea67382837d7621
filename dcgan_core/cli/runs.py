"""CLI commands for the run lifecycle, as the app drives it: ``runs``, ``status``, ``pause``,
``resume``, ``stop``, plus the process entry points ``worker``, ``estimate`` and ``onnx``.

Runs started here appear live in the app and the reverse: both read and write the same
run folders, and both go through the run's lock and the queue on disk.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from dcgan_core.cli.common import fail
from dcgan_core.errors import DcganError

__all__ = ["add_run_commands"]


def add_run_commands(subparsers: Any) -> None:
    """Register the lifecycle commands and the worker entry points on an argparse subparsers object."""
    runs = subparsers.add_parser("runs", help="list every run with its status, epoch and owner process")
    runs.add_argument("--runs-dir", default=None, help="folder of runs (default: ./runs)")
    runs.set_defaults(handler=_cmd_runs)
    for name, text in (
        ("status", "show one run's status"),
        ("pause", "pause a training run after its batch"),
        ("resume", "resume a paused run"),
        ("stop", "stop a run after its batch, or unqueue it"),
    ):
        command = subparsers.add_parser(name, help=text)
        command.add_argument("run_dir", metavar="RUN_DIR")
        command.set_defaults(handler=_cmd_control, action=name)

    worker = subparsers.add_parser("worker", help="(internal) train one run in this process")
    worker.add_argument("run_dir", metavar="RUN_DIR")
    worker.add_argument("--lock-fd", type=int, default=None, help=argparse.SUPPRESS)
    worker.set_defaults(handler=_cmd_worker)

    estimate = subparsers.add_parser("estimate", help="(internal) time a config read as JSON from stdin")
    estimate.set_defaults(handler=_cmd_estimate)

    onnx = subparsers.add_parser("onnx", help="export a run's saved generator to ONNX for the explorer")
    onnx.add_argument("run_dir", metavar="RUN_DIR")
    onnx.add_argument("--epoch", type=int, default=None, help="saved epoch (default: newest)")
    onnx.set_defaults(handler=_cmd_onnx)


def _manager(run_dir: Path) -> Any:
    from dcgan_core.runs.jobs import JobManager

    return JobManager(run_dir.resolve().parent, watch=False)


def _describe(snap: Any) -> str:
    owner = f" · process {snap.owner_pid}" if snap.owner_pid else ""
    speed = f" · {snap.images_per_sec:,.0f} img/s" if math.isfinite(snap.images_per_sec) else ""
    step = f" step {snap.step}" if snap.step else ""
    return f"{snap.status:11s} epoch {snap.epoch}/{snap.epochs_total}{step}{speed}{owner}"


def _cmd_runs(args: argparse.Namespace) -> int:
    from dcgan_core.paths import default_runs_dir
    from dcgan_core.runs.listing import list_runs

    folder = Path(args.runs_dir) if args.runs_dir else default_runs_dir()
    if not folder.is_dir():
        return fail(f"{folder} is not a folder of runs")
    summaries = list_runs(folder)
    if not summaries:
        print(f"no runs in {folder}")
    for s in summaries:
        if s.damaged:
            print(f"{s.run_id}  damaged     {s.problem}")
            continue
        owner = f" · process {s.owner_pid}" if s.owner_pid else ""
        print(
            f"{s.run_id}  {s.status:11s} epoch {s.epochs_done}/{s.epochs_total} · {s.preset} · {s.dataset_name}{owner}"
        )
    return 0


def _cmd_control(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    if not (run_dir / "config.json").is_file():
        return fail(f"{run_dir} is not a run folder")
    try:
        manager = _manager(run_dir)
        if args.action != "status":
            getattr(manager, args.action)(run_dir.name)
        snap = manager.snapshot(run_dir.name)
    except DcganError as exc:
        return fail(str(exc))
    if snap is None:
        return fail(f"{run_dir.name} cannot be read (see 'runs' for the reason)")
    verb = {"pause": "pause asked", "resume": "resume asked", "stop": "stop asked"}.get(args.action)
    print(f"{run_dir.name}: {_describe(snap)}{' · ' + verb if verb else ''}")
    if args.action == "status" and snap.message:
        print(snap.message)
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from dcgan_core.runs.worker import run_worker

    run_dir = Path(args.run_dir)
    if not (run_dir / "config.json").is_file():
        return fail(f"{run_dir} is not a run folder")
    return run_worker(run_dir, args.lock_fd)


def _cmd_estimate(args: argparse.Namespace) -> int:
    import dataclasses

    from dcgan_core.settings.config import config_from_dict
    from dcgan_core.settings.estimate import estimate_cost

    try:
        request = json.loads(sys.stdin.read(1_000_000))
        config = config_from_dict(request["config"])
        estimate = estimate_cost(config, int(request["n_images"]))
    except (DcganError, KeyError, TypeError, ValueError) as exc:
        return fail(str(exc))
    print(json.dumps(dataclasses.asdict(estimate)))
    return 0


def _cmd_onnx(args: argparse.Namespace) -> int:
    from dcgan_core.engine.checkpoints import load_generator
    from dcgan_core.engine.onnx_export import export_sampler_onnx
    from dcgan_core.runs.epochs import generator_onnx_path

    run_dir = Path(args.run_dir)
    try:
        generator, epoch = load_generator(run_dir, args.epoch)
        path = export_sampler_onnx(generator, generator_onnx_path(run_dir, epoch))
    except DcganError as exc:
        return fail(str(exc))
    print(f"wrote {path}")
    return 0
