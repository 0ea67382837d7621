"""The session and widget keys of the Explore page, named once.

Every key starts with ``ex_``; no other module spells one out. Widgets bind to these keys
and :class:`~ui.explore_state.ExploreState` reads and changes the values under them.
"""

from __future__ import annotations

__all__ = ["Keys"]


class Keys:
    """The session (and widget) keys of the Explore page."""

    RUN = "ex_run"
    EPOCH = "ex_epoch"
    EPOCH_RUN = "ex_epoch_run"
    LIVE = "ex_live"
    BEST = "ex_best"
    SEED = "ex_seed"
    BASE = "ex_base"
    SOURCE = "ex_source"
    Z = "ex_z"
    SHOWN = "ex_shown"
    CONTEXT = "ex_ctx"
    CONTEXT_EPOCH = "ex_ctx_epoch"
    CLASS = "ex_class"
    CLASS_NAMES = "ex_class_names"
    DIRECTION_COUNT = "ex_k"
    RAW_DIMS = "ex_dims"
    GRID = "ex_grid"
    PANEL = "ex_panel"
    MESSAGES = "ex_msgs"
    SAVED_DIRECTIONS = "ex_saved_dirs"
    VARIATIONS = "ex_variations"
    VARIATION_COUNT = "ex_var_count"
    SPREAD = "ex_spread"
    SEED_A = "ex_seed_a"
    SEED_B = "ex_seed_b"
    FROM_CURRENT = "ex_from_current"
    FRAMES = "ex_frames"
    METHOD = "ex_method"
    BLEND_A = "ex_blend_a"
    BLEND_B = "ex_blend_b"
    MAP = "ex_map"
    MAP_X = "ex_map_x"
    MAP_Y = "ex_map_y"
    MAP_STEPS = "ex_map_steps"
    MAP_SPAN = "ex_map_span"
    UPSCALE = "ex_upscale"
    UPLOAD = "ex_upload"
    GAUSSIAN = "ex_gaussian"
    INTERPOLATION_VALUES = "ex_interp_values"
    SHARE = "ex"  # prefix of the share panel's widgets

    @staticmethod
    def direction(i: int) -> str:
        """Slider of direction ``i``."""
        return f"ex_dir_{i}"

    @staticmethod
    def raw(j: int) -> str:
        """Slider of latent dimension ``j``."""
        return f"ex_dim_{j}"

    @staticmethod
    def name(i: int) -> str:
        """Text box naming direction ``i``."""
        return f"ex_name_{i}"

    @staticmethod
    def use_variation(i: int) -> str:
        """ "Use" button under variation ``i``."""
        return f"ex_use_var_{i}"

    @staticmethod
    def use_map_cell(i: int) -> str:
        """ "Use" button under map cell ``i``."""
        return f"ex_use_map_{i}"

    @staticmethod
    def download(what: str) -> str:
        """A download button."""
        return f"ex_dl_{what}"
