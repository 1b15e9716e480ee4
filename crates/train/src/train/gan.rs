//! The GAN training loop: one discriminator step then one generator step per batch,
//! Adam with beta1 = 0.5 for both (the DCGAN paper's), the non-saturating loss.
//!
//! Like the autoencoder loop, every random draw derives from (seed, epoch, batch), so
//! a resumed run is the run that was never stopped. Checkpoints (both networks, both
//! optimizers, the history) are written at every epoch's end; a kill loses at most
//! the epoch under way. After each epoch the run folder gets the epoch's sample grid
//! from a fixed set of z, so progress is visible at a glance, and the run folder's
//! export (the generator and a manifest naming its prior) is rewritten, so `sample`
//! and `export` work on a GAN run as on any other.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use latentlab_model::burn::optim::{GradientsParams, ModuleOptimizer};
use latentlab_model::burn::prelude::*;
use latentlab_model::burn::store::{BurnpackStore, ModuleSnapshot};
use latentlab_model::burn::tensor::Bytes;
use latentlab_model::burn::tensor::activation::sigmoid;
use latentlab_model::gan::average::moved_towards;
use latentlab_model::gan::dcgan::{DcganConfig, Discriminator, Generator};
use latentlab_model::gan::{discriminator_loss, generator_loss};
use latentlab_model::latent::SeededRng;
use latentlab_model::weights::{DatasetInfo, GanLosses, Manifest, TrainingSummary, export_bytes};
use serde::{Deserialize, Serialize};

use super::{TrainOptions, step_seed};
use crate::checkpoint;
use crate::data::{Dataset, shuffled};
use crate::files::{write_atomic, write_export};
use crate::metrics::GanEpochStats;
use crate::progress::bar;
use crate::sample::write_grid_png;

/// The JSON part of a GAN checkpoint, `checkpoint/gan-state.json`, written last.
pub const GAN_STATE_FILE: &str = "gan-state.json";
pub const GAN_STATE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct GanCheckpoint {
    pub version: u32,
    pub name: String,
    pub config: DcganConfig,
    /// Epochs completed.
    pub epoch: usize,
    pub batch_size: usize,
    pub seed: u64,
    pub generator_file: String,
    pub discriminator_file: String,
    pub generator_optimizer_file: String,
    pub discriminator_optimizer_file: String,
    pub history: Vec<GanEpochStats>,
    /// `--average-decay` and the averaged generator's file (absent in checkpoints
    /// written before averaging existed: no average).
    #[serde(default)]
    pub average_decay: Option<f64>,
    #[serde(default)]
    pub average_file: Option<String>,
}

/// What is being trained, where it goes, and what its manifest records.
pub struct GanRun<'a> {
    pub dir: &'a Path,
    pub name: &'a str,
    pub config: &'a DcganConfig,
    pub dataset: DatasetInfo,
    pub device_name: &'a str,
    pub command: String,
    /// Decay of the generator's weight average (`None`: no average; see
    /// `latentlab_model::gan::average`).
    pub average_decay: Option<f64>,
}

/// Where a run with a weight average exports its live generator.
pub const LIVE_DIR: &str = "live";

/// Samples shown in each epoch's grid (the same z every epoch).
const GRID: usize = 64;

fn adam() -> ModuleOptimizer {
    latentlab_model::optim::adam(0.5)
}

fn module_bytes<M: ModuleSnapshot>(module: &M) -> Result<Vec<u8>> {
    let mut store = BurnpackStore::from_bytes(None);
    module
        .save_into(&mut store)
        .map_err(|e| anyhow::anyhow!("cannot serialise a network: {e}"))?;
    let bytes = store
        .get_bytes()
        .map_err(|e| anyhow::anyhow!("cannot serialise a network: {e}"))?;
    Ok(bytes.to_vec())
}

fn load_module<M: ModuleSnapshot>(module: &mut M, path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(bytes)));
    let result = module
        .load_from(&mut store)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    ensure!(
        result.is_success(),
        "{}: does not fit the network: {:?}",
        path.display(),
        result.errors
    );
    Ok(())
}

fn load_optimizer(path: &Path) -> Result<ModuleOptimizer> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    adam()
        .from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| anyhow::anyhow!("{}: {e:?}", path.display()))
}

