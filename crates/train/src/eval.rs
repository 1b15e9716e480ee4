//! `latentlab eval`: held-out loss and the seed's pictures of a latent space.

use std::path::Path;

use anyhow::Result;
use latentlab_model::burn::prelude::*;
use latentlab_model::latent::{manifold_grid, normal_cdf, normal_latents};
use latentlab_model::latent_batch;
use latentlab_model::palette::{class_colour, hex};
use latentlab_model::quality::{self, Fidelity, Quality};
use latentlab_model::weights::AttributeVector;
use latentlab_model::{Autoencoder, Reconstruction};
use serde::Serialize;

use crate::data::Dataset;
use crate::files::{AutoencoderExport, write_atomic};
use crate::plot::{Panel, Range, histograms, scatter};
use crate::sample::{decode, to_vec, write_grid_png, write_png, write_reconstructions_png};
use crate::train::evaluate;

/// The encoder's output for every image, row-major `[n, latent_dim]`.
pub struct Posteriors {
    /// Posterior means (the codes, for a plain AE).
    pub means: Vec<f32>,
    /// Posterior log variances; `None` for a plain AE.
    pub log_vars: Option<Vec<f32>>,
}

/// Encodes every image of `data` in chunks of 500.
pub fn encode_posteriors(
    model: &Autoencoder,
    data: &Dataset,
    device: &Device,
) -> Result<Posteriors> {
    let indices: Vec<usize> = (0..data.len()).collect();
    let (mut means, mut log_vars) = (Vec::new(), Some(Vec::new()));
    for chunk in indices.chunks(500) {
        let (mean, log_var) = model.encode(data.batch(chunk, device));
        means.extend(to_vec(mean)?);
        match (log_var, log_vars.as_mut()) {
            (Some(log_var), Some(all)) => all.extend(to_vec(log_var)?),
            _ => log_vars = None,
        }
    }
    Ok(Posteriors { means, log_vars })
}

/// Posterior means (the codes, for a plain AE) of every image, `[n, latent_dim]`.
pub fn encode_means(model: &Autoencoder, data: &Dataset, device: &Device) -> Result<Vec<f32>> {
    Ok(encode_posteriors(model, data, device)?.means)
}

/// mean(z | attribute) - mean(z | not attribute) for every attribute with images on
/// both sides.
pub fn attribute_vectors(
    means: &[f32],
    latent_dim: usize,
    names: &[String],
    values: &[i8],
) -> Vec<AttributeVector> {
    let count = means.len() / latent_dim;
    let mut vectors = Vec::new();
    for (a, name) in names.iter().enumerate() {
        let mut sums = [vec![0f64; latent_dim], vec![0f64; latent_dim]];
        let mut counts = [0usize; 2];
        for i in 0..count {
            let side = usize::from(values[i * names.len() + a] > 0);
            counts[side] += 1;
            for (s, &z) in sums[side]
                .iter_mut()
                .zip(&means[i * latent_dim..(i + 1) * latent_dim])
            {
                *s += f64::from(z);
            }
        }
        if counts[0] == 0 || counts[1] == 0 {
            continue;
        }
        let vector = (0..latent_dim)
            .map(|d| (sums[1][d] / counts[1] as f64 - sums[0][d] / counts[0] as f64) as f32)
            .collect();
        vectors.push(AttributeVector {
            name: name.clone(),
            vector,
            positives: counts[1],
            negatives: counts[0],
        });
    }
    vectors
}

/// Images each diversity figure compares (all pairs of them).
pub const DIVERSITY_IMAGES: usize = 256;

