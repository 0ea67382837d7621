"""Differentiable augmentation for small datasets, with an adaptive strength.

The ideas of two papers, ported (not their code):

* DiffAugment (Zhao et al., NeurIPS 2020): colour (brightness, saturation, contrast),
  translation and cutout, applied to *every* image the discriminator sees, real and fake,
  with gradients flowing through the fake images back to the generator, so that the
  discriminator cannot memorise a small training set.
* ADA (Karras et al., NeurIPS 2020): each transform is applied to each image with a
  probability ``p`` (the *strength*), and ``p`` is steered during training by the
  overfitting signal ``r_t = E[sign(D(real))]``: above the target (0.6 in the paper) the
  discriminator is too sure of the real images, so ``p`` rises; below, it falls.

Every random draw is stateless and comes from an explicit seed pair, so the same seed
gives the same result. Images are float tensors in the run's value range ([-1, 1] or
[0, 1]); the colour transforms work in [-1, 1] and the result is returned in the input
range (not clipped: a clip would cut the generator's gradients where it saturates).
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["AUGMENT_OPS", "parse_augment_ops", "augment_images", "adjust_strength", "overfit_signal"]

#: The transforms, in the order they are applied.
AUGMENT_OPS = ("color", "translation", "cutout")
TRANSLATION_RATIO = 0.125  # largest shift, as a fraction of the side (DiffAugment's 1/8)
CUTOUT_RATIO = 0.5  # side of the erased square, as a fraction of the image side


def parse_augment_ops(text: str) -> tuple[str, ...]:
    """The transform names in a comma-separated setting such as ``"color,translation"``.

    Raises:
        ValueError: naming an unknown transform.
    """
    names = tuple(part.strip().lower() for part in str(text).split(",") if part.strip())
    unknown = [n for n in names if n not in AUGMENT_OPS]
    if unknown:
        raise ValueError(f"unknown augmentation {', '.join(unknown)}; choose from {', '.join(AUGMENT_OPS)}")
    return tuple(op for op in AUGMENT_OPS if op in names)


def _chosen(p: tf.Tensor, seed: tf.Tensor, batch: tf.Tensor) -> tf.Tensor:
    """Per image, 1.0 with probability ``p`` (the transform hits it), else 0.0: (B, 1, 1, 1).

    Every transform scales its per-image parameters by this instead of choosing between two
    full images: a skipped image is left exactly as it was, and no second copy of the batch is
    built (or differentiated) for it.
    """
    return tf.cast(tf.random.stateless_uniform([batch, 1, 1, 1], seed) < p, tf.float32)


def _color(x: tf.Tensor, p: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Brightness, then saturation (colour images only), then contrast, each hit with probability ``p``.

    The three are applied as one per-image formula. With b the brightness shift, s the
    saturation factor, c the contrast factor, m each pixel's mean over its channels and M the
    image's mean, the three steps in turn give (saturation keeps m + b and contrast's mean M + b):

        x + b + (c - 1)(m - M) + (cs - 1)(x - m)

    which is one pass over the images instead of three, forward and backward.
    """
    batch = tf.shape(x)[0]
    shift = _offset(0.5, p, seed + 1, batch)  # U(-0.5, 0.5)
    contrast = 1.0 + _offset(0.5, p, seed + 5, batch)  # U(0.5, 1.5)
    image_mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    if x.shape[-1] is not None and x.shape[-1] == 1:  # grey: no saturation, and m is the pixel itself
        return x + shift + (contrast - 1.0) * (x - image_mean)
    saturation = 1.0 + _offset(1.0, p, seed + 3, batch)  # U(0, 2)
    pixel_mean = tf.reduce_mean(x, axis=3, keepdims=True)
    return x + shift + (contrast - 1.0) * (pixel_mean - image_mean) + (contrast * saturation - 1.0) * (x - pixel_mean)


def _offset(half_range: float, p: tf.Tensor, seed: tf.Tensor, batch: tf.Tensor) -> tf.Tensor:
    """Per image, U(-half_range, half_range) where the transform hits (drawn with ``seed + 1``), else 0."""
    draw = tf.random.stateless_uniform([batch, 1, 1, 1], seed) - 0.5
    return draw * (2.0 * half_range) * _chosen(p, seed + 1, batch)


