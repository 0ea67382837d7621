"""Runs: the run folder (the only record that survives a restart) and the processes that train it.

Workers, the job manager, pause/stop requests, the ownership lock, disk use. No TensorFlow here.
"""
