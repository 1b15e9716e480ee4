//! `latentlab eval`: held-out loss, quality figures and pictures of an export.

use anyhow::Result;

use super::{export_and_data, open_device, write_manifest};
use crate::cli::{DeviceArg, EvalArgs, HeldOutArg};
use crate::data::Split;
use crate::eval;

pub fn run(args: EvalArgs, device: DeviceArg, seed: u64) -> Result<()> {
    let (device, _) = open_device(device)?;
    let split = match args.split {
        HeldOutArg::Validation => Split::Validation,
        HeldOutArg::Test => Split::Test,
    };
    let (export, val) = export_and_data(
        &args.weights,
        &args.data,
        split,
        seed,
        &device,
        "be evaluated",
    )?;
    let report = eval::run(&export, &val, &args.out, &device)?;
    if let Some(quality) = &report.quality {
        let mut manifest = export.manifest.clone();
        manifest.quality = Some(quality.clone());
        let path = write_manifest(&args.weights, &manifest)?;
        eprintln!(
            "{} active latent dimensions of {}, diversity ratio {:.3}; stored in {}",
            quality.active_dims,
            export.manifest.latent_dim,
            quality.diversity_ratio,
            path.display()
        );
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
