"""A web demo of a run: one static folder (and a zip of it) that any web server shows.

The folder holds ``index.html`` and ``demo.js`` (the page), ``vendor/`` (onnxruntime-web,
pinned, with its licence), ``model.onnx`` (the sampling generator of one saved epoch),
``latents.bin`` (the app's latents of seeds 0..N-1, so seed S in the demo is seed S in the
app), and ``demo.json``: latent size and distribution, image shape, the discovered
directions with their names (and any named in saved explorations), saved latents, the
class names of a conditional run (the page then offers a class picker), and a short model
card. Everything is computed in the visitor's browser; no server code. No
TensorFlow here: the ONNX file is the one the worker exported at that checkpoint.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from collections.abc import Sequence

import numpy as np

from dcgan_core.sharing.bundles import zip_folder
from dcgan_core.errors import DcganError
from dcgan_core.explore.explorations import Exploration
from dcgan_core.explore.latent import sample_latents
from dcgan_core.runs.epochs import generator_onnx_path
from dcgan_core.runs.folder import read_run_config
from dcgan_core.runs.history import read_metrics
from dcgan_core.explore.sampler import Sampler

__all__ = ["WEB_DEMO_FILES", "build_web_demo"]

_WEB = Path(__file__).resolve().parent / "web"
#: The page's own files, copied into every demo.
WEB_DEMO_FILES = (
    "index.html",
    "demo.js",
    "vendor/ort.wasm.min.js",
    "vendor/ort-wasm-simd-threaded.wasm",
    "vendor/ort-wasm-simd-threaded.mjs",
    "vendor/LICENSE.txt",
    "vendor/VERSION.txt",
)


def _card(run_dir: Path, sampler: Sampler) -> dict:
    config, meta = read_run_config(run_dir)
    metrics = read_metrics(run_dir)
    rows = [i for i, e in enumerate(metrics["epoch"]) if e <= sampler.epoch]
    swd = [metrics["swd"][i] for i in rows if math.isfinite(metrics["swd"][i])]
    seconds = metrics["elapsed_seconds"][rows[-1]] if rows else math.nan
    count = None
    if config.data_path:
        try:
            count = int(np.load(config.data_path, mmap_mode="r").shape[0])
        except (OSError, ValueError):
            count = None
    name = str(meta.get("display_name") or meta.get("dataset_name") or run_dir.name)
    facts = {
        "Dataset": f"{meta.get('dataset_name', '?')}" + (f" ({count:,} images)" if count else ""),
        "Preset": config.preset,
        "Epochs trained": sampler.epoch,
        "Training time": f"{seconds / 60:.1f} min" if math.isfinite(seconds) else "unknown",
        "Quality score (SWD, lower is better)": f"{swd[-1]:.4g}" if swd else "not measured",
        "Image size": "x".join(str(d) for d in sampler.image_shape),
        "Run": run_dir.name,
    }
    return {"title": f"{name} · a GAN you can play with", "facts": facts}


def build_web_demo(
    run_dir: Path,
    out_dir: Path,
    epoch: int | None = None,
    explorations: Sequence[Exploration] = (),
    directions: int = 6,
    seed_count: int = 256,
    make_zip: bool = True,
) -> Path:
    """Write the web demo of ``run_dir`` (at ``epoch``, default newest) into ``out_dir``.

    Returns the folder, or the zip beside it (``out_dir`` + ``.zip``) when ``make_zip``.

    Raises:
        DcganError: a run without a saved generator, a 1-D model, or a folder that cannot be written.
    """
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    sampler = Sampler.from_run(run_dir, epoch)
    if not sampler.is_image_model:
        raise DcganError(f"{run_dir.name} makes numbers, not images: a web demo shows images.")
    missing = [name for name in WEB_DEMO_FILES if not (_WEB / name).is_file()]
    if missing:
        raise DcganError(f"The demo page files are missing from this installation: {', '.join(missing)}.")
    found = sampler.discover_directions(directions, n=2000, seed=0)
    named = [{"name": name, "vector": vector.tolist()} for name, vector in zip(found.names, found.vectors)]
    saved = []
    for exploration in explorations:
        if exploration.latent_dim != sampler.latent_dim:
            raise DcganError(
                f"An exploration of latent size {exploration.latent_dim} does not fit this generator "
                f"({sampler.latent_dim})."
            )
        named += [{"name": d.name, "vector": d.vector.tolist()} for d in exploration.directions]
        saved += [{"name": v.name, "vector": v.vector.tolist()} for v in exploration.latents]
    meta = {
        "format": "dcgan-studio-web-demo/1",
        "latent_dim": sampler.latent_dim,
        "distribution": sampler.latent_distribution,
        "value_range": sampler.value_range,
        "image_shape": list(sampler.image_shape),
        "seed_count": int(seed_count),
        "directions": named,
        "saved_latents": saved,
        "card": _card(run_dir, sampler),
        "epoch": sampler.epoch,
        "classes": list(sampler.class_names),
    }
    try:
        if out_dir.exists():
            shutil.rmtree(out_dir)
        (out_dir / "vendor").mkdir(parents=True)
        for name in WEB_DEMO_FILES:
            shutil.copyfile(_WEB / name, out_dir / name)
        shutil.copyfile(generator_onnx_path(run_dir, sampler.epoch), out_dir / "model.onnx")
        sample_latents(seed_count, sampler.latent_dim, 0, sampler.latent_distribution).tofile(out_dir / "latents.bin")
        (out_dir / "demo.json").write_text(json.dumps(meta))
        if not make_zip:
            return out_dir
        return zip_folder(out_dir, out_dir.with_name(out_dir.name + ".zip"))
    except OSError as exc:
        raise DcganError(f"Cannot write the web demo to {out_dir}: {exc.strerror or exc}.") from None
