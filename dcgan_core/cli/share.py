"""CLI commands to share a run: ``export`` (model files, a web demo, a bundle) and ``import``.

``python -m dcgan_core export RUN_DIR --format keras|savedmodel|onnx|tflite|web|bundle
[--epoch N] --out PATH`` and ``python -m dcgan_core import BUNDLE.zip [--runs-dir DIR]``.
Every failure is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dcgan_core.cli.common import fail
from dcgan_core.errors import DcganError

__all__ = ["add_share_commands", "SHARE_FORMATS"]

SHARE_FORMATS = ("keras", "savedmodel", "onnx", "tflite", "web", "bundle")


def add_share_commands(subparsers: Any) -> None:
    """Register ``export`` and ``import`` on an argparse subparsers object."""
    export = subparsers.add_parser("export", help="export a run: model files, a web demo or a bundle")
    export.add_argument("run_dir", metavar="RUN_DIR")
    export.add_argument("--format", required=True, choices=SHARE_FORMATS)
    export.add_argument("--out", required=True, help="file or folder to write")
    export.add_argument("--epoch", type=int, default=None, help="saved epoch (default: newest)")
    export.add_argument(
        "--with-checkpoint",
        action="store_true",
        help="bundle: add the newest checkpoint and the dataset, to train further elsewhere",
    )
    export.add_argument(
        "--exploration",
        action="append",
        default=[],
        metavar="FILE",
        help="web: saved exploration JSON whose named latents and directions the demo shows",
    )
    export.set_defaults(handler=_cmd_export)

    imported = subparsers.add_parser("import", help="import a run bundle (zip) as a run")
    imported.add_argument("bundle", metavar="BUNDLE.zip")
    imported.add_argument("--runs-dir", default=None, help="folder of runs (default: ./runs)")
    imported.set_defaults(handler=_cmd_import)


def _cmd_export(args: argparse.Namespace) -> int:
    run_dir, out = Path(args.run_dir), Path(args.out)
    if not (run_dir / "config.json").is_file():
        return fail(f"{run_dir} is not a run folder")
    try:
        if args.format == "bundle":
            from dcgan_core.sharing.bundles import export_bundle

            path = export_bundle(run_dir, out, resumable=args.with_checkpoint)
            print(f"wrote {path}")
        elif args.format == "web":
            from dcgan_core.explore.explorations import load_exploration
            from dcgan_core.sharing.web_demo import build_web_demo

            explorations = []
            for name in args.exploration:
                try:
                    explorations.append(load_exploration(Path(name).read_bytes()))
                except OSError as exc:
                    return fail(f"cannot read {name}: {exc.strerror}")
            folder = out.with_suffix("") if out.suffix == ".zip" else out
            path = build_web_demo(run_dir, folder, args.epoch, explorations=explorations)
            print(f"wrote {folder} and {path}")
        else:
            from dcgan_core.runs.epochs import saved_generator_epoch
            from dcgan_core.runs.folder import read_run_config

            read_run_config(run_dir)  # a damaged run or a missing epoch fails fast, before TensorFlow loads
            saved_generator_epoch(run_dir, args.epoch)
            from dcgan_core.engine.exports import export_model

            result = export_model(run_dir, args.format, out, args.epoch)
            print(
                f"wrote {result.path} ({result.format}, epoch {result.epoch}, {result.bytes:,} bytes; "
                f"matches the generator within {result.max_difference:.1e})"
            )
    except DcganError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot write {out}: {exc.strerror or exc}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from dcgan_core.sharing.bundles import import_bundle
    from dcgan_core.paths import default_runs_dir

    bundle = Path(args.bundle)
    if not bundle.is_file():
        return fail(f"{bundle} is not a file")
    try:
        run_dir = import_bundle(bundle, Path(args.runs_dir) if args.runs_dir else default_runs_dir())
    except DcganError as exc:
        return fail(str(exc))
    print(f"imported as {run_dir}")
    return 0