/// Both networks and their optimizers: what a training step changes.
pub struct Networks {
    pub generator: Generator,
    pub discriminator: Discriminator,
    generator_optimizer: ModuleOptimizer,
    discriminator_optimizer: ModuleOptimizer,
}

impl Networks {
    /// Fresh networks of `config` on an autodiff `device` (seed it first).
    pub fn new(config: &DcganConfig, device: &Device) -> Self {
        Self {
            generator: config.init_generator(device),
            discriminator: config.init_discriminator(device),
            generator_optimizer: adam(),
            discriminator_optimizer: adam(),
        }
    }
}

/// The networks, their optimizers, the generator's average and the epochs done.
struct State {
    nets: Networks,
    /// On the inner (non-autodiff) device: it is only ever read.
    average: Option<Generator>,
    history: Vec<GanEpochStats>,
}

/// The average's decay after `steps` updates: `decay`, but at most (1 + steps) /
/// (10 + steps), so the untrained first weights fade within the first few hundred
/// steps instead of holding 29% of the average after 1,250 steps at 0.999 (a
/// celeba-gan average without it read FD 328 after two epochs, its live generator
/// 249).
fn warmed_up(decay: f64, steps: usize) -> f64 {
    decay.min((1.0 + steps as f64) / (10.0 + steps as f64))
}

/// A fresh average: a copy of the live generator's values in a network of its own
/// (never a clone, which would share its BatchNorm statistics).
fn average_of(config: &DcganConfig, live: &Generator, autodiff: &Device) -> Generator {
    let device = autodiff.clone().without_autodiff();
    moved_towards(config.init_generator(&device), &live.valid(), 0.0)
}

/// What one training step measured, before its updates.
#[derive(Debug, Clone, Copy)]
pub struct StepFigures {
    pub discriminator_loss: f64,
    pub generator_loss: f64,
    /// Mean D(x) on the real batch and D(G(z)) on the generated one.
    pub d_real: f64,
    pub d_fake: f64,
}

/// A loss that is NaN or infinite, caught before the update it would have made.
#[derive(Debug, Clone, Copy)]
pub struct NonFinite {
    /// "discriminator" or "generator".
    pub network: &'static str,
    pub value: f64,
}

/// `value`, or the error naming `network` when it is NaN or infinite.
fn finite(network: &'static str, value: f64) -> std::result::Result<f64, NonFinite> {
    match value.is_finite() {
        true => Ok(value),
        false => Err(NonFinite { network, value }),
    }
}

/// One training step: a discriminator update on `real` against G(`z_discriminator`),
/// then a generator update on G(`z_generator`) through the updated discriminator
/// (fresh noise for each update, as in Goodfellow et al.'s Algorithm 1: reusing the
/// first batch for the second update made a short fashion-gan run's samples
/// markedly more alike).
///
/// The generator's loss goes through a copy of the discriminator whose weights need
/// no gradient, so that backward pass computes the images' gradient only (the fused
/// conv then skips its im2col and weight gemm). That changes no number: BatchNorm
/// still normalises with the batch's statistics and moves its running ones.
pub fn step(
    nets: &mut Networks,
    real: Tensor<4>,
    (z_discriminator, z_generator): (Tensor<2>, Tensor<2>),
    learning_rate: f64,
) -> std::result::Result<StepFigures, NonFinite> {
    let fake = nets.generator.forward(z_discriminator).detach();
    let real_logits = nets.discriminator.forward(real);
    let fake_logits = nets.discriminator.forward(fake);
    let d_real = scalar(sigmoid(real_logits.clone()).mean());
    let d_fake = scalar(sigmoid(fake_logits.clone()).mean());
    let d_loss = discriminator_loss(real_logits, fake_logits);
    let discriminator_loss = finite("discriminator", scalar(d_loss.clone()))?;
    let grads = GradientsParams::from_grads(d_loss.backward(), &nets.discriminator);
    nets.discriminator =
        nets.discriminator_optimizer
            .step(learning_rate, nets.discriminator.clone(), grads);
    let frozen = nets.discriminator.clone().no_grad();
    let g_loss = generator_loss(frozen.forward(nets.generator.forward(z_generator)));
    let generator_loss = finite("generator", scalar(g_loss.clone()))?;
    let grads = GradientsParams::from_grads(g_loss.backward(), &nets.generator);
    nets.generator = nets
        .generator_optimizer
        .step(learning_rate, nets.generator.clone(), grads);
    Ok(StepFigures {
        discriminator_loss,
        generator_loss,
        d_real,
        d_fake,
    })
}

