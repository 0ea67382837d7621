"""Data: upload a folder, images or a zip; see what the GAN will see; manage cached datasets."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dcgan_core import (
    DcganError,
    PrepareOptions,
    default_cache_dir,
    delete_dataset,
    make_grid,
    prepare_dataset,
    preview_image,
    sources_from_uploads,
)
from ui.datasets import datasets, display_grid, show_grid, thumbnail
from ui.fmt import size
from ui.confirm import delete_or_keep
from ui.labels import classes_words, plain
from ui.names import upload_name
from ui.runtime import require_router

require_router()  # see ui/runtime.py: the first load of a fresh server

IMAGE_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff", "zip"]
SIZES = [28, 32, 48, 64, 96, 128, 200]
#: Pillow's colour modes in everyday words.
MODE_WORDS = {
    "1": "black and white",
    "L": "grey",
    "LA": "grey with transparency",
    "I": "grey (32-bit)",
    "I;16": "grey (16-bit)",
    "F": "grey (floating point)",
    "P": "colour with a palette",
    "PA": "colour with a palette and transparency",
    "RGB": "colour",
    "RGBA": "colour with transparency",
    "CMYK": "print colour (CMYK)",
    "YCbCr": "colour (YCbCr)",
    "LAB": "colour (Lab)",
    "HSV": "colour (HSV)",
}
FITS = {
    "crop": "Crop the centre to a square, then resize (keeps proportions, may cut edges)",
    "pad": "Pad to a square with the background colour, then resize (keeps everything)",
    "stretch": "Stretch to a square (keeps everything, distorts proportions)",
}


def _options() -> PrepareOptions:
    cols = st.columns([2, 1, 2, 1])
    image_size = cols[0].select_slider(
        "Image size (pixels)",
        SIZES,
        value=64,
        key="data_size",
        help="Side of the square images the GAN learns. Small is fast: "
        "28-32 trains in minutes on a CPU; 64 and up wants a GPU.",
    )
    channels = cols[1].radio(
        "Colour",
        [3, 1],
        format_func={3: "Colour", 1: "Grey"}.get,
        key="data_channels",
        help="Grey images train about three times faster.",
    )
    fit = cols[2].radio(
        "Make square by",
        list(FITS),
        format_func=str.title,
        key="data_fit",
        horizontal=True,
        help="\n\n".join(f"**{k.title()}**: {v}" for k, v in FITS.items()),
    )
    colour = cols[3].color_picker(
        "Background", "#FFFFFF", key="data_background", help="Fills transparent areas and padding."
    )
    background = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return PrepareOptions(size=int(image_size), channels=int(channels), fit=fit, background=background)


@st.cache_data(show_spinner=False, max_entries=32)
def _preview(name: str, digest: str, _data: bytes, options: PrepareOptions):
    sources = sources_from_uploads([(name, _data)])
    return [preview_image(source, options) for source in sources[:8]]


def _uploads_section() -> None:
    kind = st.segmented_control(
        "Upload",
        ["A folder", "Images or zip files"],
        default="A folder",
        key="data_kind",
        help="Folders keep their sub-folders; zips are unpacked safely.",
    )
    uploads = (
        st.file_uploader(
            "Drop your images here",
            type=IMAGE_TYPES,
            accept_multiple_files="directory" if kind == "A folder" else True,
            key=f"data_upload_{kind}",
            help="PNG, JPEG, GIF, BMP, WebP, TIFF, or zip archives of them.",
        )
        or []
    )
    options = _options()
    if not uploads:
        st.session_state.pop("data_failed", None)
        st.info(
            "No images chosen yet. Any folder of pictures works: faces, flowers, logos, "
            "your cat. A few hundred images or more give the best results.",
            icon="📂",
        )
        return
    total = sum(u.size for u in uploads)
    st.caption(f"{len(uploads)} file(s), {size(total)}")

    problems = []
    with st.expander("Preview: what the GAN will see", expanded=True, icon=":material/visibility:"):
        shown = []
        for upload in uploads[:8]:
            data = upload.getvalue()
            try:
                shown += _preview(upload.name, hashlib.sha256(data).hexdigest(), data, options)
            except DcganError as err:
                reason = str(err).removeprefix(upload.name).lstrip(" :")  # the reason names the file already
                problems.append(f"**{upload.name}**: {reason}")
                st.caption(f"⚠️ {upload.name}: {reason}")
            if len(shown) >= 8:
                break
        if shown:
            st.image(
                display_grid(make_grid(shown[:8], cols=8), target=720),
                caption=f"{options.size}x{options.size}, {'colour' if options.channels == 3 else 'grey'}, "
                f"{options.fit}",
            )
    if problems and not shown and len(uploads) <= 8:
        # nothing of what was chosen can be read: say why in the open, not inside the preview
        st.error("None of the chosen files can be read as a picture:\n\n" + "\n\n".join(problems), icon="🚫")

    names = sorted(u.name for u in uploads)
    if st.session_state.get("data_name_for") != names:
        # a new choice of files: suggest its name (common folder, zip, or "N uploaded images · date")
        st.session_state["data_name_for"] = names
        st.session_state["data_name"] = upload_name(names)
        st.session_state.pop("data_failed", None)
    name = st.text_input("Dataset name", key="data_name", max_chars=60)
    if st.button("Convert and check", type="primary", icon=":material/auto_fix_high:", key="data_convert"):
        _convert(uploads, options, name)
    if failed := st.session_state.get("data_failed"):
        st.error(f"**Nothing could be converted.** {failed}", icon="🚫")


def _convert(uploads, options: PrepareOptions, name: str) -> None:
    with st.status("Reading your images…", expanded=True) as status:
        try:
            sources = sources_from_uploads([(u.name, u.getvalue()) for u in uploads])
            bar = st.progress(0.0, text=f"0 / {len(sources)}")
            prepared = prepare_dataset(
                sources,
                options,
                cache_dir=default_cache_dir(),
                name=name.strip() or None,
                progress=lambda done, total: bar.progress(done / max(total, 1), text=f"{done} / {total}"),
            )
        except DcganError as err:
            status.update(label="Nothing could be converted: the reason is below", state="error", expanded=False)
            st.session_state["data_failed"] = str(err)  # shown under the button, open, until the files change
            return
        label = "Already converted: loaded from the cache" if prepared.from_cache else "Converted"
        status.update(label=f"{label}: {prepared.report.usable:,} images ready", state="complete", expanded=False)
    st.session_state.pop("data_failed", None)
    st.session_state["data_last"] = prepared


def _report_section(prepared) -> None:
    report = prepared.report
    st.subheader("🩺 Health report")
    cols = st.columns(4)
    cols[0].metric("Usable images", f"{report.usable:,}")
    cols[1].metric("Skipped", f"{len(report.skipped):,}")
    dropped = sum(len(group) - 1 for group in report.duplicates)
    cols[2].metric("Exact duplicates", f"{dropped:,}", help="Byte-identical files; one copy of each is kept.")
    modes = sorted(report.modes.items())
    cols[3].markdown(
        "Colours  \n**" + (", ".join(f"{MODE_WORDS.get(k, k)}: {v}" for k, v in modes) or "–") + "**",
        help="How the original files store their colours (Pillow modes: "
        + ", ".join(f"{k} {v}" for k, v in modes)
        + ").",
    )
    for warning in report.warnings:
        st.warning(plain(warning), icon="⚠️")
    _classes_section(report)
    if report.size_stats:
        s = report.size_stats
        st.caption(
            f"Original sizes from {s['min_width']}x{s['min_height']} to {s['max_width']}x{s['max_height']} "
            f"(median {s['median_width']}x{s['median_height']}) · shapes: "
            + ", ".join(f"{k} {v}" for k, v in report.aspect_buckets.items())
        )
    if report.duplicates:
        with st.expander(f"{len(report.duplicates)} group(s) of identical files"):
            for group in report.duplicates[:50]:
                st.caption(" = ".join(group))
    if report.skipped:
        st.markdown("**Skipped files**")
        st.dataframe(pd.DataFrame(report.skipped, columns=["File", "Why"]), hide_index=True, width="stretch")
    if report.preview is not None:
        show_grid(report.preview, caption="What the GAN will see", target=480)
    if st.button("Train on this dataset", icon=":material/model_training:", key="data_train_new"):
        st.session_state["train_dataset"] = str(prepared.npy_path)
        st.switch_page("pages/train.py")


def _classes_section(report) -> None:
    """The classes the folders gave, with their sizes; or why the folders gave none."""
    if report.classes:
        st.markdown(f"**🏷️ {classes_words(len(report.classes))}**, one per subfolder: you can train and draw by class.")
        st.dataframe(
            pd.DataFrame(list(report.classes), columns=["Class", "Images"]),
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(report.classes), 320),
        )
    elif report.class_note:
        st.info(
            f"No classes: {plain(report.class_note)}. Put each class of images in its own subfolder "
            "to train and draw by class.",
            icon="🏷️",
        )


def _close_dialog() -> None:
    st.session_state.pop("data_confirm_delete", None)


@st.dialog("Delete this dataset?", on_dismiss=_close_dialog)
def _confirm_delete(dataset_id: str, name: str) -> None:
    st.write(
        f"**{name}** will be removed from the cache. Runs trained on it keep their results, "
        "but cannot be resumed without the data."
    )
    delete_or_keep(
        "data",
        "data_confirm_delete",
        lambda: delete_dataset(dataset_id, cache_dir=default_cache_dir()),
        f"Deleted {name}.",
        forget="data_last",
    )


def _library_section() -> None:
    st.subheader("📚 Your datasets")
    infos = datasets()
    if not infos:
        st.info("No dataset yet.")
        return
    for info in infos:
        with st.container(border=True):
            pic, text, actions = st.columns([1, 3, 1], vertical_alignment="center")
            try:
                pic.image(display_grid(thumbnail(info.path, n=16), target=160))
            except DcganError:
                pic.caption("no preview")
            badge = " :violet-badge[ready to use]" if info.bundled else ""
            if info.classes:
                badge += f" :blue-badge[{classes_words(len(info.classes))}]"
            shown = ", ".join(info.classes[:30]) + (", …" if len(info.classes) > 30 else "")
            text.markdown(f"**{info.name}**{badge}", help=plain(f"Classes: {shown}") if info.classes else None)
            n, h, w, c = info.shape
            text.caption(
                f"{info.count:,} images · {h}x{w} · {'colour' if c == 3 else 'grey'} · "
                f"{size(info.size_bytes)} on disk · added {str(info.created)[:16].replace('T', ' ')}"
            )
            if actions.button(
                "Train", key=f"data_train_{info.dataset_id}", icon=":material/model_training:", width="stretch"
            ):
                st.session_state["train_dataset"] = str(info.path)
                st.switch_page("pages/train.py")
            if not info.bundled and actions.button(
                "Delete", key=f"data_del_{info.dataset_id}", icon=":material/delete:", width="stretch"
            ):
                st.session_state["data_confirm_delete"] = (info.dataset_id, info.name)


st.title("🗂️ Data")
st.markdown(
    "Bring your own images: they are checked, converted to the size the GAN learns at, "
    "and kept in a cache so the next time is instant."
)
with st.container(border=True):
    _uploads_section()
if "data_last" in st.session_state:
    _report_section(st.session_state["data_last"])
st.divider()
_library_section()
if st.session_state.get("data_confirm_delete"):
    _confirm_delete(*st.session_state["data_confirm_delete"])
