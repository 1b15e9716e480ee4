//! One file per command; this module dispatches and holds what several commands
//! share: the device, the data folder and an export with its data.

mod attributes;
mod bench;
mod eval;
mod export;
mod project;
mod sample;
mod train;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Result, ensure};
use latentlab_model::burn::prelude::Device;
use latentlab_model::weights::{DatasetInfo, MANIFEST_FILE, Manifest};

use crate::cli::{Cli, Command, DataArgs, DeviceArg};
use crate::data::{self, Dataset, Split, SplitRule};
use crate::files::{self, AutoencoderExport};

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> Result<()> {
    let (device, seed) = (cli.device, cli.seed);
    match cli.command {
        Command::Train(args) => train::run(args, device, seed),
        Command::Eval(args) => eval::run(args, device, seed),
        Command::Sample(args) => sample::run(args, device, seed),
        Command::Attributes(args) => attributes::run(args, device, seed),
        Command::Export(args) => export::run(args, device, seed),
        Command::Project(args) => project::run(args, device, seed),
        Command::Bench(args) => bench::run(args, device),
    }
}

/// burn creates some state (Adam's moments when a checkpoint is loaded) on its default
/// device, which prefers a GPU whenever wgpu is compiled in. Pinning the default to the
/// chosen device keeps `--device cpu` runs off the GPU and working on machines with no
/// Vulkan at all.
///
/// # Safety
/// It sets an environment variable: no other thread may exist yet (one could be
/// reading the environment), so call it first thing in `main`.
pub unsafe fn pin_default_device(device: DeviceArg) {
    let name = match device {
        DeviceArg::Cpu => "flex",
        DeviceArg::Wgpu => "wgpu",
        DeviceArg::Cuda => "cuda",
    };
    if std::env::var_os("BURN_DEVICE").is_none() {
        // SAFETY: the caller promises no other thread exists yet.
        unsafe { std::env::set_var("BURN_DEVICE", name) };
    }
}

/// The device and the name progress lines and manifests give it.
fn open_device(device: DeviceArg) -> Result<(Device, &'static str)> {
    Ok(match device {
        DeviceArg::Cpu => (Device::flex(), "cpu (flex)"),
        DeviceArg::Wgpu => (
            Device::wgpu_options()
                .init()
                .map_err(|e| anyhow::anyhow!("cannot start wgpu: {e:?}"))?,
            "wgpu",
        ),
        #[cfg(feature = "cuda")]
        DeviceArg::Cuda => (Device::cuda(0), "cuda"),
        #[cfg(not(feature = "cuda"))]
        DeviceArg::Cuda => {
            anyhow::bail!(
                "this latentlab was built without CUDA: rebuild with `cargo build --release --features cuda`"
            )
        }
    })
}

pub(crate) fn data_root() -> PathBuf {
    std::env::var_os("LATENTLAB_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/data"))
}

/// Loads `splits` of the data as `shape` (`[channels, height, width]`) images.
fn load_data(
    args: &DataArgs,
    dataset: &str,
    shape: [usize; 3],
    splits: &[Split],
    seed: u64,
) -> Result<Vec<Dataset>> {
    let path = args
        .data
        .clone()
        .unwrap_or_else(|| data_root().join(dataset));
    eprintln!("reading {}", path.display());
    let rule = SplitRule {
        validation_fraction: args.validation_fraction,
        seed,
    };
    let progress = std::io::stderr().is_terminal();
    let loaded = data::load(&path, splits, rule, shape, dataset, progress)?;
    loaded
        .into_iter()
        .zip(splits)
        .map(|(data, split)| {
            let data = data.limited(args.limit);
            ensure!(
                !data.is_empty(),
                "{}: the {split:?} split is empty",
                path.display()
            );
            Ok(data)
        })
        .collect()
}

fn dataset_info(data: &Dataset) -> DatasetInfo {
    DatasetInfo {
        name: data.name.clone(),
        classes: data.classes.clone(),
    }
}

/// `split` of the data the export of `manifest` was trained on (`--data`, or the
/// default folder for the manifest's dataset).
fn data_of(manifest: &Manifest, data: &DataArgs, split: Split, seed: u64) -> Result<Dataset> {
    let dataset = match manifest.dataset.name.as_str() {
        "folder" => "<your image folder: pass --data>",
        other => other,
    };
    let mut loaded = load_data(data, dataset, manifest.image_shape(), &[split], seed)?;
    Ok(loaded.remove(0))
}

/// Rewrites the manifest of the export in `weights` (atomically); returns its path.
fn write_manifest(weights: &Path, manifest: &Manifest) -> Result<PathBuf> {
    let path = weights.join(MANIFEST_FILE);
    files::write_atomic(&path, manifest.to_json().as_bytes())?;
    Ok(path)
}

/// An autoencoder's export (see [`files::read_autoencoder`] for `what`) and `split` of
/// the data it was trained on.
fn export_and_data(
    weights: &Path,
    data: &DataArgs,
    split: Split,
    seed: u64,
    device: &Device,
    what: &str,
) -> Result<(AutoencoderExport, Dataset)> {
    let export = files::read_autoencoder(weights, device, what)?;
    let data = data_of(&export.manifest, data, split, seed)?;
    Ok((export, data))
}