fn state_path(run: &Path) -> PathBuf {
    checkpoint::dir(run).join(GAN_STATE_FILE)
}

/// Fresh networks, or the checkpoint `--resume` continues (checked against the flags).
fn start(run: &GanRun, options: &TrainOptions, autodiff: &Device) -> Result<State> {
    let path = state_path(run.dir);
    let fresh = || {
        autodiff.seed(options.seed);
        let nets = Networks::new(run.config, autodiff);
        State {
            average: run
                .average_decay
                .map(|_| average_of(run.config, &nets.generator, autodiff)),
            nets,
            history: Vec::new(),
        }
    };
    if checkpoint::read_state(run.dir)?.is_some() {
        bail!(
            "{}: holds an autoencoder's checkpoint; choose another --out for {}",
            run.dir.display(),
            run.name
        );
    }
    if !path.exists() {
        if options.resume {
            eprintln!(
                "{}: no checkpoint yet, so the run starts from the beginning",
                run.dir.display()
            );
        }
        return Ok(fresh());
    }
    let text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let state: GanCheckpoint = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a latentlab GAN checkpoint", path.display()))?;
    ensure!(
        state.version <= GAN_STATE_VERSION,
        "{} is a version {} GAN checkpoint; this latentlab reads up to version {GAN_STATE_VERSION}",
        path.display(),
        state.version
    );
    ensure!(
        options.resume,
        "{}: already holds a checkpoint after epoch {}; pass --resume to continue it or choose another --out",
        run.dir.display(),
        state.epoch
    );
    ensure!(
        state.name == run.name,
        "{}: the checkpoint is of {}, not {}",
        run.dir.display(),
        state.name,
        run.name
    );
    ensure!(
        &state.config == run.config,
        "{}: the checkpoint's {} has another config ({} prior, {}-D z, filters {:?}, kernel {}); resume with the flags it was started with",
        run.dir.display(),
        state.name,
        state.config.prior.name(),
        state.config.latent_dim,
        state.config.filters,
        state.config.kernel_side()
    );
    ensure!(
        state.average_decay == run.average_decay,
        "{}: the run was started with --average-decay {}; resume with the same",
        run.dir.display(),
        state
            .average_decay
            .map_or("off".to_string(), |d| d.to_string())
    );
    ensure!(
        state.batch_size == options.batch_size && state.seed == options.seed,
        "{}: resume with the run's --batch-size {} and --seed {} (got {} and {})",
        run.dir.display(),
        state.batch_size,
        state.seed,
        options.batch_size,
        options.seed
    );
    let dir = checkpoint::dir(run.dir);
    let mut generator = run.config.init_generator(autodiff);
    load_module(&mut generator, &dir.join(&state.generator_file))?;
    let mut discriminator = run.config.init_discriminator(autodiff);
    load_module(&mut discriminator, &dir.join(&state.discriminator_file))?;
    let average = match &state.average_file {
        Some(file) => {
            let mut average = run
                .config
                .init_generator(&autodiff.clone().without_autodiff());
            load_module(&mut average, &dir.join(file))?;
            Some(average)
        }
        None => run
            .average_decay
            .map(|_| average_of(run.config, &generator, autodiff)),
    };
    eprintln!("resuming {} after epoch {}", run.dir.display(), state.epoch);
    Ok(State {
        average,
        nets: Networks {
            generator,
            discriminator,
            generator_optimizer: load_optimizer(&dir.join(&state.generator_optimizer_file))?,
            discriminator_optimizer: load_optimizer(
                &dir.join(&state.discriminator_optimizer_file),
            )?,
        },
        history: state.history,
    })
}

