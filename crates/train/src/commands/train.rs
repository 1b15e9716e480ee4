//! `latentlab train`: a zoo model from its preset and the flags, into a run folder.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use latentlab_model::gan::dcgan::DcganConfig;
use latentlab_model::{DenseConfig, ModelSpec, Reconstruction, Zoo, ZooKind};

use super::{dataset_info, load_data, open_device};
use crate::cli::{DecoderArg, DeviceArg, ScheduleArg, TrainArgs};
use crate::data::{Dataset, Split};
use crate::presets::preset;
use crate::train::gan::{GanRun, train_gan};
use crate::train::{self, Run, TrainOptions};

pub fn run(args: TrainArgs, device: DeviceArg, seed: u64) -> Result<()> {
    let model = args.model.0;
    let name = model.name();
    let preset = preset(model);
    let options = TrainOptions {
        epochs: args.epochs.unwrap_or(preset.epochs),
        batch_size: args.batch_size.unwrap_or(preset.batch_size),
        learning_rate: args.lr.unwrap_or(preset.learning_rate),
        cosine: match args.schedule {
            Some(ScheduleArg::Cosine) => true,
            Some(ScheduleArg::Constant) => false,
            None => preset.cosine,
        },
        seed,
        progress: std::io::stderr().is_terminal(),
        resume: args.resume,
        kl_warmup_epochs: args.kl_warmup,
        checkpoint_every: args.checkpoint_every.0,
    };
    ensure!(
        args.kl_warmup >= 0.0 && args.kl_warmup.is_finite(),
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
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(name));
    if let ZooKind::Gan(config) = model.kind() {
        return run_gan(&args, &config, name, &out, device, &options);
    }
    ensure!(
        args.prior.is_none() && args.kernel.is_none() && args.average_decay.is_none(),
        "--prior, --kernel and --average-decay are a GAN's settings; {name} is an autoencoder"
    );
    let spec = spec_of(&args, model)?;
    let (device, device_name) = open_device(device)?;
    let [train_set, val_set]: [Dataset; 2] = load_data(
        &args.data,
        preset.dataset,
        spec.image_shape(),
        &[Split::Train, Split::Validation],
        seed,
    )?
    .try_into()
    .expect("one dataset per split asked for");
    eprintln!(
        "training {name} on {} images ({} held out) for {} epochs, batch {}, lr {}, on {device_name}",
        train_set.len(),
        val_set.len(),
        options.epochs,
        options.batch_size,
        options.learning_rate
    );
    let run = Run {
        dir: &out,
        name,
        spec: &spec,
        dataset: dataset_info(&train_set),
        device_name,
        command: recorded_command(),
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

/// Trains a GAN zoo model on its dataset's training images.
fn run_gan(
    args: &TrainArgs,
    config: &DcganConfig,
    name: &str,
    out: &Path,
    device: DeviceArg,
    options: &TrainOptions,
) -> Result<()> {
    ensure!(
        args.kl_warmup == 0.0 && args.latent_dim.is_none() && args.frey_decoder.is_none(),
        "--kl-warmup, --latent-dim and --frey-decoder do not apply to a GAN"
    );
    let mut config = config.clone();
    if let Some(prior) = args.prior {
        config.prior = prior.into();
    }
    if let Some(kernel) = args.kernel {
        config.kernel = (kernel != 3).then_some(kernel);
    }
    config
        .validate()
        .map_err(|e| anyhow::anyhow!("--kernel: {e}"))?;
    if let Some(decay) = args.average_decay {
        ensure!(
            (0.0..1.0).contains(&decay),
            "--average-decay must be in [0, 1), got {decay}"
        );
    }
    ensure!(
        !options.cosine,
        "GANs train at a constant learning rate (no --schedule cosine)"
    );
    let (device, device_name) = open_device(device)?;
    let shape = [config.channels, config.image_size, config.image_size];
    let path = args
        .data
        .data
        .clone()
        .unwrap_or_else(|| super::data_root().join(preset(args.model.0).dataset));
    eprintln!("reading {}", path.display());
    let rule = crate::data::SplitRule {
        validation_fraction: args.data.validation_fraction,
        seed: options.seed,
    };
    let progress = std::io::stderr().is_terminal();
    let train_set = crate::data::load(
        &path,
        &[Split::Train],
        rule,
        shape,
        preset(args.model.0).dataset,
        progress,
    )?
    .remove(0)
    .limited(args.data.limit);
    eprintln!(
        "training {name} ({} prior) on {} images for {} epochs, batch {}, lr {}, on {device_name}; checkpoints at epoch ends",
        config.prior.name(),
        train_set.len(),
        options.epochs,
        options.batch_size,
        options.learning_rate
    );
    let run = GanRun {
        dir: out,
        name,
        config: &config,
        dataset: dataset_info(&train_set),
        device_name,
        command: recorded_command(),
        average_decay: args.average_decay,
    };
    let history = train_gan(&run, &train_set, &device, options)?;
    let last = history.last().context("no epoch ran")?;
    eprintln!(
        "wrote {}: D loss {:.4}, G loss {:.4}, D(x) {:.3}, D(G(z)) {:.3}",
        out.display(),
        last.discriminator_loss,
        last.generator_loss,
        last.d_real,
        last.d_fake
    );
    Ok(())
}

/// The zoo's spec, or frey-vae's with the latent size and decoder the flags ask for.
fn spec_of(args: &TrainArgs, model: Zoo) -> Result<ModelSpec> {
    let zoo_spec = model
        .spec()
        .with_context(|| format!("{} has no autoencoder spec", model.name()))?;
    if args.latent_dim.is_none() && args.frey_decoder.is_none() {
        return Ok(zoo_spec);
    }
    ensure!(
        model == Zoo::FreyVae,
        "--latent-dim and --frey-decoder apply to frey-vae only"
    );
    let reconstruction = match args.frey_decoder {
        Some(DecoderArg::Bernoulli) => Reconstruction::Bce,
        _ => Reconstruction::Gaussian,
    };
    let spec = ModelSpec::Dense(DenseConfig::frey_vae(
        args.latent_dim.unwrap_or(2),
        reconstruction,
    ));
    spec.validate().map_err(anyhow::Error::msg)?;
    Ok(spec)
}

/// This process's command line as the manifest records it: the binary as `latentlab`,
/// paths inside the working folder relative to it and paths in the home folder from
/// `~`, so an export names no folder of the machine that trained it.
fn recorded_command() -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    portable_command(std::env::args().skip(1), &cwd, home.as_deref())
}

fn portable_command(args: impl Iterator<Item = String>, cwd: &Path, home: Option<&Path>) -> String {
    let portable_path = |value: &str| -> String {
        let path = Path::new(value);
        if !path.is_absolute() {
            return value.to_string();
        }
        if let Ok(inside) = path.strip_prefix(cwd) {
            let inside = inside.display().to_string();
            return if inside.is_empty() {
                ".".into()
            } else {
                inside
            };
        }
        match home.and_then(|home| path.strip_prefix(home).ok()) {
            Some(inside) => format!("~/{}", inside.display()),
            None => value.to_string(),
        }
    };
    let portable = |arg: String| match arg.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => format!("{flag}={}", portable_path(value)),
        _ => portable_path(&arg),
    };
    let quoted = |arg: String| {
        let plain = arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./,:~+@%".contains(c));
        if plain && !arg.is_empty() {
            arg
        } else {
            format!("'{}'", arg.replace('\'', r"'\''"))
        }
    };
    std::iter::once("latentlab".to_string())
        .chain(args.map(portable).map(quoted))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> String {
        let args = args.iter().map(|a| a.to_string());
        portable_command(args, Path::new("/work/main"), Some(Path::new("/root")))
    }

    #[test]
    fn recorded_commands_name_no_folder_of_the_machine() {
        assert_eq!(
            command(&[
                "train",
                "--out",
                "/work/main/runs/x",
                "--data=/root/data/celeba64"
            ]),
            "latentlab train --out runs/x --data=~/data/celeba64"
        );
        assert_eq!(
            command(&["train", "--out", "/work/main"]),
            "latentlab train --out ."
        );
    }

    #[test]
    fn recorded_commands_keep_other_paths_and_quote_what_a_shell_would_split() {
        assert_eq!(
            command(&[
                "train",
                "--out",
                "/tmp/run",
                "--data",
                "../shared/data",
                "--lr",
                "2e-4"
            ]),
            "latentlab train --out /tmp/run --data ../shared/data --lr 2e-4"
        );
        assert_eq!(
            command(&["train", "--out", "my runs/it's"]),
            r"latentlab train --out 'my runs/it'\''s'"
        );
        // A sibling folder whose name starts like the working folder is not inside it.
        assert_eq!(
            command(&["--out", "/work/main2/x"]),
            "latentlab --out /work/main2/x"
        );
    }
}
