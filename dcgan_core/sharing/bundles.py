"""Run bundles: a run as one zip that another machine imports, explores and trains further.

A bundle holds the run's config, metrics, grids, saved generators (weights and ONNX),
explorations and, when asked for, its newest resumable checkpoint and its dataset (what
training further needs), with ``bundle.json``: the format, the run id, the latent size and
the sha256 and size of every file. Importing treats the zip as hostile, like an image
upload: member count, total size and compression ratio are capped, every name must be a
plain relative path into a known part of a run folder, nothing is executed or unpickled,
every file must match the manifest, and the latent size the bundle claims must be the
one its generator takes. Files are checked in a staging folder first; existing runs are
never touched. No TensorFlow here.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from dcgan_core.settings.config import config_to_dict
from dcgan_core.settings.config import config_from_dict
from dcgan_core.errors import ConfigError, DcganError, RunError
from dcgan_core.paths import default_runs_dir
from dcgan_core.runs.epochs import checkpoint_epochs, generator_epochs
from dcgan_core.atomic import atomic_write_json
from dcgan_core.runs.folder import read_run_config, write_status

__all__ = ["BUNDLE_FORMAT", "BundleLimits", "export_bundle", "import_bundle", "zip_folder"]

BUNDLE_FORMAT = "dcgan-studio-run-bundle/1"
_MANIFEST = "bundle.json"
_TOP_FILES = {"config.json", "metrics.csv", "progress.gif", "generator.keras", "histograms.json", "dataset.npy"}
_FOLDERS = {
    "samples": re.compile(r"^epoch_\d{4,}\.png$"),
    "generators": re.compile(r"^epoch_\d{4,}\.(npz|onnx)$"),
    "checkpoints": re.compile(r"^epoch_\d{4,}\.(npz|json)$"),
    "explorations": re.compile(r"^[\w.-]{1,100}\.json$"),
    "tensorboard": re.compile(r"^events\.out\.tfevents\.[\w.-]{1,200}$"),
}


@dataclass(frozen=True)
class BundleLimits:
    """Caps applied to a bundle before anything is extracted."""

    max_members: int = 20_000
    max_total_bytes: int = 8 * 2**30
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * 2**20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _bundle_files(run_dir: Path, resumable: bool) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for name in ("config.json", "metrics.csv", "progress.gif", "generator.keras", "histograms.json"):
        if (run_dir / name).is_file():
            files[name] = run_dir / name
    for folder in ("samples", "generators", "explorations", "tensorboard"):
        pattern = _FOLDERS[folder]
        if (run_dir / folder).is_dir():
            for path in sorted((run_dir / folder).iterdir()):
                if path.is_file() and pattern.match(path.name):
                    files[f"{folder}/{path.name}"] = path
    if resumable:
        epochs = checkpoint_epochs(run_dir)
        if not epochs:
            raise RunError(f"{run_dir.name} has no checkpoint to carry over; export it without one.")
        for suffix in ("npz", "json"):
            files[f"checkpoints/epoch_{epochs[-1]:04d}.{suffix}"] = (
                run_dir / "checkpoints" / f"epoch_{epochs[-1]:04d}.{suffix}"
            )
        config, _ = read_run_config(run_dir)
        if config.data_path:
            data = Path(config.data_path)
            if not data.is_file():
                raise RunError(
                    f"{run_dir.name} trained on {data}, which is no longer there; export it without a checkpoint."
                )
            files["dataset.npy"] = data
    return files


def export_bundle(run_dir: Path, out: Path, resumable: bool = False) -> Path:
    """Write ``run_dir`` as one zip at ``out``; ``resumable`` adds the newest checkpoint and the dataset.

    Raises:
        DcganError: a run without a saved generator, or a place that cannot be written.
    """
    run_dir, out = Path(run_dir), Path(out)
    config, meta = read_run_config(run_dir)
    if not generator_epochs(run_dir):
        raise RunError(f"{run_dir.name} has no saved generator yet; there is nothing to share.")
    files = _bundle_files(run_dir, resumable)
    manifest = {
        "format": BUNDLE_FORMAT,
        "run_id": run_dir.name,
        "dataset_name": meta.get("dataset_name", ""),
        "display_name": meta.get("display_name", ""),
        "latent_dim": config.latent_dim,
        "resumable": resumable,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {name: {"sha256": _sha256(path), "bytes": path.stat().st_size} for name, path in files.items()},
    }
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(_MANIFEST, json.dumps(manifest, indent=1))
            for name, path in files.items():
                archive.write(path, name)
        tmp.replace(out)
    except OSError as exc:
        raise DcganError(f"Cannot write the bundle to {out}: {exc.strerror or exc}.") from None
    return out


def zip_folder(folder: Path, archive: Path) -> Path:
    """Write every file under ``folder`` into ``archive``, under the folder's own name."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                bundle.write(path, f"{Path(folder).name}/{path.relative_to(folder)}")
    return archive


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if name.startswith("/") or "\\" in name or ".." in path.parts or not path.parts:
        raise DcganError(f"The bundle holds a path outside itself: {name!r}.")
    if len(path.parts) == 1 and (name in _TOP_FILES or name == _MANIFEST):
        return
    if len(path.parts) == 2 and path.parts[0] in _FOLDERS and _FOLDERS[path.parts[0]].match(path.parts[1]):
        return
    raise DcganError(f"The bundle holds a file that does not belong in a run: {name!r}.")


