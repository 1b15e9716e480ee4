//! Decoding latents to PNG grids (and optionally the raw floats).

use std::path::Path;

use anyhow::{Context, Result};
use latentlab_model::burn::prelude::*;
use latentlab_model::gan::Prior;
use latentlab_model::grid::{RgbaGrid, tile_rgba};
use latentlab_model::latent::prior_latents;
use latentlab_model::{Autoencoder, Decoder, latent_batch};
use serde::Serialize;

use crate::data::Dataset;
use crate::files::write_atomic;

/// The decoded values behind a grid, for comparing backends.
#[derive(Debug, Serialize)]
pub struct RawSamples {
    pub seed: u64,
    pub count: usize,
    pub latent_dim: usize,
    pub temperature: f64,
    /// What z was drawn from (N(0, I) for every autoencoder).
    pub prior: Prior,
    pub z: Vec<f32>,
    /// `[count, channels, height, width]` in [0, 1].
    pub pixels: Vec<f32>,
}

/// A tensor's values read back as f32s.
pub fn to_vec<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>> {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("cannot read a tensor back: {e:?}"))
}

/// Decodes `z` (row-major `[n, latent_dim]`) to `[n, c, h, w]` floats.
pub fn decode(
    model: &impl Decoder,
    z: &[f32],
    latent_dim: usize,
    device: &Device,
) -> Result<Vec<f32>> {
    to_vec(model.decode(latent_batch(z, latent_dim, device)))
}

/// Decodes faces `seed .. seed + count` drawn from `prior` (the same z the page draws
/// for those face ids).
pub fn decode_samples(
    model: &impl Decoder,
    (latent_dim, prior): (usize, Prior),
    seed: u64,
    count: usize,
    temperature: f64,
    device: &Device,
) -> Result<RawSamples> {
    let z = prior_latents(prior, seed, count, latent_dim, temperature);
    let pixels = decode(model, &z, latent_dim, device)?;
    Ok(RawSamples {
        seed,
        count,
        latent_dim,
        temperature,
        prior,
        z,
        pixels,
    })
}

/// Encodes an RGBA picture as PNG and writes it atomically.
pub fn write_png(path: &Path, grid: RgbaGrid) -> Result<()> {
    let image = image::RgbaImage::from_raw(grid.width as u32, grid.height as u32, grid.pixels)
        .context("picture buffer has the wrong size")?;
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .context("cannot encode PNG")?;
    write_atomic(path, &png)
}

/// Writes `pixels` (`[n, c, h, w]` in [0, 1]) as a PNG grid with `columns` columns.
pub fn write_grid_png(
    path: &Path,
    pixels: &[f32],
    shape: [usize; 3],
    columns: usize,
) -> Result<()> {
    write_png(path, tile_rgba(pixels, shape, columns, 2))
}

/// Originals over their reconstructions (decoded posterior means), eight per row pair.
pub fn write_reconstructions_png(
    path: &Path,
    model: &Autoencoder,
    data: &Dataset,
    indices: &[usize],
    device: &Device,
) -> Result<()> {
    const COLUMNS: usize = 8;
    let originals = data.floats(indices);
    let reconstructed = to_vec(model.reconstruct(data.batch(indices, device)))?;
    let per_image = data.per_image();
    let mut rows = Vec::with_capacity(originals.len() * 2);
    for start in (0..indices.len()).step_by(COLUMNS) {
        let end = (start + COLUMNS).min(indices.len());
        rows.extend_from_slice(&originals[start * per_image..end * per_image]);
        // Short last rows are padded with black so pairs stay aligned.
        rows.resize(rows.len() + (start + COLUMNS - end) * per_image, 0.0);
        rows.extend_from_slice(&reconstructed[start * per_image..end * per_image]);
        rows.resize(rows.len() + (start + COLUMNS - end) * per_image, 0.0);
    }
    write_grid_png(path, &rows, data.shape, COLUMNS)
}
