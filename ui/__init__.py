"""Small helpers shared by the pages: the job manager handle, the sidebar, charts, formats.

Nothing here imports TensorFlow; everything engine-side comes from ``dcgan_core``'s
public API.
"""

__all__: list[str] = []