def _translation(x: tf.Tensor, p: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    max_y = tf.maximum(1, tf.cast(tf.round(tf.cast(height, tf.float32) * TRANSLATION_RATIO), tf.int32))
    max_x = tf.maximum(1, tf.cast(tf.round(tf.cast(width, tf.float32) * TRANSLATION_RATIO), tf.int32))
    moves = tf.cast(_chosen(p, seed + 9, batch)[:, :, 0, 0], tf.int32)  # (B, 1): 0 leaves the image in place
    shift_y = tf.random.stateless_uniform([batch, 1], seed + 7, -max_y, max_y + 1, dtype=tf.int32) * moves
    shift_x = tf.random.stateless_uniform([batch, 1], seed + 8, -max_x, max_x + 1, dtype=tf.int32) * moves
    rows = tf.range(height)[None, :] - shift_y  # (B, H): the source row of each output row
    cols = tf.range(width)[None, :] - shift_x
    # the gap repeats the edge pixels: no band of a value the images never have (a constant
    # fill draws a visible frame, which a generator trained for long on few images learns to copy)
    moved = tf.gather(x, tf.clip_by_value(rows, 0, height - 1), axis=1, batch_dims=1)
    return tf.gather(moved, tf.clip_by_value(cols, 0, width - 1), axis=2, batch_dims=1)


def _cutout(x: tf.Tensor, p: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    half_y = tf.cast(tf.round(tf.cast(height, tf.float32) * CUTOUT_RATIO / 2.0), tf.int32)
    half_x = tf.cast(tf.round(tf.cast(width, tf.float32) * CUTOUT_RATIO / 2.0), tf.int32)
    centre_y = tf.random.stateless_uniform([batch, 1], seed + 10, 0, height, dtype=tf.int32)
    centre_x = tf.random.stateless_uniform([batch, 1], seed + 11, 0, width, dtype=tf.int32)
    in_rows = tf.abs(tf.range(height)[None, :] - centre_y) < half_y
    in_cols = tf.abs(tf.range(width)[None, :] - centre_x) < half_x
    hole = tf.cast(in_rows[:, :, None, None] & in_cols[:, None, :, None], x.dtype) * _chosen(p, seed + 12, batch)
    return x + (_background(x) - x) * hole


def _background(x: tf.Tensor) -> tf.Tensor:
    """Each image's background colour, estimated as the mean of its border pixels: (B, 1, 1, C).

    Cutout fills its square with it, so the square reads as the object being hidden, not as a
    grey patch that no real image has.
    """
    edges = tf.concat([x[:, 0, :, :], x[:, -1, :, :], x[:, :, 0, :], x[:, :, -1, :]], axis=1)
    return tf.reduce_mean(edges, axis=1)[:, None, None, :]


def augment_images(
    images: tf.Tensor, strength: tf.Tensor | float, ops: tuple[str, ...], seed: tf.Tensor, value_range: str = "signed"
) -> tf.Tensor:
    """Augment a batch: each transform in ``ops`` hits each image with probability ``strength``.

    Differentiable with respect to ``images`` (the generator learns through it).

    Args:
        images: Float (B, H, W, C) in the run's value range.
        strength: Probability in [0, 1] (a float or a scalar tensor, e.g. a variable).
        ops: Transform names from :data:`AUGMENT_OPS` (see :func:`parse_augment_ops`).
        seed: Two int32 numbers; the same seed gives the same augmentation.
        value_range: ``"signed"`` ([-1, 1]) or ``"unit"`` ([0, 1]).

    Returns:
        The augmented batch, same shape and dtype.
    """
    if not ops:
        return images
    dtype = images.dtype
    x = tf.cast(images, tf.float32)
    if value_range == "unit":
        x = x * 2.0 - 1.0
    p = tf.cast(strength, tf.float32)
    seed = tf.cast(seed, tf.int32)
    if "color" in ops:
        x = _color(x, p, seed)
    if "translation" in ops:
        x = _translation(x, p, seed)
    if "cutout" in ops:
        x = _cutout(x, p, seed)
    if value_range == "unit":
        x = (x + 1.0) / 2.0
    return tf.cast(x, dtype)


def overfit_signal(real_scores: tf.Tensor, threshold: float) -> tf.Tensor:
    """ADA's ``r_t`` for one batch: the mean sign of D's scores on real images.

    Args:
        real_scores: D's outputs on the (augmented) real batch.
        threshold: The score that means "undecided" (0 for logits, 0.5 for probabilities).

    Returns:
        A float32 scalar in [-1, 1]: 1 when D calls every real image real with confidence.
    """
    scores = tf.cast(tf.reshape(real_scores, [-1]), tf.float32)
    return tf.reduce_mean(tf.sign(scores - threshold))


def adjust_strength(
    strength: tf.Tensor, signal: tf.Tensor, target: float, images: tf.Tensor | float, images_to_full: float
) -> tf.Tensor:
    """ADA's update: move ``strength`` towards more (or less) augmentation.

    Args:
        strength: The current probability.
        signal: The averaged ``r_t`` since the last update.
        target: The ``r_t`` to hold (0.6 in the ADA paper).
        images: How many real images the signal was averaged over.
        images_to_full: Images over which the strength can travel from 0 to 1.

    Returns:
        The new strength, clipped to [0, 1].
    """
    step = tf.cast(images, tf.float32) / float(images_to_full)
    return tf.clip_by_value(tf.cast(strength, tf.float32) + tf.sign(signal - target) * step, 0.0, 1.0)
