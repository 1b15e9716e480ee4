//! `latentlab bench`: training images/s of zoo models (GANs too) on random data.

use anyhow::{Result, ensure};
use latentlab_model::{Zoo, ZooKind};

use super::open_device;
use crate::bench;
use crate::cli::{BenchArgs, DeviceArg};
use crate::presets::preset;

pub fn run(args: BenchArgs, device: DeviceArg) -> Result<()> {
    let (steps, warmup) = (args.steps, args.warmup);
    ensure!(steps > 0, "--steps must be at least 1");
    let (device, device_name) = open_device(device)?;
    latentlab_model::blocks::set_fused(!args.reference_ops);
    let ops = if args.reference_ops {
        "burn's reference ops"
    } else {
        "fused blocks"
    };
    let models: Vec<Zoo> = if args.models.is_empty() {
        Zoo::AUTOENCODERS.to_vec()
    } else {
        args.models.iter().map(|m| m.0).collect()
    };
    println!(
        "model        batch  images/s  ({device_name}, {ops}, {steps} steps after {warmup} warm-up)"
    );
    for model in models {
        let batch = preset(model).seed_batch_size;
        let rate = match model.kind() {
            ZooKind::Autoencoder(spec) => {
                bench::images_per_second(&spec, batch, warmup, steps, &device)?
            }
            ZooKind::Gan(config) => {
                bench::gan_images_per_second(&config, batch, warmup, steps, &device)?
            }
        };
        println!("{:<12} {batch:>5}  {rate:>8.0}", model.name());
    }
    Ok(())
}
