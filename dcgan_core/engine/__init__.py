"""The training engine: every module that imports TensorFlow or Keras lives here and only here.

Models, the fused training step, augmentation, the input pipeline, checkpoints, previews,
model exports, one-machine and cluster training.
"""
