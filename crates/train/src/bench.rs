//! `latentlab bench`: training images per second of each model on one device, on
//! random images of the model's shape (throughput does not depend on the pixels).

use std::time::Instant;

use anyhow::Result;
use latentlab_model::ModelSpec;
use latentlab_model::burn::optim::GradientsParams;
use latentlab_model::burn::prelude::*;
use latentlab_model::burn::tensor::Distribution;
use latentlab_model::gan::dcgan::DcganConfig;
use latentlab_model::latent::SeededRng;
use latentlab_model::loss::objective_loss;

use crate::train::gan::{Networks, step};

/// An autodiff `device`, seeded, and `batch` random images of `[c, h, w]` on it
/// (throughput does not depend on the pixels).
fn seeded_batch(device: &Device, batch: usize, [c, h, w]: [usize; 3]) -> (Device, Tensor<4>) {
    let device = device.clone().autodiff();
    device.seed(0);
    let images = Tensor::random([batch, c, h, w], Distribution::Uniform(0.0, 1.0), &device);
    (device, images)
}

/// Runs `warmup` then `steps` optimiser steps and returns images per second.
pub fn images_per_second(
    spec: &ModelSpec,
    batch_size: usize,
    warmup: usize,
    steps: usize,
    device: &Device,
) -> Result<f64> {
    let (device, images) = seeded_batch(device, batch_size, spec.image_shape());
    let mut model = spec.init(&device);
    let mut optimizer = latentlab_model::optim::adam(0.9);
    let mut started = Instant::now();
    for step in 0..warmup + steps {
        if step == warmup {
            started = Instant::now();
        }
        let out = model.forward(images.clone());
        let loss = objective_loss(spec.objective(), &out, images.clone());
        // Reading the loss back is part of every real training step (progress bar).
        let _: f32 = loss.total.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.total.backward(), &model);
        model = optimizer.step(1e-4, model, grads);
    }
    Ok((steps * batch_size) as f64 / started.elapsed().as_secs_f64())
}

/// The same for a GAN: `warmup` then `steps` of the training loop's own step (one
/// discriminator and one generator update, see [`step`]) on random "real" images.
pub fn gan_images_per_second(
    config: &DcganConfig,
    batch_size: usize,
    warmup: usize,
    steps: usize,
    device: &Device,
) -> Result<f64> {
    let size = config.image_size;
    let (device, real) = seeded_batch(device, batch_size, [config.channels, size, size]);
    let mut nets = Networks::new(config, &device);
    let mut rng = SeededRng::new(0);
    let mut started = Instant::now();
    for i in 0..warmup + steps {
        if i == warmup {
            started = Instant::now();
        }
        let mut z = || {
            let values = config
                .prior
                .sample(&mut rng, batch_size * config.latent_dim);
            Tensor::from_data(
                TensorData::new(values, [batch_size, config.latent_dim]),
                &device,
            )
        };
        let z = (z(), z());
        step(&mut nets, real.clone(), z, 2e-4).map_err(|e| {
            anyhow::anyhow!("the {} loss became {} in the bench", e.network, e.value)
        })?;
    }
    Ok((steps * batch_size) as f64 / started.elapsed().as_secs_f64())
}
