//! `latentlab export`: a copy of an export for the page, with encoded held-out points
//! (an autoencoder's) or with none (a GAN's generator, which has no encoder).

use anyhow::{Context, Result, bail, ensure};
use latentlab_model::ExportedModel;
use latentlab_model::weights::{POINTS_FILE, Points, PointsInfo, WEIGHTS_FILE, points_bytes};

use super::{data_of, open_device, write_manifest};
use crate::cli::{DeviceArg, ExportArgs};
use crate::data::Split;
use crate::{eval, files};

pub fn run(args: ExportArgs, device: DeviceArg, seed: u64) -> Result<()> {
    let (weights, out) = (&args.weights, &args.out);
    let (device, _) = open_device(device)?;
    let export = files::read_export(weights, &device)?;
    let mut manifest = export.manifest.clone();
    let count = match (&export.model, args.points) {
        (ExportedModel::Generator(_), Some(n)) if n > 0 => bail!(
            "{}: {} is a GAN's generator; it has no encoder to make points (omit --points)",
            weights.display(),
            manifest.name
        ),
        (ExportedModel::Generator(_), _) => 0,
        (ExportedModel::Autoencoder(_), n) => {
            n.unwrap_or(if manifest.latent_dim <= 3 { 3000 } else { 500 })
        }
    };
    let weights_bytes = std::fs::read(weights.join(WEIGHTS_FILE))
        .with_context(|| format!("cannot read {}", weights.join(WEIGHTS_FILE).display()))?;
    ensure!(out != weights, "--out must differ from --weights");
    files::write_atomic(&out.join(WEIGHTS_FILE), &weights_bytes)?;
    manifest.points = None;
    if let (ExportedModel::Autoencoder(model), true) = (&export.model, count > 0) {
        let mut limited = args.data.clone();
        limited.limit = Some(args.data.limit.map_or(count, |l| l.min(count)));
        let val = data_of(&manifest, &limited, Split::Validation, seed)?;
        let posteriors = eval::encode_posteriors(model, &val, &device)?;
        let variational = posteriors.log_vars.is_some();
        let bytes = points_bytes(
            &Points {
                z: posteriors.means,
                log_var: posteriors.log_vars.unwrap_or_default(),
                labels: val.labels.clone(),
            },
            manifest.latent_dim,
        )?;
        files::write_atomic(&out.join(POINTS_FILE), &bytes)?;
        manifest.points = Some(PointsInfo {
            file: POINTS_FILE.into(),
            count: val.len(),
            bytes: bytes.len() as u64,
            description: format!(
                "{} of the first {} held-out {} images",
                if variational {
                    "posterior means and log-variances"
                } else {
                    "codes"
                },
                val.len(),
                val.name
            ),
        });
    }
    write_manifest(out, &manifest)?;
    let total = weights_bytes.len() as u64 + manifest.points.as_ref().map_or(0, |p| p.bytes);
    eprintln!("wrote {} ({} KiB)", out.display(), total / 1024);
    Ok(())
}
