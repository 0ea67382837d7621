"""What a run is asked to do and what it will cost: the configuration, presets, automatic settings, the estimate.

No TensorFlow here; the estimate measures in a short-lived worker process.
"""
