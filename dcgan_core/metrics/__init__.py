"""Numbers of quality and what they say: SWD and friends, per-class quality, smoothing, the coach (numpy only)."""
