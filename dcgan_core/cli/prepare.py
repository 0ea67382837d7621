"""``python -m dcgan_core prepare SOURCE``: convert a folder or a zip into a cached dataset.

Prints the ``.npy`` path and the health report's summary, with the classes that the
folder's subfolders give (or why they give none). Exit status 0 on success, 2 with
one clear line on stderr (never a traceback) when the arguments are wrong, nothing usable
was found, or the source or the cache folder cannot be read or written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dcgan_core.cli.common import fail
from dcgan_core.data.decode import FIT_MODES, RESAMPLE_FILTERS, PrepareOptions
from dcgan_core.errors import DcganError
from dcgan_core.data.prepare import prepare_dataset
from dcgan_core.data.collect import sources_from_folder

__all__ = ["add_prepare_command", "run_prepare"]


def add_prepare_command(subparsers: Any) -> None:
    """Register the ``prepare`` sub-command on an ``argparse`` sub-parser collection.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.
    """
    parser = subparsers.add_parser(
        "prepare",
        help="convert a folder or zip of images into a cached dataset",
        description="Convert a folder (searched recursively) or a zip of images into a cached "
        "uint8 .npy dataset, and print a health report.",
    )
    parser.add_argument("source", help="a folder of images, or a .zip archive")
    parser.add_argument("--size", type=int, default=64, help="side of the square images (default 64)")
    parser.add_argument("--channels", type=int, default=3, choices=(1, 3), help="1 for grey, 3 for colour")
    parser.add_argument("--fit", default="crop", choices=FIT_MODES, help="how to make pictures square")
    parser.add_argument("--resample", default="lanczos", choices=tuple(RESAMPLE_FILTERS), help="resize filter")
    parser.add_argument("--name", default=None, help="name shown in the dataset list")
    parser.add_argument("--cache-dir", default=None, help="cache folder (default: data/cache or $DCGAN_CACHE_DIR)")
    parser.set_defaults(handler=run_prepare)


def run_prepare(args: argparse.Namespace) -> int:
    """Run ``prepare`` with parsed arguments.

    Returns:
        0 on success, 2 when the arguments or the images cannot be used.
    """
    try:
        options = PrepareOptions(size=args.size, channels=args.channels, fit=args.fit, resample=args.resample)
        source = Path(args.source)
        sources = sources_from_folder(source, lazy=True)
        result = prepare_dataset(
            sources, options, cache_dir=args.cache_dir, name=args.name or source.name or str(source)
        )
    except DcganError as err:
        return fail(str(err))
    except KeyboardInterrupt:
        return fail("interrupted; nothing was saved.", 130)
    except MemoryError:
        return fail("the machine ran out of memory while converting; nothing was saved.")
    except (OSError, RuntimeError, ValueError) as err:  # never a traceback: one line, like every other failure
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        where = getattr(err, "filename", None)
        return fail(f"{where}: {reason}" if where else f"{reason} ({type(err).__name__})")
    print(result.npy_path)
    cached = " (from the cache, nothing decoded)" if result.from_cache else ""
    classes = result.manifest.get("classes") or []
    labelled = f", {len(classes):,} classes" if classes else ", no classes"
    print(f"Dataset {result.dataset_id}: {tuple(result.shape)} uint8{labelled}{cached}")
    print(result.report.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m dcgan_core.cli.prepare SOURCE ...``."""
    parser = argparse.ArgumentParser(prog="dcgan_core")
    add_prepare_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["prepare", *(sys.argv[1:] if argv is None else argv)])
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
