//! `latentlab`: train latentlab's models natively, evaluate them, and export them for
//! the web page.
//!
//! A thin binary: flags in `flags`, datasets in `data`, the loop in `train`, checkpoints in
//! `checkpoint`, pictures in `sample`, `plot` and `eval`; the models live in
//! `latentlab-model`.

mod bench;
mod checkpoint;
mod data;
mod eval;
mod files;
mod flags;
#[cfg(test)]
mod fuzz;
mod plot;
mod presets;
mod progress;
mod sample;
mod train;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use latentlab_model::burn::prelude::Device;
use latentlab_model::weights::{
    DatasetInfo, LoadedExport, MANIFEST_FILE, Manifest, POINTS_FILE, Points, PointsInfo,
    WEIGHTS_FILE, points_bytes,
};
use latentlab_model::{ModelSpec, Reconstruction};

use crate::data::{Dataset, Split, SplitRule};
use crate::flags::{Cli, Command, DataArgs, DecoderArg, DeviceArg, HeldOutArg, ScheduleArg};

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
            bail!(
                "this latentlab was built without CUDA: rebuild with `cargo build --release --features cuda`"
            )
        }
    })
}

/// burn creates some state (Adam's moments when a checkpoint is loaded) on its default
/// device, which prefers a GPU whenever wgpu is compiled in. Pinning the default to the
/// chosen device keeps `--device cpu` runs off the GPU and working on machines with no
/// Vulkan at all.
fn pin_default_device(cli: &Cli) {
    let name = match cli.device {
        DeviceArg::Cpu => "flex",
        DeviceArg::Wgpu => "wgpu",
        DeviceArg::Cuda => "cuda",
    };
    if std::env::var_os("BURN_DEVICE").is_none() {
        // SAFETY: called first thing in `main`, before any thread exists.
        unsafe { std::env::set_var("BURN_DEVICE", name) };
    }
}

