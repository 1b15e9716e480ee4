//! The training loop for the conv VAE.
//!
//! A hand-written loop rather than burn-train's `Learner`: the foundation needs the
//! loss split into reconstruction and KL on every batch for the progress bar, and a
//! loss that must be seen going down within one epoch; the learner reports neither
//! without custom metrics that would be longer than this loop.

use std::time::Instant;

use anyhow::{Result, bail};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use latentlab_model::latent::SeededRng;
use latentlab_model::loss::vae_loss;
use latentlab_model::{ConvVae, ConvVaeConfig};
use serde::Serialize;

/// Hyper-parameters of one run (the seed's values are the CLI defaults).
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Show an interactive progress bar (off when stderr is not a terminal).
    pub progress: bool,
}

/// One epoch's averages, written one JSON line per epoch to `metrics.jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub loss: f64,
    pub reconstruction: f64,
    pub kl: f64,
    /// Mean loss of the first and last tenth of the epoch's batches: whether the model
    /// learned within this epoch.
    pub loss_first_tenth: f64,
    pub loss_last_tenth: f64,
    pub images: usize,
    pub seconds: f64,
    pub images_per_second: f64,
}

/// Trains a fresh `config` model on `images` (`[count, channels, side, side]` floats
/// in [0, 1]) on `device` (autodiff is added here) and returns it with per-epoch stats.
pub fn train_conv_vae(
    config: &ConvVaeConfig,
    images: &[f32],
    device: &Device,
    options: &TrainOptions,
) -> Result<(ConvVae, Vec<EpochStats>)> {
    let side = config.image_size;
    let per_image = config.channels * side * side;
    let count = images.len() / per_image;
    if count < options.batch_size {
        bail!(
            "{count} training images is fewer than one batch of {}",
            options.batch_size
        );
    }
    let device = device.clone().autodiff();
    device.seed(options.seed);
    let mut model = config.init(&device);
    let mut optimizer = AdamConfig::new().init();
    let mut rng = SeededRng::new(options.seed);
    let batches = count / options.batch_size;
    let mut history = Vec::new();

    for epoch in 1..=options.epochs {
        let order = shuffled(count, &mut rng);
        let bar = progress_bar(batches, epoch, options);
        let started = Instant::now();
        let (mut sum_loss, mut sum_rec, mut sum_kl) = (0.0, 0.0, 0.0);
        let mut batch_losses = Vec::with_capacity(batches);

        for (step, indices) in order.chunks_exact(options.batch_size).enumerate() {
            // Gathered straight into the Vec the tensor takes over: one copy per image.
            let mut batch_data = Vec::with_capacity(options.batch_size * per_image);
            for &index in indices {
                batch_data.extend_from_slice(&images[index * per_image..(index + 1) * per_image]);
            }
            let batch = Tensor::<4>::from_data(
                TensorData::new(
                    batch_data,
                    [options.batch_size, config.channels, side, side],
                ),
                &device,
            );
            let out = model.forward(batch.clone());
            let loss = vae_loss(out.logits, batch, out.z_mean, out.z_log_var, config.beta);
            let total: f64 = loss.total.clone().into_scalar::<f32>().into();
            if !total.is_finite() {
                bail!(
                    "loss became {total} at epoch {epoch}, batch {}; stopping (try a lower --lr)",
                    step + 1
                );
            }
            let reconstruction: f64 = loss.reconstruction.into_scalar::<f32>().into();
            let kl: f64 = loss.kl.into_scalar::<f32>().into();
            let grads = GradientsParams::from_grads(loss.total.backward(), &model);
            model = optimizer.step(options.learning_rate, model, grads);

            sum_loss += total;
            sum_rec += reconstruction;
            sum_kl += kl;
            batch_losses.push(total);
            let done = (step + 1) as f64;
            let rate = ((step + 1) * options.batch_size) as f64 / started.elapsed().as_secs_f64();
            bar.set_message(format!(
                "loss {:.2} (rec {:.2} + kl {:.2}) {rate:.0} img/s",
                sum_loss / done,
                sum_rec / done,
                sum_kl / done
            ));
            bar.inc(1);
        }
        bar.finish_and_clear();

        let seconds = started.elapsed().as_secs_f64();
        let tenth = (batches / 10).max(1);
        let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
        let n = batches as f64;
        let stats = EpochStats {
            epoch,
            loss: sum_loss / n,
            reconstruction: sum_rec / n,
            kl: sum_kl / n,
            loss_first_tenth: mean(&batch_losses[..tenth]),
            loss_last_tenth: mean(&batch_losses[batches - tenth..]),
            images: batches * options.batch_size,
            seconds,
            images_per_second: (batches * options.batch_size) as f64 / seconds,
        };
        eprintln!(
            "epoch {epoch}/{}: loss {:.3} (reconstruction {:.3} + KL {:.3}), {:.0} images/s, {:.1} s",
            options.epochs,
            stats.loss,
            stats.reconstruction,
            stats.kl,
            stats.images_per_second,
            seconds
        );
        history.push(stats);
    }
    Ok((model.valid(), history))
}

/// A permutation of `0..count` (Fisher-Yates), reproducible from the seed.
fn shuffled(count: usize, rng: &mut SeededRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

fn progress_bar(batches: usize, epoch: usize, options: &TrainOptions) -> ProgressBar {
    if !options.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(batches as u64);
    bar.set_style(
        ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} {msg} ETA {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("{epoch}/{}", options.epochs));
    bar
}