/// Writes both networks and optimizers, then the state (the commit point), then
/// removes older checkpoints' files.
fn save(run: &GanRun, options: &TrainOptions, state: &State) -> Result<()> {
    let dir = checkpoint::dir(run.dir);
    let epoch = state.history.len();
    let name = |part: &str| format!("gan-{part}-{epoch:04}.bpk");
    let checkpoint = GanCheckpoint {
        version: GAN_STATE_VERSION,
        name: run.name.into(),
        config: run.config.clone(),
        epoch,
        batch_size: options.batch_size,
        seed: options.seed,
        generator_file: name("generator"),
        discriminator_file: name("discriminator"),
        generator_optimizer_file: name("generator-adam"),
        discriminator_optimizer_file: name("discriminator-adam"),
        history: state.history.clone(),
        average_decay: run.average_decay,
        average_file: state.average.as_ref().map(|_| name("generator-average")),
    };
    let optimizer_bytes = |o: &ModuleOptimizer| {
        o.into_bytes()
            .map_err(|e| anyhow::anyhow!("cannot serialise an optimizer: {e:?}"))
    };
    write_atomic(
        &dir.join(&checkpoint.generator_file),
        &module_bytes(&state.nets.generator)?,
    )?;
    write_atomic(
        &dir.join(&checkpoint.discriminator_file),
        &module_bytes(&state.nets.discriminator)?,
    )?;
    write_atomic(
        &dir.join(&checkpoint.generator_optimizer_file),
        &optimizer_bytes(&state.nets.generator_optimizer)?,
    )?;
    write_atomic(
        &dir.join(&checkpoint.discriminator_optimizer_file),
        &optimizer_bytes(&state.nets.discriminator_optimizer)?,
    )?;
    if let (Some(average), Some(file)) = (&state.average, &checkpoint.average_file) {
        write_atomic(&dir.join(file), &module_bytes(average)?)?;
    }
    let json = serde_json::to_string_pretty(&checkpoint).expect("plain data");
    write_atomic(&state_path(run.dir), json.as_bytes())?;
    let mut current = vec![
        &checkpoint.generator_file,
        &checkpoint.discriminator_file,
        &checkpoint.generator_optimizer_file,
        &checkpoint.discriminator_optimizer_file,
    ];
    current.extend(&checkpoint.average_file);
    for entry in std::fs::read_dir(&dir)?.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let stale =
            (file.starts_with("gan-") && file.ends_with(".bpk") && !current.contains(&&file))
                || (file.starts_with('.') && file.ends_with(".tmp"));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

fn latents(config: &DcganConfig, rng: &mut SeededRng, count: usize, device: &Device) -> Tensor<2> {
    let values = config.prior.sample(rng, count * config.latent_dim);
    Tensor::from_data(TensorData::new(values, [count, config.latent_dim]), device)
}

/// The export manifest for the generator after `history`.
fn manifest_for(run: &GanRun, history: &[GanEpochStats]) -> Manifest {
    let mut manifest = Manifest::new(run.name, run.config, run.dataset.clone());
    if let Some(last) = history.last() {
        manifest.training = Some(TrainingSummary {
            final_gan: Some(GanLosses {
                discriminator_loss: last.discriminator_loss,
                generator_loss: last.generator_loss,
                d_real: last.d_real,
                d_fake: last.d_fake,
            }),
            ..TrainingSummary::timed(
                run.command.clone(),
                run.device_name.into(),
                last.epoch,
                history.iter().map(|h| (h.seconds, h.images)),
            )
        });
    }
    manifest
}

fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_scalar::<f32>())
}

