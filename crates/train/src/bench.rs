//! `latentlab bench`: training images per second of each model on one device, on
//! random images of the model's shape (throughput does not depend on the pixels).

use std::time::Instant;

use anyhow::Result;
use latentlab_model::ModelSpec;
use latentlab_model::burn::optim::GradientsParams;
use latentlab_model::burn::prelude::*;
use latentlab_model::burn::tensor::Distribution;
use latentlab_model::loss::objective_loss;

/// Runs `warmup` then `steps` optimiser steps and returns images per second.
pub fn images_per_second(
    spec: &ModelSpec,
    batch_size: usize,
    warmup: usize,
    steps: usize,
    device: &Device,
) -> Result<f64> {
    let device = device.clone().autodiff();
    device.seed(0);
    let [c, h, w] = spec.image_shape();
    let images = Tensor::<4>::random(
        [batch_size, c, h, w],
        Distribution::Uniform(0.0, 1.0),
        &device,
    );
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
