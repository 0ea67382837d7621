"""The GAN as one ``keras.Model``: a fused, compiled training step for D and G.

One ``train_step`` per batch runs the generator once, the discriminator on real and fake
samples, and updates both networks from two gradient tapes (the TensorFlow tutorial's
scheme, which the seeds' ``predict`` + two ``train_on_batch`` loop computes three calls at
a time). Options cover every preset: BCE on logits or on probabilities, least squares,
one- or two-sided label smoothing, the half-batch scheme, a joint real+fake D batch,
extra D steps, augmentation applied alike to real and fake (the first release's flip and
shift, or differentiable DiffAugment-style transforms whose strength adapts, ADA-style, to
the discriminator's overfitting signal; see :mod:`dcgan_core.engine.augment`), and an averaged
(EMA) generator for sampling.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from dcgan_core.engine.augment import adjust_strength, augment_images, overfit_signal, parse_augment_ops
from dcgan_core.settings.config import TrainConfig

__all__ = ["GAN", "make_optimizer", "ADA_INTERVAL"]

ADA_INTERVAL = 4  # steps between two updates of the adaptive strength (ADA's choice)


def make_optimizer(config: TrainConfig, learning_rate: float) -> keras.optimizers.Optimizer:
    """Adam or RMSprop as the config asks; wrapped for loss scaling under mixed precision."""
    if config.optimizer == "adam":
        opt = keras.optimizers.Adam(learning_rate, beta_1=config.beta_1)
    else:
        opt = keras.optimizers.RMSprop(learning_rate)
    if config.mixed_precision:
        opt = keras.optimizers.LossScaleOptimizer(opt)
    return opt


def _augment(x: tf.Tensor, seed_pair: tf.Tensor) -> tf.Tensor:
    """Random horizontal flip and a translation of up to 1/8 of the side, per sample."""
    batch = tf.shape(x)[0]
    side = tf.cast(tf.shape(x)[1], tf.float32)
    flip = tf.random.stateless_uniform([batch, 1, 1, 1], seed_pair) < 0.5
    x = tf.where(flip, tf.reverse(x, axis=[2]), x)
    max_shift = tf.maximum(1.0, tf.floor(side / 8.0))
    shifts = tf.round(tf.random.stateless_uniform([batch, 2], seed_pair + 1, -max_shift, max_shift))
    ones, zeros = tf.ones([batch, 1]), tf.zeros([batch, 1])
    transforms = tf.concat([ones, zeros, -shifts[:, :1], zeros, ones, -shifts[:, 1:], zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=x,
        transforms=transforms,
        output_shape=tf.shape(x)[1:3],
        fill_value=0.0,
        interpolation="NEAREST",
        fill_mode="REFLECT",
    )


class GAN(keras.Model):
    """Generator and discriminator trained together by ``fit``.

    Args:
        config: The run's configuration.
        generator: Built generator (latent -> sample).
        discriminator: Built discriminator (sample -> score).
        sampler: Optional second generator of the same shape that holds the exponential
            moving average of the generator's weights; previews use it.
    """

    def __init__(
        self,
        config: TrainConfig,
        generator: keras.Model,
        discriminator: keras.Model,
        sampler: keras.Model | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.generator = generator
        self.discriminator = discriminator
        self.sampler = sampler
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.real_acc_tracker = keras.metrics.Mean(name="d_acc_real")
        self.fake_acc_tracker = keras.metrics.Mean(name="d_acc_fake")
        self.seed_generator = keras.random.SeedGenerator(config.seed)
        self.ema_step = tf.Variable(0.0, trainable=False, dtype=tf.float32, name="ema_step")
        self.augment_ops = parse_augment_ops(config.augment_ops)
        once = tf.VariableAggregation.ONLY_FIRST_REPLICA
        self.augment_p = tf.Variable(
            float(config.augment_p), trainable=False, dtype=tf.float32, name="augment_p", aggregation=once
        )
        self._signal_sum = tf.Variable(0.0, trainable=False, dtype=tf.float32, name="ada_sum", aggregation=once)
        self._signal_steps = tf.Variable(0.0, trainable=False, dtype=tf.float32, name="ada_steps", aggregation=once)
        self.augment_p_tracker = keras.metrics.Mean(name="augment_p")
        self.signal_tracker = keras.metrics.Mean(name="rt")

    def compile(
        self, d_optimizer: keras.optimizers.Optimizer, g_optimizer: keras.optimizers.Optimizer, **kwargs
    ) -> None:
        """Attach one optimizer per network (no loss or metrics arguments: the step owns them)."""
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    def build_optimizers(self) -> None:
        """Create both optimizers' slots now (needed inside a distribution strategy's scope)."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return [
            self.g_loss_tracker,
            self.d_loss_tracker,
            self.real_acc_tracker,
            self.fake_acc_tracker,
            self.augment_p_tracker,
            self.signal_tracker,
        ]

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Forward pass: latents -> generated samples; real samples -> discriminator scores.

        ``fit`` under a distribution strategy calls the model on a data batch once to build
        it, so both kinds of input are accepted (told apart by shape).
        """
        if isinstance(inputs, (list, tuple)):  # a conditional run's (images, class indices)
            images, labels = inputs
            return self._judge(self._prepare_real(images), self._one_hot(labels), training)
        if inputs.shape.rank == 2 and inputs.shape[-1] == self.config.latent_dim and self.config.is_image_model:
            return self._generate(inputs, None, training)
        return self.discriminator(self._prepare_real(inputs), training=training)

    # ---- classes --------------------------------------------------------------------
    def _one_hot(self, labels: tf.Tensor | None) -> tf.Tensor | None:
        """One-hot class inputs for class indices (None in an unconditional run)."""
        if labels is None or not self.config.n_classes:
            return None
        return tf.one_hot(tf.cast(labels, tf.int32), self.config.n_classes, dtype=self.compute_dtype)

    def _generate(self, z: tf.Tensor, classes: tf.Tensor | None, training: bool) -> tf.Tensor:
        if not self.config.n_classes:
            return self.generator(z, training=training)
        if classes is None:  # building the model: any valid class will do
            classes = self._one_hot(tf.zeros([tf.shape(z)[0]], tf.int32))
        return self.generator([z, classes], training=training)

    def _judge(self, images: tf.Tensor, classes: tf.Tensor | None, training: bool = True) -> tf.Tensor:
        """The discriminator's scores: of the images, or of images and classes together."""
        if classes is None:
            return self.discriminator(images, training=training)
        return self.discriminator([images, classes], training=training)

    # ---- the step -------------------------------------------------------------------
    def sample_latents(self, batch: tf.Tensor) -> tf.Tensor:
        """A batch of latents from the configured distribution, drawn from the model's seed."""
        shape = (batch, self.config.latent_dim)
        strategy = tf.distribute.get_strategy()
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.num_replicas_in_sync > 1:
            # the seed state is the same on every worker: draw the global batch, keep this replica's rows
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            shape = (batch * strategy.num_replicas_in_sync, self.config.latent_dim)
            return self._draw(shape)[replica * batch : (replica + 1) * batch]
        return self._draw(shape)

    def _draw(self, shape: tuple) -> tf.Tensor:
        if self.config.latent_dist == "uniform":
            return keras.random.uniform(shape, -1.0, 1.0, seed=self.seed_generator)
        return keras.random.normal(shape, seed=self.seed_generator)

    def _prepare_real(self, real: tf.Tensor) -> tf.Tensor:
        if real.dtype == tf.uint8:
            real = tf.cast(real, tf.float32)
            real = real / 127.5 - 1.0 if self.config.value_range == "signed" else real / 255.0
        return tf.cast(real, self.compute_dtype)

    def _per_sample_loss(self, scores: tf.Tensor, target: float) -> tf.Tensor:
        """Per-sample loss of ``scores`` against a constant target."""
        scores = tf.cast(tf.reshape(scores, [-1]), tf.float32)
        labels = tf.fill(tf.shape(scores), tf.constant(target, tf.float32))
        if self.config.loss == "lsgan":
            return tf.square(scores - labels)
        if self.config.loss == "bce_logits":
            return tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=scores)
        p = tf.clip_by_value(scores, 1e-7, 1.0 - 1e-7)
        return -(labels * tf.math.log(p) + (1.0 - labels) * tf.math.log(1.0 - p))

    @property
    def _threshold(self) -> float:
        """The score between "real" and "fake" for this loss."""
        c = self.config
        if c.loss == "bce_logits":
            return 0.0
        return 0.5 if c.loss == "bce_sigmoid" else (c.real_label + c.fake_label) / 2.0

    def _says_real(self, scores: tf.Tensor) -> tf.Tensor:
        scores = tf.cast(tf.reshape(scores, [-1]), tf.float32)
        return tf.cast(scores > self._threshold, tf.float32)

    def _adapt_strength(self, real_scores: tf.Tensor) -> tf.Tensor:
        """Accumulate ADA's signal; every ADA_INTERVAL steps move the strength. Returns r_t."""
        signal = overfit_signal(real_scores, self._threshold)
        c = self.config
        if not self.augment_ops or c.augment_target <= 0:
            return signal
        self._signal_sum.assign_add(signal)
        self._signal_steps.assign_add(1.0)
        due = tf.cast(self._signal_steps >= ADA_INTERVAL, tf.float32)  # branch-free: XLA friendly
        images = self._signal_steps * tf.cast(tf.shape(real_scores)[0], tf.float32)
        moved = adjust_strength(
            self.augment_p,
            self._signal_sum / tf.maximum(self._signal_steps, 1.0),
            c.augment_target,
            images,
            c.augment_speed,
        )
        self.augment_p.assign(due * moved + (1.0 - due) * self.augment_p)
        self._signal_sum.assign((1.0 - due) * self._signal_sum)
        self._signal_steps.assign((1.0 - due) * self._signal_steps)
        return signal

    def _global_mean(self, per_sample: tf.Tensor) -> tf.Tensor:
        """Mean over the global batch: per-replica sums scaled by the replicas in sync."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        count = tf.cast(tf.size(per_sample) * replicas, tf.float32)
        return tf.reduce_sum(per_sample) / count

    def _d_scores(
        self, real: tf.Tensor, fake: tf.Tensor, classes: tf.Tensor | None = None
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """D's scores on real and fake images; in a conditional run both carry the same ``classes``."""
        if self.config.augment:
            seeds = keras.random.randint((2,), 0, 2**30, seed=self.seed_generator)
            real, fake = _augment(real, seeds), _augment(fake, seeds + 2)
        if self.augment_ops:
            seeds = keras.random.randint((2,), 0, 2**30, seed=self.seed_generator)
            p, vr = self.augment_p, self.config.value_range
            real = augment_images(real, p, self.augment_ops, seeds, vr)
            fake = augment_images(fake, p, self.augment_ops, seeds + 100, vr)
        real_classes = None if classes is None else classes[: tf.shape(real)[0]]
        fake_classes = None if classes is None else classes[: tf.shape(fake)[0]]
        if self.config.d_concat:
            n_real = tf.shape(real)[0]
            both = None if classes is None else tf.concat([real_classes, fake_classes], axis=0)
            scores = self._judge(tf.concat([real, fake], axis=0), both)
            return scores[:n_real], scores[n_real:]
        return self._judge(real, real_classes), self._judge(fake, fake_classes)

    def _d_loss(self, real_scores: tf.Tensor, fake_scores: tf.Tensor) -> tf.Tensor:
        c = self.config
        losses = tf.concat(
            [self._per_sample_loss(real_scores, c.real_label), self._per_sample_loss(fake_scores, c.fake_label)], 0
        )
        return self._global_mean(losses)

    def _apply(self, optimizer, tape: tf.GradientTape, loss: tf.Tensor, variables) -> None:
        grads = tape.gradient(optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss, variables)
        optimizer.apply(grads, variables)

    def _extra_d_step(self, real: tf.Tensor, classes: tf.Tensor | None) -> None:
        z = self.sample_latents(tf.shape(real)[0])
        fake = self._generate(z, None if classes is None else classes[: tf.shape(real)[0]], True)
        with tf.GradientTape() as tape:
            real_scores, fake_scores = self._d_scores(real, tf.stop_gradient(fake), classes)
            d_loss = self._d_loss(real_scores, fake_scores)
        self._apply(self.d_optimizer, tape, d_loss, self.discriminator.trainable_variables)

    def train_step(self, data) -> dict[str, tf.Tensor]:
        """One fused update of D and G on a batch of real samples (uint8 or float)."""
        c = self.config
        # (images, classes) from a conditional run's data; Keras may add empty targets or weights
        images, labels = (data[0], data[1] if len(data) > 1 else None) if isinstance(data, tuple) else (data, None)
        real = self._prepare_real(images)
        classes = self._one_hot(labels)  # fakes are drawn for the real batch's classes (balanced by the data)
        batch = tf.shape(real)[0]
        if c.half_batch:
            real = real[: batch // 2]
        for _ in range(c.d_steps - 1):
            self._extra_d_step(real, classes)
        z = self.sample_latents(batch)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self._generate(z, classes, True)
            d_fake = fake[: tf.shape(real)[0]] if c.half_batch else fake
            real_scores, fake_scores = self._d_scores(real, d_fake, classes)
            d_loss = self._d_loss(real_scores, fake_scores)
            if c.r1_gamma > 0:
                d_loss += self._lazy_r1_penalty(real, classes)
            g_scores = self._g_scores(fake, fake_scores, classes)
            g_loss = self._global_mean(self._per_sample_loss(g_scores, c.g_target))
        self._apply(self.d_optimizer, d_tape, d_loss, self.discriminator.trainable_variables)
        self._apply(self.g_optimizer, g_tape, g_loss, self.generator.trainable_variables)
        if self.sampler is not None and c.ema_decay > 0:
            self._update_ema()
        self.g_loss_tracker.update_state(g_loss)
        self.d_loss_tracker.update_state(d_loss)
        self.real_acc_tracker.update_state(tf.reduce_mean(self._says_real(real_scores)))
        self.fake_acc_tracker.update_state(1.0 - tf.reduce_mean(self._says_real(fake_scores)))
        self.signal_tracker.update_state(self._adapt_strength(real_scores))
        self.augment_p_tracker.update_state(self.augment_p)
        return {m.name: m.result() for m in self.metrics}

    def _lazy_r1_penalty(self, real: tf.Tensor, classes: tf.Tensor | None) -> tf.Tensor:
        """The R1 penalty times ``r1_every`` on every ``r1_every``-th step, else 0 (StyleGAN2's lazy R1)."""
        every = self.config.r1_every
        if every <= 1:
            return self._r1_penalty(real, classes)
        due = tf.equal(self.g_optimizer.iterations % every, 0)
        return tf.cond(due, lambda: float(every) * self._r1_penalty(real, classes), lambda: tf.constant(0.0))

    def _r1_penalty(self, real: tf.Tensor, classes: tf.Tensor | None) -> tf.Tensor:
        """R1: gamma/2 times the mean squared norm of the gradient of D's score on real images."""
        real = tf.cast(real, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(real)
            scores = self._judge(real, None if classes is None else classes[: tf.shape(real)[0]])
            total = tf.reduce_sum(tf.cast(scores, tf.float32))
        grads = tape.gradient(total, real)
        per_sample = tf.reduce_sum(tf.square(grads), axis=[1, 2, 3])
        return 0.5 * self.config.r1_gamma * self._global_mean(per_sample)

    def _g_scores(self, fake: tf.Tensor, fake_scores: tf.Tensor, classes: tf.Tensor | None = None) -> tf.Tensor:
        """D's scores on the generator's whole batch, reusing the D pass where it covered it."""
        if not self.config.half_batch:
            return fake_scores
        if self.augment_ops:
            seeds = keras.random.randint((2,), 0, 2**30, seed=self.seed_generator)
            fake = augment_images(fake, self.augment_p, self.augment_ops, seeds, self.config.value_range)
        return self._judge(fake, classes)

    def _update_ema(self) -> None:
        """Move the sampler's weights towards the generator's (with a warm-up)."""
        self.ema_step.assign_add(1.0)
        decay = tf.minimum(self.config.ema_decay, (1.0 + self.ema_step) / (10.0 + self.ema_step))
        for avg, var in zip(self.sampler.trainable_variables, self.generator.trainable_variables):
            avg.assign(decay * avg + (1.0 - decay) * tf.cast(var, avg.dtype))

    def reset_sampler(self) -> None:
        """Copy the generator's weights into the sampler (start of EMA)."""
        if self.sampler is not None:
            self.sampler.set_weights(self.generator.get_weights())
