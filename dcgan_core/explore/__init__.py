"""Exploring a trained generator without TensorFlow: the ONNX sampler, latent maths, directions, saved explorations, downloads."""