/// Held-out quality figures of a VAE (`None` for a plain autoencoder, which has no
/// prior to sample from). `loss_parts` is [`evaluate`]'s `(loss, reconstruction, kl)`.
pub fn quality_of(
    model: &Autoencoder,
    latent_dim: usize,
    data: &Dataset,
    posteriors: &Posteriors,
    loss_parts: (f64, f64, f64),
    device: &Device,
) -> Result<Option<Quality>> {
    let Some(log_vars) = &posteriors.log_vars else {
        return Ok(None);
    };
    let means = &posteriors.means;
    let per_image = data.per_image();
    let mut squared = 0.0f64;
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(500) {
        let rows = &means[chunk[0] * latent_dim..(chunk[0] + chunk.len()) * latent_dim];
        let decoded = model.decode(latent_batch(rows, latent_dim, device));
        let error: f32 = (decoded - data.batch(chunk, device))
            .square()
            .sum()
            .into_scalar();
        squared += f64::from(error);
    }
    let kl_per_dim = quality::kl_per_dimension(means, log_vars, latent_dim);
    let shown = DIVERSITY_IMAGES.min(data.len());
    let z = normal_latents(0, DIVERSITY_IMAGES, latent_dim, 1.0);
    let samples = decode(model, &z, latent_dim, device)?;
    let real = data.floats(&(0..shown).collect::<Vec<_>>());
    let sample_diversity = quality::mean_pairwise_distance(&samples, per_image);
    let data_diversity = quality::mean_pairwise_distance(&real, per_image);
    let (loss, reconstruction, kl) = loss_parts;
    Ok(Some(Quality {
        images: data.len(),
        loss,
        reconstruction,
        kl,
        reconstruction_mse: squared / (data.len() * per_image).max(1) as f64,
        active_dims: quality::active_dimensions(&kl_per_dim),
        kl_per_dim,
        sample_diversity,
        data_diversity,
        diversity_ratio: sample_diversity / data_diversity.max(1e-12),
    }))
}

/// What `eval` measured, also written as `eval.json`.
#[derive(Debug, Serialize)]
pub struct EvalReport {
    pub model: String,
    pub images: usize,
    /// The training objective on held-out images (beta-weighted, see `loss.rs`).
    pub loss: f64,
    pub reconstruction: f64,
    pub kl: f64,
    /// Mean per-pixel reconstruction error (BCE, MSE or Gaussian NLL).
    pub reconstruction_per_pixel: f64,
    /// Negative ELBO in nats per image (summed likelihood + KL) for likelihood-based
    /// objectives; absent for MSE.
    pub nats_per_image: Option<f64>,
    pub pictures: Vec<String>,
    /// Class name and `#rrggbb` colour of each label in the scatter plots.
    pub legend: Vec<(String, String)>,
    pub scatter_ranges: Vec<(Range, Range)>,
    /// VAEs only: active dimensions, diversity and the rest (also stored in the
    /// export's manifest).
    pub quality: Option<Quality>,
    /// RGB models: distances of samples and reconstructions from real images (also
    /// stored in the manifest; see [`crate::fidelity`]).
    pub fidelity: Option<Fidelity>,
}

