"""Classes in the pages: the per-class quality of a run that draws by class."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dcgan_core import read_class_quality

__all__ = ["class_quality_table"]


def class_quality_table(run_dir: Path, class_count: int) -> None:
    """The newest per-class measure of a conditional run: does each class draw like its own images?"""
    st.markdown("##### 🏷️ Classes")
    found = read_class_quality(run_dir)
    if found is None:
        st.caption(
            f"This run draws {class_count} classes. How well each class follows its own images "
            "appears here with the first quality check."
        )
        return
    epoch, quality = found
    right = int(round(quality.accuracy * len(quality.names)))
    st.caption(
        f"After epoch {epoch}: **{right} of {len(quality.names)}** classes draw samples closest to "
        "their own real images. The distances are the quality score (SWD) of each class's samples "
        "against the real images of that class and of the nearest other class; lower is closer."
    )
    own, other = quality.own, quality.nearest_other
    table = pd.DataFrame(
        {
            "Class": list(quality.names),
            "To its own images": own.round(1),
            "To the nearest other class": other.round(1),
            "Follows its class": ["✅" if a < b else "❌" for a, b in zip(own, other)],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="live_class_table")
