//! `latentlab`: train latentlab's models natively and export them for the web page.
//!
//! A thin binary: datasets in `data`, the loop in `train`, grids in `sample`, and
//! atomic file output in `files`; the models themselves live in `latentlab-model`.

mod data;
mod files;
mod sample;
mod train;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use latentlab_model::ConvVaeConfig;
use latentlab_model::burn::prelude::Device;
use latentlab_model::weights::{DatasetInfo, Manifest, TrainingSummary, export_bytes};

#[derive(Parser)]
#[command(
    name = "latentlab",
    version,
    about = "Train generative models and export them for the latentlab page"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum DeviceArg {
    /// burn's pure-Rust flex backend on the CPU.
    Cpu,
    /// wgpu: Vulkan, Metal or DX12, whichever the machine offers.
    Wgpu,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelArg {
    /// Convolutional VAE for 32x32 Fashion-MNIST, 2-D latent, beta 500.
    FashionVae,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model and write an export directory (weights + manifest + metrics).
    #[command(
        after_help = "Example:\n  latentlab train --model fashion-vae --data ../shared/data/fashion-mnist --epochs 5 --out web/weights/fashion-vae"
    )]
    Train {
        #[arg(long, value_enum)]
        model: ModelArg,
        /// Directory with the IDX files (train-images-idx3-ubyte[.gz], ...).
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 5)]
        epochs: usize,
        /// Export directory to write (created if missing).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 100)]
        batch_size: usize,
        #[arg(long, default_value_t = 5e-4)]
        lr: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Train on the first N images only (quick runs and tests).
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
        device: DeviceArg,
    },
    /// Decode a grid of samples z ~ N(0, I) from an export into a PNG.
    #[command(
        after_help = "Example:\n  latentlab sample --weights web/weights/fashion-vae --out grid.png --count 64 --columns 8"
    )]
    Sample {
        /// Export directory (manifest.json + model.safetensors).
        #[arg(long)]
        weights: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 16)]
        count: usize,
        #[arg(long, default_value_t = 4)]
        columns: usize,
        /// Seed of the latent draw; the page draws the same z for the same seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Also write the latents and decoded values as JSON (for backend comparisons).
        #[arg(long)]
        raw: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
        device: DeviceArg,
    },
}

fn open_device(device: DeviceArg) -> Result<(Device, &'static str)> {
    Ok(match device {
        DeviceArg::Cpu => (Device::flex(), "cpu (flex)"),
        DeviceArg::Wgpu => (
            Device::wgpu_options()
                .init()
                .map_err(|e| anyhow::anyhow!("cannot start wgpu: {e:?}"))?,
            "wgpu",
        ),
    })
}

fn main() {
    if let Err(error) = run(Cli::parse()) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train {
            model: ModelArg::FashionVae,
            data,
            epochs,
            out,
            batch_size,
            lr,
            seed,
            limit,
            device,
        } => {
            if epochs == 0 || batch_size == 0 {
                bail!("--epochs and --batch-size must be at least 1");
            }
            let (device, device_name) = open_device(device)?;
            let config = ConvVaeConfig::fashion_mnist();
            eprintln!("reading {}", data.display());
            let split = data::load_idx_split(&data, data::Split::Train)?;
            let images = split.padded_floats(config.image_size, limit)?;
            let options = train::TrainOptions {
                epochs,
                batch_size,
                learning_rate: lr,
                seed,
                progress: std::io::stderr().is_terminal(),
            };
            let started = Instant::now();
            let (model, history) = train::train_conv_vae(&config, &images, &device, &options)?;
            let seconds = started.elapsed().as_secs_f64();
            let last = history.last().context("no epoch ran")?;
            let images_seen: usize = history.iter().map(|h| h.images).sum();

            let dataset = DatasetInfo {
                name: "fashion-mnist".into(),
                classes: data::FASHION_CLASSES
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            };
            let mut manifest = Manifest::for_conv_vae("fashion-vae", &config, dataset);
            manifest.training = Some(TrainingSummary {
                command: std::env::args().collect::<Vec<_>>().join(" "),
                device: device_name.into(),
                epochs,
                images_seen: images_seen as u64,
                seconds,
                images_per_second: images_seen as f64
                    / history.iter().map(|h| h.seconds).sum::<f64>(),
                final_loss: last.loss,
                final_reconstruction: last.reconstruction,
                final_kl: last.kl,
            });
            let (manifest, weights) = export_bytes(&model, manifest)?;
            files::write_export(&out, &manifest, &weights)?;
            let metrics: String = history
                .iter()
                .map(|h| serde_json::to_string(h).expect("plain numbers") + "\n")
                .collect();
            files::write_atomic(&out.join("metrics.jsonl"), metrics.as_bytes())?;
            eprintln!(
                "wrote {} ({} KiB of weights)",
                out.display(),
                weights.len() / 1024
            );
            Ok(())
        }
        Command::Sample {
            weights,
            out,
            count,
            columns,
            seed,
            raw,
            device,
        } => {
            if count == 0 {
                bail!("--count must be at least 1");
            }
            let (device, _) = open_device(device)?;
            let export = files::read_export(&weights, &device)?;
            let m = &export.manifest;
            let samples =
                sample::decode_samples(&export.model, m.latent_dim, seed, count, &device)?;
            sample::write_grid_png(&out, &samples, m.channels, m.image_size, columns)?;
            if let Some(raw) = raw {
                files::write_atomic(&raw, serde_json::to_string(&samples)?.as_bytes())?;
            }
            eprintln!("wrote {}", out.display());
            Ok(())
        }
    }
}