/// Trains (or resumes) `run` on `train_set`; returns every epoch's stats.
pub fn train_gan(
    run: &GanRun,
    train_set: &Dataset,
    device: &Device,
    options: &TrainOptions,
) -> Result<Vec<GanEpochStats>> {
    let count = train_set.len();
    let shape = [
        run.config.channels,
        run.config.image_size,
        run.config.image_size,
    ];
    ensure!(
        count >= options.batch_size,
        "{count} training images is fewer than one batch of {}",
        options.batch_size
    );
    ensure!(
        train_set.shape == shape,
        "data is shaped {:?}, the GAN makes {shape:?}",
        train_set.shape
    );
    let autodiff = device.clone().autodiff();
    let mut state = start(run, options, &autodiff)?;
    let batches = count / options.batch_size;
    let fixed = latents(run.config, &mut SeededRng::new(0), GRID, device);
    let first_epoch = state.history.len() + 1;
    for epoch in first_epoch..=options.epochs {
        let epoch_seed = options
            .seed
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add(epoch as u64);
        let order = shuffled(count, &mut SeededRng::new(epoch_seed));
        let progress = bar(
            options.progress,
            batches as u64,
            &format!("epoch {epoch}/{}", options.epochs),
        );
        let started = Instant::now();
        let mut sums = [0.0f64; 4];
        for (step_index, indices) in order.chunks_exact(options.batch_size).enumerate() {
            let mut noise = SeededRng::new(step_seed(epoch_seed, step_index));
            let n = indices.len();
            let real = train_set.batch(indices, &autodiff);
            let z_discriminator = latents(run.config, &mut noise, n, &autodiff);
            let z_generator = latents(run.config, &mut noise, n, &autodiff);
            let z = (z_discriminator, z_generator);
            let figures = match step(&mut state.nets, real, z, options.learning_rate) {
                Ok(figures) => figures,
                Err(NonFinite { network, value }) => {
                    progress.finish_and_clear();
                    let kept = match state.history.len() {
                        0 => "no checkpoint was written yet".to_string(),
                        e => format!(
                            "the checkpoint after epoch {e} in {} is kept (--resume continues from it)",
                            checkpoint::dir(run.dir).display()
                        ),
                    };
                    bail!(
                        "the {network} loss became {value} at epoch {epoch}, batch {}; stopped before updating the weights; {kept}. Try a lower --lr.",
                        step_index + 1
                    );
                }
            };
            let StepFigures {
                discriminator_loss: d_value,
                generator_loss: g_value,
                d_real,
                d_fake,
            } = figures;
            if let (Some(average), Some(decay)) = (state.average.take(), run.average_decay) {
                let steps = (epoch - 1) * batches + step_index;
                let decay = warmed_up(decay, steps);
                state.average = Some(moved_towards(average, &state.nets.generator.valid(), decay));
            }
            for (sum, v) in sums.iter_mut().zip([d_value, g_value, d_real, d_fake]) {
                *sum += v;
            }
            let done = (step_index + 1) as f64;
            progress.set_message(format!(
                "D {:.3} G {:.3} D(x) {:.2} D(G(z)) {:.2} {:.0} img/s",
                sums[0] / done,
                sums[1] / done,
                sums[2] / done,
                sums[3] / done,
                done * options.batch_size as f64 / started.elapsed().as_secs_f64()
            ));
            progress.inc(1);
        }
        progress.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        let images = batches * options.batch_size;
        let b = batches as f64;
        let stats = GanEpochStats {
            epoch,
            discriminator_loss: sums[0] / b,
            generator_loss: sums[1] / b,
            d_real: sums[2] / b,
            d_fake: sums[3] / b,
            images,
            seconds,
            images_per_second: images as f64 / seconds.max(1e-9),
        };
        eprintln!(
            "epoch {epoch}: D {:.4} G {:.4} D(x) {:.3} D(G(z)) {:.3} ({:.0} images/s)",
            stats.discriminator_loss,
            stats.generator_loss,
            stats.d_real,
            stats.d_fake,
            stats.images_per_second
        );
        state.history.push(stats);
        let live = state.nets.generator.valid();
        let generator = state.average.as_ref().unwrap_or(&live);
        let (manifest, weights) = export_bytes(generator, manifest_for(run, &state.history))?;
        write_export(run.dir, &manifest, &weights)?;
        if state.average.is_some() {
            // The live generator beside the average, so `eval` can compare the two.
            let (manifest, weights) = export_bytes(&live, manifest_for(run, &state.history))?;
            write_export(&run.dir.join(LIVE_DIR), &manifest, &weights)?;
        }
        let samples: Vec<f32> = generator
            .forward(fixed.clone())
            .into_data()
            .try_to_vec()
            .map_err(|e| anyhow::anyhow!("unexpected tensor data: {e:?}"))?;
        write_grid_png(
            &run.dir
                .join("epochs")
                .join(format!("epoch-{epoch:03}-samples.png")),
            &samples,
            shape,
            8,
        )?;
        write_atomic(
            &run.dir.join("metrics.jsonl"),
            crate::metrics::to_jsonl(&state.history).as_bytes(),
        )?;
        save(run, options, &state)?;
    }
    Ok(state.history)
}
