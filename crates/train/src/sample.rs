//! Decoding N(0, I) samples to a PNG grid (and optionally the raw floats).

use std::path::Path;

use anyhow::{Context, Result};
use latentlab_model::burn::prelude::*;
use latentlab_model::grid::tile_rgba;
use latentlab_model::latent::normal_latents;
use latentlab_model::{ConvVae, latent_batch};
use serde::Serialize;

use crate::files::write_atomic;

/// The decoded values behind a grid, for comparing backends.
#[derive(Debug, Serialize)]
pub struct RawSamples {
    pub seed: u64,
    pub count: usize,
    pub latent_dim: usize,
    pub z: Vec<f32>,
    /// `[count, channels, side, side]` in [0, 1].
    pub pixels: Vec<f32>,
}

/// Decodes `count` latents drawn with `seed` (the page's draw for the same seed).
pub fn decode_samples(
    model: &ConvVae,
    latent_dim: usize,
    seed: u64,
    count: usize,
    device: &Device,
) -> Result<RawSamples> {
    let z = normal_latents(seed, count, latent_dim, 1.0);
    let pixels = model
        .decode(latent_batch(&z, latent_dim, device))
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("cannot read decoded images: {e:?}"))?;
    Ok(RawSamples {
        seed,
        count,
        latent_dim,
        z,
        pixels,
    })
}

/// Encodes `samples` as a PNG grid with `columns` columns and writes it atomically.
pub fn write_grid_png(
    path: &Path,
    samples: &RawSamples,
    channels: usize,
    side: usize,
    columns: usize,
) -> Result<()> {
    let grid = tile_rgba(&samples.pixels, channels, side, columns, 2);
    let image = image::RgbaImage::from_raw(grid.width as u32, grid.height as u32, grid.pixels)
        .context("grid buffer has the wrong size")?;
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .context("cannot encode PNG")?;
    write_atomic(path, &png)
}
