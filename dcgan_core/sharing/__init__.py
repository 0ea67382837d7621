"""A run leaving the app: one call per share format, run bundles, the static web demo (no TensorFlow in the web process)."""
