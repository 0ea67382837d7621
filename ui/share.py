"""Share a run from the Runs and Explore pages: pick a format, prepare it, download it; import a bundle."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from dcgan_core import SHARE_CHOICES, DcganError, import_bundle, share_run

__all__ = ["share_panel", "import_panel"]

_MIME = {
    ".zip": "application/zip",
    ".onnx": "application/octet-stream",
    ".tflite": "application/octet-stream",
    ".keras": "application/octet-stream",
}


def _exports_dir(runs_dir: Path, run_id: str) -> Path:
    return runs_dir / ".exports" / run_id  # hidden: listings skip it; replaced by each new export


def share_panel(runs_dir: Path, run_id: str, epoch: int | None, key: str) -> None:
    """A format picker, a Prepare button and the download of the prepared file."""
    fmt = st.selectbox(
        "Share as",
        list(SHARE_CHOICES),
        format_func=lambda f: SHARE_CHOICES[f][0],
        key=f"{key}_share_fmt",
        help="\n\n".join(f"**{label}**: {what}" for label, what in SHARE_CHOICES.values()),
    )
    st.caption(SHARE_CHOICES[fmt][1] + (f" Epoch {epoch}." if epoch is not None else " Newest saved epoch."))
    ready_key = f"{key}_share_ready"
    if st.button("Prepare the download", icon=":material/ios_share:", key=f"{key}_share_go"):
        folder = _exports_dir(runs_dir, run_id)
        with st.spinner("Writing and checking the export…"):
            try:
                if folder.exists():
                    import shutil

                    shutil.rmtree(folder, ignore_errors=True)
                path = share_run(runs_dir / run_id, fmt, folder, epoch)
            except DcganError as err:
                st.session_state.pop(ready_key, None)
                st.error(str(err), icon="⚠️")
                return
        st.session_state[ready_key] = (fmt, epoch, str(path))
    ready = st.session_state.get(ready_key)
    if ready and ready[0] == fmt and ready[1] == epoch and Path(ready[2]).is_file():
        path = Path(ready[2])
        st.download_button(
            f"Download {path.name}",
            path.read_bytes(),
            file_name=path.name,
            mime=_MIME.get(path.suffix, "application/octet-stream"),
            icon=":material/download:",
            key=f"{key}_share_dl",
            type="primary",
        )


def import_panel(runs_dir: Path) -> None:
    """Upload a run bundle (zip) made on another machine; it appears as a run."""
    upload = st.file_uploader(
        "Import a run bundle (zip)",
        type=["zip"],
        key="runs_import",
        help="A bundle exported from DCGAN Studio on any machine.",
    )
    if upload is None or st.session_state.get("runs_imported") == upload.file_id:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.zip"
        path.write_bytes(upload.getvalue())
        try:
            run_dir = import_bundle(path, runs_dir)
        except DcganError as err:
            st.error(f"{upload.name} was not imported: {err}", icon="⚠️")
            return
    st.session_state["runs_imported"] = upload.file_id
    st.session_state["runs_pick"] = run_dir.name
    st.success(f"Imported {upload.name} as {run_dir.name}.", icon="📦")
    st.rerun()
