//! `latentlab eval`: held-out loss, quality figures and pictures of an export, and for
//! RGB models (a GAN's generator too) the distances of its images from real ones.

use anyhow::{Result, ensure};
use latentlab_model::ExportedModel;
use latentlab_model::quality::Fidelity;
use latentlab_model::weights::{LoadedExport, Manifest};
use serde::Serialize;

use super::{data_of, data_root, open_device, write_manifest};
use crate::cli::{DeviceArg, EvalArgs, HeldOutArg};
use crate::data::Split;
use crate::eval;
use crate::fidelity::{self, FeatureNet};
use crate::files::{self, AutoencoderExport, write_atomic};

/// `eval.json` of a GAN: only the distances (it has no encoder, so no held-out loss).
#[derive(Serialize)]
struct GeneratorReport<'a> {
    model: &'a str,
    fidelity: &'a Option<Fidelity>,
}

pub fn run(args: EvalArgs, device: DeviceArg, seed: u64) -> Result<()> {
    let (device, _) = open_device(device)?;
    let split = match args.split {
        HeldOutArg::Validation => Split::Validation,
        HeldOutArg::Test => Split::Test,
    };
    let LoadedExport { manifest, model } = files::read_export(&args.weights, &device)?;
    let measured = manifest.channels == 3 && args.fidelity_images > 0;
    ensure!(
        measured || model.autoencoder().is_some(),
        "{}: {} is a GAN's generator of {}-channel images: it has no encoder for held-out losses, and the distances from real images are measured for RGB models only, so it cannot be evaluated",
        args.weights.display(),
        manifest.name,
        manifest.channels
    );
    // Opened first, so a missing network fails before minutes of other work.
    let net = match measured {
        true => {
            let path = args
                .cnn
                .clone()
                .unwrap_or_else(|| fidelity::default_cnn(&data_root()));
            Some(FeatureNet::open(&path, &device)?)
        }
        false => None,
    };
    let held_out = data_of(&manifest, &args.data, split, seed)?;
    let fidelity = match &net {
        Some(net) => {
            let training = data_of(&manifest, &args.data, Split::Train, seed)?;
            let fidelity = fidelity::measure(
                net,
                fidelity::Model {
                    decoder: &model,
                    autoencoder: model.autoencoder(),
                    latent_dim: manifest.latent_dim,
                    prior: manifest.model.prior(),
                },
                (&held_out, &training),
                args.fidelity_images,
                seed,
                &device,
            )?;
            eprintln!(
                "Fréchet distance of samples {:.1} (floor {:.1}), kernel distance {:.4} (floor {:.4}), {} images a set",
                fidelity.samples.frechet,
                fidelity.floor.frechet,
                fidelity.samples.kernel,
                fidelity.floor.kernel,
                fidelity.images
            );
            Some(fidelity)
        }
        None => None,
    };
    let mut stored = manifest.clone();
    stored.fidelity = fidelity.clone().or(stored.fidelity);
    let export = match (manifest.model.autoencoder().cloned(), model) {
        (Some(spec), ExportedModel::Autoencoder(model)) => AutoencoderExport {
            manifest,
            spec,
            model,
        },
        _ => {
            let report = GeneratorReport {
                model: &manifest.name,
                fidelity: &fidelity,
            };
            let json = serde_json::to_string_pretty(&report)?;
            write_atomic(&args.out.join("eval.json"), json.as_bytes())?;
            store(&args, &stored)?;
            println!("{json}");
            return Ok(());
        }
    };
    let report = eval::run(&export, &held_out, fidelity, &args.out, &device)?;
    if let Some(quality) = &report.quality {
        stored.quality = Some(quality.clone());
        eprintln!(
            "{} active latent dimensions of {}, diversity ratio {:.3}",
            quality.active_dims, export.manifest.latent_dim, quality.diversity_ratio,
        );
    }
    store(&args, &stored)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Rewrites the export's manifest when eval measured something it keeps.
fn store(args: &EvalArgs, manifest: &Manifest) -> Result<()> {
    if manifest.quality.is_some() || manifest.fidelity.is_some() {
        let path = write_manifest(&args.weights, manifest)?;
        eprintln!("stored in {}", path.display());
    }
    Ok(())
}
