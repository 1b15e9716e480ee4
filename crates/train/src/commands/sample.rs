//! `latentlab sample`: a PNG grid of decoded samples.

use anyhow::{Result, ensure};

use super::open_device;
use crate::cli::{DeviceArg, SampleArgs};
use crate::{files, sample};

/// `first_face` is the global `--seed`: the grid shows faces first_face, +1, ...
pub fn run(args: SampleArgs, device: DeviceArg, first_face: u64) -> Result<()> {
    ensure!(args.count > 0, "--count must be at least 1");
    let (device, _) = open_device(device)?;
    let export = files::read_export(&args.weights, &device)?;
    let m = &export.manifest;
    // Folded as the page folds it, so native and browser decodes stay one path.
    let model = export.model.for_inference();
    let samples = sample::decode_samples(
        &model,
        (m.latent_dim, args.prior.map_or(m.model.prior(), Into::into)),
        first_face,
        args.count,
        args.temperature,
        &device,
    )?;
    sample::write_grid_png(&args.out, &samples.pixels, m.image_shape(), args.columns)?;
    if let Some(raw) = args.raw {
        files::write_atomic(&raw, serde_json::to_string(&samples)?.as_bytes())?;
    }
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