pub fn run(
    export: &AutoencoderExport,
    data: &Dataset,
    fidelity: Option<Fidelity>,
    out: &Path,
    device: &Device,
) -> Result<EvalReport> {
    let manifest = &export.manifest;
    let spec = &export.spec;
    let model = &export.model;
    let (loss, reconstruction, kl) = evaluate(model, spec, data, device, 500, 0);
    let posteriors = encode_posteriors(model, data, device)?;
    let quality = quality_of(
        model,
        manifest.latent_dim,
        data,
        &posteriors,
        (loss, reconstruction, kl),
        device,
    )?;
    let objective = spec.objective();
    let per_pixel = reconstruction / objective.beta;
    let nats = (objective.reconstruction != Reconstruction::Mse)
        .then(|| per_pixel * manifest.pixels() as f64 + kl);
    let mut pictures = Vec::new();
    let mut note = |name: &str| {
        pictures.push(name.to_string());
        out.join(name)
    };

    let shown: Vec<usize> = (0..data.len().min(32)).collect();
    write_reconstructions_png(&note("reconstructions.png"), model, data, &shown, device)?;

    let dim = manifest.latent_dim;
    let means = posteriors.means;
    let mut scatter_ranges = Vec::new();
    if dim == 2 || dim == 3 {
        let pairs: Vec<(usize, usize)> = if dim == 2 {
            vec![(0, 1)]
        } else {
            vec![(0, 1), (0, 2), (1, 2)]
        };
        for (phi, file) in [(false, "scatter-z.png"), (true, "scatter-p.png")] {
            let value = |i: usize, d: usize| {
                let z = means[i * dim + d];
                if phi {
                    normal_cdf(f64::from(z)) as f32
                } else {
                    z
                }
            };
            let axis = |d: usize| {
                if phi {
                    format!("Φ(z{})", d + 1)
                } else {
                    format!("z{}", d + 1)
                }
            };
            let panels: Vec<Panel> = pairs
                .iter()
                .map(|&(a, b)| {
                    let points: Vec<(f32, f32)> = (0..data.len())
                        .map(|i| (value(i, a), value(i, b)))
                        .collect();
                    let unit = Range { min: 0.0, max: 1.0 };
                    let ranges = if phi {
                        (unit, unit)
                    } else {
                        (
                            Range::robust(points.iter().map(|p| p.0)),
                            Range::robust(points.iter().map(|p| p.1)),
                        )
                    };
                    Panel {
                        title: format!("{} against {}", axis(b), axis(a)),
                        x_label: axis(a),
                        y_label: axis(b),
                        points,
                        ranges,
                    }
                })
                .collect();
            scatter_ranges.extend(panels.iter().map(|p| p.ranges));
            let title = format!(
                "{}: {} of {} held-out {} images",
                manifest.name,
                if phi { "Φ(mean z)" } else { "mean z" },
                data.len(),
                data.name,
            );
            let (picture, _) = scatter(&panels, &data.labels, &manifest.dataset.classes, &title)?;
            write_png(&note(file), picture)?;
        }
    }
    if dim == 2 {
        const N: usize = 15;
        let pixels = decode(model, &manifold_grid(N), 2, device)?;
        write_grid_png(&note("manifold.png"), &pixels, manifest.image_shape(), N)?;
    }
    // The seed's grid of latent histograms: up to 100 dimensions, 10 per row.
    let dims: Vec<(usize, Vec<f32>)> = (0..dim.min(100))
        .map(|d| (d + 1, means.iter().skip(d).step_by(dim).copied().collect()))
        .collect();
    let title = format!(
        "{}: posterior means (bars), N(0, 1) pdf (red)",
        manifest.name
    );
    write_png(&note("histograms.png"), histograms(&dims, 24, &title)?)?;

    let legend = manifest
        .dataset
        .classes
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), hex(class_colour(i as u32))))
        .collect();
    let report = EvalReport {
        model: manifest.name.clone(),
        images: data.len(),
        loss,
        reconstruction,
        kl,
        reconstruction_per_pixel: per_pixel,
        nats_per_image: nats,
        pictures,
        legend,
        scatter_ranges,
        quality,
        fidelity,
    };
    write_atomic(
        &out.join("eval.json"),
        serde_json::to_string_pretty(&report)?.as_bytes(),
    )?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_vector_is_the_difference_of_class_means() {
        // Two 2-D codes with the attribute, two without.
        let means = [1.0, 0.0, 3.0, 2.0, -1.0, 0.0, -1.0, 2.0];
        let names = vec!["Smiling".to_string(), "Never".to_string()];
        let values = [1, -1, 1, -1, -1, -1, -1, -1];
        let vectors = attribute_vectors(&means, 2, &names, &values);
        assert_eq!(vectors.len(), 1, "an attribute no image has is skipped");
        assert_eq!(vectors[0].vector, vec![3.0, 0.0]);
        assert_eq!((vectors[0].positives, vectors[0].negatives), (2, 2));
    }
}