/// Keeps freed memory in glibc's heap instead of returning it to the kernel.
///
/// A training step allocates and frees tensors of up to 134 MB (the face VAE's last
/// feature maps); by default glibc maps each one fresh and unmaps it on free, so
/// every step page-faults its way through gigabytes and sends TLB-shootdown
/// interrupts to the other core. Measured on celeba-vae (2 cores): 32% of CPU time
/// in the kernel, 61 images/s; with this, 4% and 91 images/s, peak RSS unchanged.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator thresholds; it is called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// A file-size limit (`ulimit -f`) then fails the write with an error naming the file
/// instead of killing the process with SIGXFSZ mid-write.
fn report_oversized_writes() {
    #[cfg(unix)]
    // SAFETY: setting a signal to SIG_IGN installs no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

fn main() {
    tune_allocator();
    report_oversized_writes();
    let cli = Cli::parse();
    pin_default_device(&cli);
    if let Err(error) = run(cli) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn data_root() -> PathBuf {
    std::env::var_os("LATENTLAB_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/data"))
}

/// Loads `splits` of the data for a model reading `spec`'s images.
fn load_data(
    args: &DataArgs,
    dataset: &str,
    spec: &ModelSpec,
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
    let loaded = data::load(&path, splits, rule, spec.image_shape(), dataset, progress)?;
    loaded
        .into_iter()
        .zip(splits)
        .map(|(data, split)| {
            let data = data.limited(args.limit);
            ensure!(
                data.len() > 0,
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

/// `split` of the data `export` was trained on (`--data`, or the default folder for
/// the manifest's dataset).
fn data_of(export: &LoadedExport, data: &DataArgs, split: Split, seed: u64) -> Result<Dataset> {
    let dataset = match export.manifest.dataset.name.as_str() {
        "folder" => "<your image folder: pass --data>",
        other => other,
    };
    let mut loaded = load_data(data, dataset, &export.manifest.model, &[split], seed)?;
    Ok(loaded.remove(0))
}

/// Rewrites the manifest of the export in `weights` (atomically); returns its path.
fn write_manifest(weights: &std::path::Path, manifest: &Manifest) -> Result<PathBuf> {
    let path = weights.join(MANIFEST_FILE);
    files::write_atomic(&path, manifest.to_json().as_bytes())?;
    Ok(path)
}

/// An export and `split` of the data it was trained on.
fn export_and_data(
    weights: &std::path::Path,
    data: &DataArgs,
    split: Split,
    seed: u64,
    device: &Device,
) -> Result<(LoadedExport, Dataset)> {
    let export = files::read_export(weights, device)?;
    let data = data_of(&export, data, split, seed)?;
    Ok((export, data))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train {
            model,
            data,
            epochs,
            out,
            batch_size,
            lr,
            schedule,
            seed,
            resume,
            kl_warmup,
            checkpoint_every,
            latent_dim,
            frey_decoder,
        } => {
            let preset = presets::preset(&model).with_context(|| {
                format!(
                    "unknown model {model:?}; choose one of {}",
                    presets::names().join(", ")
                )
            })?;
            let mut spec = ModelSpec::named(&model).expect("every preset is a zoo model");
            if latent_dim.is_some() || frey_decoder.is_some() {
                ensure!(
                    model == "frey-vae",
                    "--latent-dim and --frey-decoder apply to frey-vae only"
                );
                let reconstruction = match frey_decoder {
                    Some(DecoderArg::Bernoulli) => Reconstruction::Bce,
                    _ => Reconstruction::Gaussian,
                };
                spec = ModelSpec::Dense(latentlab_model::DenseConfig::frey_vae(
                    latent_dim.unwrap_or(2),
                    reconstruction,
                ));
                spec.validate().map_err(anyhow::Error::msg)?;
            }
            let options = train::TrainOptions {
                epochs: epochs.unwrap_or(preset.epochs),
                batch_size: batch_size.unwrap_or(preset.batch_size),
                learning_rate: lr.unwrap_or(preset.learning_rate),
                cosine: match schedule {
                    Some(ScheduleArg::Cosine) => true,
                    Some(ScheduleArg::Constant) => false,
                    None => preset.cosine,
                },
                seed,
                progress: std::io::stderr().is_terminal(),
                resume,
                kl_warmup_epochs: kl_warmup,
                checkpoint_every: checkpoint_every.0,
            };
            ensure!(
                kl_warmup >= 0.0 && kl_warmup.is_finite(),
                "--kl-warmup must be a number of epochs, 0 or more"
            );
            ensure!(
                options.epochs > 0 && options.batch_size > 0,
                "--epochs and --batch-size must be at least 1"
            );
            ensure!(
                options.learning_rate > 0.0 && options.learning_rate.is_finite(),
                "--lr must be a positive number"
            );
            let out = out.unwrap_or_else(|| PathBuf::from("runs").join(&model));
            let (device, device_name) = open_device(cli.device)?;
            let [train_set, val_set]: [Dataset; 2] = load_data(
                &data,
                preset.dataset,
                &spec,
                &[Split::Train, Split::Validation],
                seed,
            )?
            .try_into()
            .expect("one dataset per split asked for");
            eprintln!(
                "training {model} on {} images ({} held out) for {} epochs, batch {}, lr {}, on {device_name}",
                train_set.len(),
                val_set.len(),
                options.epochs,
                options.batch_size,
                options.learning_rate
            );
            let run = train::Run {
                dir: &out,
                name: &model,
                spec: &spec,
                dataset: dataset_info(&train_set),
                device_name,
                command: std::env::args().collect::<Vec<_>>().join(" "),
            };
            let history = train::train(&run, &train_set, &val_set, &device, &options)?;
            let last = history.last().context("no epoch ran")?;
            eprintln!(
                "wrote {}: final loss {:.4}, validation {:.4}",
                out.display(),
                last.loss,
                last.val_loss
            );
            Ok(())
        }
        Command::Eval {
            weights,
            data,
            out,
            split,
            seed,
        } => {
            let (device, _) = open_device(cli.device)?;
            let split = match split {
                HeldOutArg::Validation => Split::Validation,
                HeldOutArg::Test => Split::Test,
            };
            let (export, val) = export_and_data(&weights, &data, split, seed, &device)?;
            let report = eval::run(&export, &val, &out, &device)?;
            if let Some(quality) = &report.quality {
                let mut manifest = export.manifest.clone();
                manifest.quality = Some(quality.clone());
                let path = write_manifest(&weights, &manifest)?;
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
        Command::Sample {
            weights,
            out,
            count,
            columns,
            seed,
            temperature,
            raw,
        } => {
            ensure!(count > 0, "--count must be at least 1");
            let (device, _) = open_device(cli.device)?;
            let export = files::read_export(&weights, &device)?;
            let m = &export.manifest;
            let samples = sample::decode_samples(
                &export.model,
                m.latent_dim,
                seed,
                count,
                temperature,
                &device,
            )?;
            sample::write_grid_png(&out, &samples.pixels, m.image_shape(), columns)?;
            if let Some(raw) = raw {
                files::write_atomic(&raw, serde_json::to_string(&samples)?.as_bytes())?;
            }
            eprintln!("wrote {}", out.display());
            Ok(())
        }
        Command::Attributes {
            weights,
            data,
            seed,
        } => {
            let (device, _) = open_device(cli.device)?;
            let (export, train_set) =
                export_and_data(&weights, &data, Split::Train, seed, &device)?;
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
            let path = write_manifest(&weights, &manifest)?;
            eprintln!(
                "wrote {} attribute vectors from {} images into {}",
                manifest.attributes.len(),
                train_set.len(),
                path.display()
            );
            Ok(())
        }
        Command::Export {
            weights,
            out,
            data,
            points,
            seed,
        } => {
            let (device, _) = open_device(cli.device)?;
            let export = files::read_export(&weights, &device)?;
            let mut manifest = export.manifest.clone();
            let count = points.unwrap_or(if manifest.latent_dim <= 3 { 3000 } else { 500 });
            let weights_bytes = std::fs::read(weights.join(WEIGHTS_FILE))
                .with_context(|| format!("cannot read {}", weights.join(WEIGHTS_FILE).display()))?;
            ensure!(out != weights, "--out must differ from --weights");
            files::write_atomic(&out.join(WEIGHTS_FILE), &weights_bytes)?;
            manifest.points = None;
            if count > 0 {
                let mut limited = data.clone();
                limited.limit = Some(data.limit.map_or(count, |l| l.min(count)));
                let val = data_of(&export, &limited, Split::Validation, seed)?;
                let posteriors = eval::encode_posteriors(&export.model, &val, &device)?;
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
            write_manifest(&out, &manifest)?;
            let total =
                weights_bytes.len() as u64 + manifest.points.as_ref().map_or(0, |p| p.bytes);
            eprintln!("wrote {} ({} KiB)", out.display(), total / 1024);
            Ok(())
        }
        Command::Bench {
            models,
            steps,
            warmup,
            reference_ops,
        } => {
            ensure!(steps > 0, "--steps must be at least 1");
            let (device, device_name) = open_device(cli.device)?;
            latentlab_model::blocks::set_fused(!reference_ops);
            let ops = if reference_ops {
                "burn's reference ops"
            } else {
                "fused blocks"
            };
            let names: Vec<String> = match models {
                Some(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
                None => presets::names().iter().map(|s| s.to_string()).collect(),
            };
            println!(
                "model        batch  images/s  ({device_name}, {ops}, {steps} steps after {warmup} warm-up)"
            );
            for name in names {
                let preset =
                    presets::preset(&name).with_context(|| format!("unknown model {name:?}"))?;
                let spec = ModelSpec::named(&name).expect("every preset is a zoo model");
                let rate = bench::images_per_second(
                    &spec,
                    preset.seed_batch_size,
                    warmup,
                    steps,
                    &device,
                )?;
                println!("{name:<12} {:>5}  {rate:>8.0}", preset.seed_batch_size);
            }
            Ok(())
        }
    }
}
