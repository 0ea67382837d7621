"""CLI command ``sample``: a grid (PNG) or the raw samples (.npy) of a run's saved generator.

Image i of a row is the explorer's seed ``SEED + i``: the same picture in the browser and
here. A run that draws by class gives one row per class (``--class NAME`` picks them).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np

from dcgan_core.cli.common import fail, positive_int
from dcgan_core.errors import DcganError

__all__ = ["add_sample_command"]


def add_sample_command(subparsers) -> None:
    """Register ``sample`` on an argparse subparsers object."""
    sample = subparsers.add_parser("sample", help="write a grid of samples (PNG) or the raw samples (.npy) from a run")
    sample.add_argument("--run", required=True, metavar="RUN_DIR")
    sample.add_argument("--n", type=positive_int, default=16, help="samples (per class, for a run that draws by class)")
    sample.add_argument(
        "--out", required=True, help="a .png grid, or a .npy of the raw uint8 samples shaped (N, H, W, C)"
    )
    sample.add_argument(
        "--class",
        dest="classes",
        action="append",
        metavar="NAME",
        default=None,
        help="draw this class (repeat for several: one grid row each; default: every class "
        "of a run that draws by class)",
    )
    sample.add_argument("--seed", type=int, default=0, help="image i uses the explorer's seed SEED+i")
    sample.add_argument("--epoch", type=positive_int, default=None, help="saved epoch (default: newest)")
    sample.set_defaults(handler=_cmd_sample)


def _cmd_sample(args: argparse.Namespace) -> int:
    from dcgan_core.engine.checkpoints import load_generator
    from dcgan_core.images import encode_png, make_grid
    from dcgan_core.explore.latent import sample_latents
    from dcgan_core.atomic import atomic_write_bytes
    from dcgan_core.runs.folder import read_run_config
    from dcgan_core.engine.sampling import generate_uint8

    run_dir = Path(args.run)
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".npy"):
        return fail(f"--out must end in .png (a grid) or .npy (raw samples), got {out.name}")
    try:
        config, _ = read_run_config(run_dir)
        if not config.is_image_model:
            return fail(f"{run_dir.name} is a 1-D model; it makes numbers, not images")
        rows = _sample_rows(config, args.classes)
        generator, epoch = load_generator(run_dir, args.epoch)
        # image i of a row is the explorer's seed (seed + i): the same picture in the browser and here
        z = sample_latents(args.n, config.latent_dim, args.seed, config.latent_dist)
        if rows:
            images = np.concatenate([generate_uint8(generator, z, config.value_range, classes=k) for k in rows])
        else:
            images = generate_uint8(generator, z, config.value_range)
        if out.suffix.lower() == ".npy":
            buffer = io.BytesIO()
            np.save(buffer, images, allow_pickle=False)
            atomic_write_bytes(out.resolve(), buffer.getvalue())
        else:
            grid = make_grid(images, cols=args.n if rows else None)
            atomic_write_bytes(out.resolve(), encode_png(grid))
    except (DcganError, OSError) as exc:
        return fail(str(exc))
    per = f" for {len(rows)} class(es)" if rows else ""
    print(f"wrote {len(images)} samples{per} of epoch {epoch} to {out}")
    return 0


def _sample_rows(config, names: list[str] | None) -> list[int]:
    """Class numbers to draw, one grid row each; empty for a run without classes.

    Raises:
        DcganError: for ``--class`` on a run without classes, or a name it does not draw.
    """
    if not config.n_classes:
        if names:
            raise DcganError("this run draws without classes; leave out --class")
        return []
    if not names:
        return list(range(config.n_classes))
    unknown = [n for n in names if n not in config.class_names]
    if unknown:
        raise DcganError(f"this run has no class {unknown[0]!r}; its classes are {', '.join(config.class_names[:20])}")
    return [config.class_names.index(n) for n in names]
