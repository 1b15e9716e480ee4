//! File output that never leaves a half-written file behind.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use latentlab_model::burn::prelude::Device;
use latentlab_model::weights::{LoadedExport, MANIFEST_FILE, Manifest, WEIGHTS_FILE, load_export};
use latentlab_model::{Autoencoder, ExportedModel, ModelSpec};

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over
/// `path`: readers see the old file or the new one, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .with_context(|| format!("{} has no file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        stall_for_tests();
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// With `LATENTLAB_TEST_WRITE_STALL_MS` set, every write pauses that long between
/// writing the temporary file and renaming it, so the kill test can land a SIGKILL
/// inside a checkpoint write every time rather than by luck.
fn stall_for_tests() {
    if let Some(ms) = std::env::var("LATENTLAB_TEST_WRITE_STALL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Writes an export directory: the weights first, then the manifest that vouches for
/// their length, so a crash in between leaves a manifest that rejects the new weights
/// rather than a silently mismatched pair.
pub fn write_export(dir: &Path, manifest: &Manifest, weights: &[u8]) -> Result<()> {
    write_atomic(&dir.join(WEIGHTS_FILE), weights)?;
    write_atomic(&dir.join(MANIFEST_FILE), manifest.to_json().as_bytes())
}

/// Reads and checks an export directory, naming the file at fault on error.
pub fn read_export(dir: &Path, device: &Device) -> Result<LoadedExport> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let weights_path = dir.join(WEIGHTS_FILE);
    let manifest = std::fs::read(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let weights = std::fs::read(&weights_path)
        .with_context(|| format!("cannot read {}", weights_path.display()))?;
    load_export(&manifest, &weights, device).with_context(|| {
        format!(
            "{} / {} are not a valid export",
            manifest_path.display(),
            WEIGHTS_FILE
        )
    })
}

/// An export with an encoder: what eval, attribute vectors, points and projections need.
pub struct AutoencoderExport {
    pub manifest: Manifest,
    pub spec: ModelSpec,
    pub model: Autoencoder,
}

/// Reads an export that must have an encoder; a GAN's generator is refused by name,
/// saying what it cannot do (`what`, e.g. "be evaluated").
pub fn read_autoencoder(dir: &Path, device: &Device, what: &str) -> Result<AutoencoderExport> {
    let LoadedExport { manifest, model } = read_export(dir, device)?;
    match (manifest.model.autoencoder().cloned(), model) {
        (Some(spec), ExportedModel::Autoencoder(model)) => Ok(AutoencoderExport {
            manifest,
            spec,
            model,
        }),
        _ => bail!(
            "{}: {} is a GAN's generator; it has no encoder, so it cannot {what}",
            dir.display(),
            manifest.name
        ),
    }
}
