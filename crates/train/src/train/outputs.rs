//! What a run writes besides checkpoints: held-out scores, the export's manifest,
//! metrics and the per-epoch grids.

use anyhow::Result;
use latentlab_model::burn::prelude::*;
use latentlab_model::gan::Prior;
use latentlab_model::loss::objective_loss;
use latentlab_model::weights::{Manifest, TrainingSummary, export_bytes};
use latentlab_model::{Autoencoder, ModelSpec};

use super::Run;
use crate::data::Dataset;
use crate::files::{write_atomic, write_export};
use crate::metrics::{self, EpochStats};
use crate::sample;

/// Mean `(total, reconstruction, kl)` of `model`'s objective over `data`, with the
/// VAE noise seeded so the same weights always score the same.
pub fn evaluate(
    model: &Autoencoder,
    spec: &ModelSpec,
    data: &Dataset,
    device: &Device,
    batch_size: usize,
    seed: u64,
) -> (f64, f64, f64) {
    device.seed(seed ^ 0xE7A1);
    let (mut total, mut rec, mut kl, mut seen) = (0.0, 0.0, 0.0, 0usize);
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(batch_size.max(1)) {
        let images = data.batch(chunk, device);
        let out = model.forward(images.clone());
        let loss = objective_loss(spec.objective(), &out, images);
        let n = chunk.len() as f64;
        total += n * f64::from(loss.total.into_scalar::<f32>());
        rec += n * f64::from(loss.reconstruction.into_scalar::<f32>());
        kl += n * f64::from(loss.kl.into_scalar::<f32>());
        seen += chunk.len();
    }
    let n = seen.max(1) as f64;
    (total / n, rec / n, kl / n)
}

/// The export manifest for the model after `history`.
pub fn manifest_for(run: &Run, history: &[EpochStats]) -> Manifest {
    let mut manifest = Manifest::new(run.name, run.spec, run.dataset.clone());
    if let Some(last) = history.last() {
        manifest.training = Some(TrainingSummary {
            final_loss: Some(last.loss),
            final_reconstruction: Some(last.reconstruction),
            final_kl: Some(last.kl),
            ..TrainingSummary::timed(
                run.command.clone(),
                run.device_name.into(),
                last.epoch,
                history.iter().map(|h| (h.seconds, h.images)),
            )
        });
    }
    manifest
}

/// The export, metrics and the seed's per-epoch grids (fixed z samples, and the first
/// validation images over their reconstructions).
pub(super) fn write_epoch_outputs(
    run: &Run,
    model: &Autoencoder,
    val_set: &Dataset,
    history: &[EpochStats],
    device: &Device,
) -> Result<()> {
    let epoch = history.len();
    let (manifest, weights) = export_bytes(model, manifest_for(run, history))?;
    write_export(run.dir, &manifest, &weights)?;
    write_atomic(
        &run.dir.join("metrics.jsonl"),
        metrics::to_jsonl(history).as_bytes(),
    )?;
    let grids = run.dir.join("epochs");
    let samples = sample::decode_samples(
        model,
        (run.spec.latent_dim(), Prior::Normal),
        0,
        64,
        1.0,
        device,
    )?;
    sample::write_grid_png(
        &grids.join(format!("epoch-{epoch:03}-samples.png")),
        &samples.pixels,
        run.spec.image_shape(),
        8,
    )?;
    let shown = val_set.len().min(32);
    sample::write_reconstructions_png(
        &grids.join(format!("epoch-{epoch:03}-reconstructions.png")),
        model,
        val_set,
        &(0..shown).collect::<Vec<_>>(),
        device,
    )
}
