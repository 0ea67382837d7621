"""The Keep-it / Delete pair shown inside a delete confirmation dialog.

"Keep it" is the primary button and comes first: the safe answer is the obvious one.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dcgan_core import DcganError

__all__ = ["delete_or_keep"]


def delete_or_keep(
    prefix: str, dialog_key: str, delete: Callable[[], None], done: str, forget: str | None = None
) -> None:
    """Draw the two buttons ("Keep it" primary); "Delete" runs ``delete`` and reports a refusal in place.

    Args:
        prefix: Widget key prefix (``data``, ``runs``).
        dialog_key: Session key that keeps the dialog open; cleared on either answer.
        delete: Does the deletion; a :class:`DcganError` is shown and the dialog stays.
        done: Toast text after a deletion.
        forget: Another session key to clear after a deletion (a selection of the deleted item).
    """
    cols = st.columns(2)
    if cols[0].button("Keep it", type="primary", key=f"{prefix}_delete_no", width="stretch"):
        st.session_state.pop(dialog_key, None)
        st.rerun()
    if cols[1].button(
        "Delete", type="secondary", icon=":material/delete:", key=f"{prefix}_delete_yes", width="stretch"
    ):
        try:
            delete()
        except DcganError as err:
            st.error(str(err))
            return
        st.session_state.pop(dialog_key, None)
        if forget:
            st.session_state.pop(forget, None)
        st.toast(done, icon="🗑️")
        st.rerun()
