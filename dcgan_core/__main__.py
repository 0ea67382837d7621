"""Command line: ``python -m dcgan_core {presets,prepare,train,sample,runs,status,pause,resume,stop,export,import} ...``.

Bad arguments get one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dcgan_core.cli.runs import add_run_commands  # noqa: E402
from dcgan_core.cli.sample import add_sample_command  # noqa: E402
from dcgan_core.cli.share import add_share_commands  # noqa: E402
from dcgan_core.cli.train import add_train_commands  # noqa: E402


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The CLI's parser with every subcommand registered."""
    parser = _Parser(prog="python -m dcgan_core", description="Train and sample DCGANs without a browser.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_train_commands(subparsers)
    add_sample_command(subparsers)
    add_run_commands(subparsers)
    add_share_commands(subparsers)
    try:
        from dcgan_core.cli.prepare import add_prepare_command
    except ImportError:  # pragma: no cover - ingestion not installed
        pass
    else:
        add_prepare_command(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