def _read_manifest(archive: zipfile.ZipFile, limits: BundleLimits) -> dict:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise DcganError(f"The bundle has {len(infos):,} files; at most {limits.max_members:,} are accepted.")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > limits.max_total_bytes:
        raise DcganError(
            f"The bundle would unpack to {total / 2**30:.1f} GiB; at most "
            f"{limits.max_total_bytes / 2**30:.0f} GiB are accepted."
        )
    if total > limits.ratio_floor_bytes and total / packed > limits.max_ratio:
        raise DcganError(f"The bundle is compressed {total / packed:.0f} to 1, like a zip bomb; refused.")
    seen = set()
    for info in infos:
        _check_name(info.filename)
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise DcganError(f"The bundle holds a symbolic link: {info.filename!r}.")
        if info.filename in seen:
            raise DcganError(f"The bundle holds {info.filename!r} twice.")
        if info.file_size > limits.ratio_floor_bytes and info.file_size / max(1, info.compress_size) > limits.max_ratio:
            raise DcganError(f"{info.filename} is compressed like a zip bomb; refused.")
        seen.add(info.filename)
    if _MANIFEST not in seen:
        raise DcganError("This zip is not a run bundle (it has no bundle.json).")
    with archive.open(_MANIFEST) as handle:
        raw = handle.read(2_000_001)
    try:
        manifest = json.loads(raw[:2_000_000])
    except (ValueError, RecursionError):
        raise DcganError("The bundle's bundle.json is damaged.") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != BUNDLE_FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise DcganError("The bundle's bundle.json is not a run bundle manifest of a known format.")
    listed = set(manifest["files"]) | {_MANIFEST}
    if listed != seen:
        extra, absent = sorted(seen - listed), sorted(listed - seen)
        raise DcganError(
            f"The bundle's files do not match its manifest (unlisted: {extra[:3]}, missing: {absent[:3]})."
        )
    return manifest


def _extract(archive: zipfile.ZipFile, manifest: dict, staging: Path) -> None:
    for name, entry in manifest["files"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise DcganError(f"The manifest entry of {name} is damaged.")
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with archive.open(name) as source, open(target, "wb") as sink:
            for block in iter(lambda: source.read(1 << 20), b""):
                size += len(block)
                if size > int(entry.get("bytes", -1)):
                    raise DcganError(f"{name} does not match the bundle's manifest (larger than listed).")
                digest.update(block)
                sink.write(block)
        if digest.hexdigest() != entry["sha256"] or size != entry.get("bytes"):
            raise DcganError(f"{name} does not match the bundle's manifest (changed or damaged).")


def _generator_latent_dim(staging: Path) -> int | None:
    epochs = generator_epochs(staging)
    if not epochs:
        raise DcganError("The bundle holds no saved generator.")
    onnx = staging / "generators" / f"epoch_{epochs[-1]:04d}.onnx"
    if onnx.is_file():
        import onnxruntime as ort

        try:
            session = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged model file raises runtime-specific types
            raise DcganError(f"The bundle's generator cannot be read ({type(exc).__name__}).") from None
        dim = session.get_inputs()[0].shape[-1]
        return int(dim) if isinstance(dim, int) else None
    with np.load(staging / "generators" / f"epoch_{epochs[-1]:04d}.npz", allow_pickle=False) as archive:
        first = archive[sorted(archive.files)[0]]
    return int(first.shape[0]) if first.ndim == 2 else None


def import_bundle(bundle: Path, runs_dir: Path | None = None, limits: BundleLimits | None = None) -> Path:
    """Import a run bundle into ``runs_dir``; returns the new run folder.

    Raises:
        DcganError: not a zip, truncated, hostile (paths, links, bombs, too many or too large
            files), files that do not match the manifest, or a latent size that does not fit.
    """
    bundle = Path(bundle)
    runs_dir = Path(runs_dir or default_runs_dir())
    limits = limits or BundleLimits()
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=runs_dir))
    try:
        try:
            with zipfile.ZipFile(bundle) as archive:
                manifest = _read_manifest(archive, limits)
                _extract(archive, manifest, staging)
        except (zipfile.BadZipFile, EOFError):
            raise DcganError(f"{bundle.name} is not a zip file, or it is truncated.") from None
        except (OSError, zipfile.LargeZipFile) as exc:
            raise DcganError(f"{bundle.name} cannot be read: {exc}.") from None
        try:
            config, meta = read_run_config(staging)
        except RunError as exc:
            raise DcganError(f"The bundle's config is not usable: {exc}") from None
        claimed = manifest.get("latent_dim")
        actual = _generator_latent_dim(staging)
        if claimed != config.latent_dim or (actual is not None and actual != config.latent_dim):
            raise DcganError(
                f"The bundle claims a latent size of {claimed} (config: {config.latent_dim}) but its "
                f"generator takes {actual}; refused."
            )
        run_id = str(manifest.get("run_id", "")) or "imported"
        if not re.fullmatch(r"[\w.-]{1,120}", run_id) or run_id.startswith("."):
            run_id = "imported"
        final = runs_dir / run_id
        while final.exists():
            final = runs_dir / f"{run_id}-imported-{int(time.time() * 1000) % 100000}"
        if (staging / "dataset.npy").is_file():  # the run trains further on the data it came with
            try:
                config = config_from_dict({**config_to_dict(config), "data_path": str(final.resolve() / "dataset.npy")})
            except ConfigError as exc:
                raise DcganError(f"The bundle's config is not usable: {exc}") from None
        atomic_write_json(
            staging / "config.json",
            {**meta, "run_id": final.name, "config": config_to_dict(config), "imported_from": bundle.name},
        )
        done = checkpoint_epochs(staging)
        epoch = done[-1] if done else generator_epochs(staging)[-1]
        write_status(
            staging,
            status="stopped",
            epoch=epoch,
            epochs_total=config.epochs,
            message=f"Imported from {bundle.name}."
            + ("" if done else " It has no checkpoint: explore it, or start a new run to train."),
        )
        staging.rename(final)
        return final
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
