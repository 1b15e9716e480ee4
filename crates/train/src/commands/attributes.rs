//! `latentlab attributes`: attribute vectors from labelled training images into the
//! export's manifest.

use anyhow::{Context, Result};

use super::{export_and_data, open_device, write_manifest};
use crate::cli::{AttributesArgs, DeviceArg};
use crate::data::Split;
use crate::eval;

pub fn run(args: AttributesArgs, device: DeviceArg, seed: u64) -> Result<()> {
    let (device, _) = open_device(device)?;
    let (export, train_set) = export_and_data(
        &args.weights,
        &args.data,
        Split::Train,
        seed,
        &device,
        "give attribute vectors",
    )?;
    let attributes = train_set.attributes.as_ref().with_context(|| {
        format!(
            "{} has no attribute file, so there are no attribute vectors to compute",
            train_set.name
        )
    })?;
    let means = eval::encode_means(&export.model, &train_set, &device)?;
    let vectors = eval::attribute_vectors(
        &means,
        export.manifest.latent_dim,
        &attributes.names,
        &attributes.values,
    );
    let mut manifest = export.manifest.clone();
    for v in &vectors {
        let norm: f32 = v.vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        eprintln!(
            "{:>20}: |v| = {norm:.3} ({} with, {} without)",
            v.name, v.positives, v.negatives
        );
    }
    manifest.attributes = vectors;
    let path = write_manifest(&args.weights, &manifest)?;
    eprintln!(
        "wrote {} attribute vectors from {} images into {}",
        manifest.attributes.len(),
        train_set.len(),
        path.display()
    );
    Ok(())
}
