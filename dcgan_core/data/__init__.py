"""Image files in, a cached uint8 ``.npy`` out: sources, decoding, conversion, the cache and its health report.

No TensorFlow here: the web process converts uploads without it.
"""
