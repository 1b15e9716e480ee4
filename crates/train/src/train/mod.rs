//! The training loop shared by every zoo model.
//!
//! Hand-written rather than burn-train's `Learner`, for four things the run needs and
//! the learner would need as much custom code for: the loss split into its
//! reconstruction and KL parts on every batch; the seed's per-epoch sample and
//! reconstruction grids; a NaN policy that stops before the bad step is checkpointed;
//! and resume that is exact on the CPU, because each epoch's shuffle and noise are
//! seeded from (seed, epoch) alone. It also keeps burn-train's TUI and metrics stack
//! out of a build that CI compiles from cold on two cores.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use latentlab_model::ModelSpec;
use latentlab_model::burn::optim::GradientsParams;
use latentlab_model::burn::prelude::*;
use latentlab_model::latent::SeededRng;
use latentlab_model::loss::objective_loss;
use latentlab_model::weights::DatasetInfo;

pub mod gan;
mod outputs;
mod start;

pub use outputs::{evaluate, manifest_for};

use crate::checkpoint::{self, CheckpointState, PartialEpoch};
use crate::data::{Dataset, shuffled};
use crate::metrics::EpochStats;
use crate::progress::bar;
use outputs::write_epoch_outputs;
use start::start;

/// Hyper-parameters of one run.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Total epochs, counting those a resumed run already did.
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Anneal the learning rate along a half cosine to zero over all the run's steps
    /// (computed from the step number, so resume stays exact).
    pub cosine: bool,
    pub seed: u64,
    /// Show interactive progress bars (off when stderr is not a terminal).
    pub progress: bool,
    /// Continue from the run directory's checkpoint.
    pub resume: bool,
    /// Epochs over which the KL term's weight in the gradient ramps from 0 to 1
    /// (0: the objective as it is from the first step). A common remedy when a
    /// strong KL term collapses latent dimensions early in training.
    pub kl_warmup_epochs: f64,
    /// Also checkpoint within an epoch once this much time has passed since the last
    /// checkpoint (None: at epoch ends only). A kill then loses at most this much.
    pub checkpoint_every: Option<Duration>,
}

impl TrainOptions {
    /// The KL weight at 0-based global step `step` of `batches` per epoch.
    pub fn kl_weight(&self, step: usize, batches: usize) -> f64 {
        if self.kl_warmup_epochs <= 0.0 {
            return 1.0;
        }
        ((step + 1) as f64 / (self.kl_warmup_epochs * batches as f64)).min(1.0)
    }
}

/// What is being trained and where it goes.
pub struct Run<'a> {
    pub dir: &'a Path,
    pub name: &'a str,
    pub spec: &'a ModelSpec,
    pub dataset: DatasetInfo,
    pub device_name: &'a str,
    pub command: String,
}

/// The seed of batch `step`'s noise in the epoch seeded with `epoch_seed`: each batch
/// reseeds, so a run resumed mid-epoch draws the noise an uninterrupted one would.
pub(super) fn step_seed(epoch_seed: u64, step: usize) -> u64 {
    epoch_seed
        .wrapping_mul(0xBF58_476D_1CE4_E5B9)
        .wrapping_add(step as u64)
}

/// Trains (or resumes) `run` and returns every epoch's stats. After each epoch the run
/// directory holds a loadable export, metrics, sample and reconstruction grids and a
/// checkpoint; within an epoch a checkpoint is also written every
/// `options.checkpoint_every`.
pub fn train(
    run: &Run,
    train_set: &Dataset,
    val_set: &Dataset,
    device: &Device,
    options: &TrainOptions,
) -> Result<Vec<EpochStats>> {
    let count = train_set.len();
    ensure!(
        count >= options.batch_size,
        "{count} training images is fewer than one batch of {}",
        options.batch_size
    );
    ensure!(
        train_set.shape == run.spec.image_shape(),
        "data is shaped {:?}, the model reads {:?}",
        train_set.shape,
        run.spec.image_shape()
    );
    let autodiff = device.clone().autodiff();
    let batches = count / options.batch_size;
    let existing = checkpoint::read_state(run.dir)?;
    let mut last_checkpoint = existing.as_ref().map(CheckpointState::position);
    let (mut model, mut optimizer, mut history, mut partial) =
        start(run, options, &autodiff, batches, existing)?;
    let first_epoch = history.len() + 1;
    let state_of = |epoch_done: usize, partial: Option<PartialEpoch>, history: &[EpochStats]| {
        CheckpointState {
            version: checkpoint::STATE_VERSION,
            name: run.name.into(),
            spec: run.spec.clone(),
            epoch: epoch_done,
            partial,
            batch_size: options.batch_size,
            seed: options.seed,
            model_file: String::new(),
            optimizer_file: String::new(),
            history: history.to_vec(),
        }
    };

    for epoch in first_epoch..=options.epochs {
        // Everything random in an epoch derives from (seed, epoch, batch): resume is exact.
        let epoch_seed = options
            .seed
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add(epoch as u64);
        let order = shuffled(count, &mut SeededRng::new(epoch_seed));
        let resumed = partial.take().unwrap_or_default();
        let progress = bar(
            options.progress,
            batches as u64,
            &format!("epoch {epoch}/{}", options.epochs),
        );
        progress.set_position(resumed.steps as u64);
        let started = Instant::now();
        let mut since_checkpoint = Instant::now();
        let (mut sum_loss, mut sum_rec, mut sum_kl) =
            (resumed.sum_loss, resumed.sum_reconstruction, resumed.sum_kl);
        let mut batch_losses = resumed.batch_losses;
        batch_losses.reserve(batches);

        for (step, indices) in order
            .chunks_exact(options.batch_size)
            .enumerate()
            .skip(resumed.steps)
        {
            autodiff.seed(step_seed(epoch_seed, step));
            let images = train_set.batch(indices, &autodiff);
            let out = model.forward(images.clone());
            let loss = objective_loss(run.spec.objective(), &out, images);
            let total: f64 = loss.total.clone().into_scalar::<f32>().into();
            if !total.is_finite() {
                progress.finish_and_clear();
                let kept = match &last_checkpoint {
                    None => "no checkpoint was written yet".to_string(),
                    Some(position) => format!(
                        "the checkpoint {position} in {} is kept (--resume continues from it)",
                        checkpoint::dir(run.dir).display()
                    ),
                };
                bail!(
                    "loss became {total} at epoch {epoch}, batch {}; stopped before updating the weights; {kept}. Try a lower --lr.",
                    step + 1
                );
            }
            let reconstruction: f64 = loss.reconstruction.clone().into_scalar::<f32>().into();
            let kl: f64 = loss.kl.clone().into_scalar::<f32>().into();
            let global_step = (epoch - 1) * batches + step;
            let kl_weight = options.kl_weight(global_step, batches);
            let objective = if kl_weight < 1.0 {
                loss.reconstruction.clone() + loss.kl.clone() * kl_weight
            } else {
                loss.total
            };
            let grads = GradientsParams::from_grads(objective.backward(), &model);
            let progress_fraction = global_step as f64 / (options.epochs * batches) as f64;
            let lr = if options.cosine {
                options.learning_rate
                    * 0.5
                    * (1.0 + (std::f64::consts::PI * progress_fraction).cos())
            } else {
                options.learning_rate
            };
            model = optimizer.step(lr, model, grads);

            sum_loss += total;
            sum_rec += reconstruction;
            sum_kl += kl;
            batch_losses.push(total);
            let done = (step + 1) as f64;
            let rate = ((step + 1 - resumed.steps) * options.batch_size) as f64
                / started.elapsed().as_secs_f64();
            progress.set_message(format!(
                "loss {:.4} (rec {:.4} + kl {:.3}) {rate:.0} img/s",
                sum_loss / done,
                sum_rec / done,
                sum_kl / done
            ));
            progress.inc(1);
            let due = options
                .checkpoint_every
                .is_some_and(|every| since_checkpoint.elapsed() >= every);
            if due && step + 1 < batches {
                let state = state_of(
                    epoch - 1,
                    Some(PartialEpoch {
                        steps: step + 1,
                        batches,
                        sum_loss,
                        sum_reconstruction: sum_rec,
                        sum_kl,
                        batch_losses: batch_losses.clone(),
                        seconds: resumed.seconds + started.elapsed().as_secs_f64(),
                    }),
                    &history,
                );
                checkpoint::save(run.dir, &model, &optimizer, state.clone())?;
                last_checkpoint = Some(state.position());
                since_checkpoint = Instant::now();
            }
        }
        progress.finish_and_clear();
        let seconds = resumed.seconds + started.elapsed().as_secs_f64();

        let valid = model.valid();
        let (val_loss, val_reconstruction, val_kl) =
            evaluate(&valid, run.spec, val_set, device, 500, options.seed);
        let tenth = (batches / 10).max(1);
        let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
        let n = batches as f64;
        let stats = EpochStats {
            epoch,
            loss: sum_loss / n,
            reconstruction: sum_rec / n,
            kl: sum_kl / n,
            loss_first_tenth: mean(&batch_losses[..tenth]),
            loss_last_tenth: mean(&batch_losses[batches - tenth..]),
            val_loss,
            val_reconstruction,
            val_kl,
            images: batches * options.batch_size,
            seconds,
            images_per_second: (batches * options.batch_size) as f64 / seconds,
        };
        eprintln!(
            "epoch {epoch}/{}: loss {:.4} (reconstruction {:.4} + KL {:.4}), validation {:.4}, {:.0} images/s, {:.1} s",
            options.epochs,
            stats.loss,
            stats.reconstruction,
            stats.kl,
            stats.val_loss,
            stats.images_per_second,
            seconds
        );
        history.push(stats);
        write_epoch_outputs(run, &valid, val_set, &history, device)?;
        let state = state_of(epoch, None, &history);
        checkpoint::save(run.dir, &model, &optimizer, state.clone())?;
        last_checkpoint = Some(state.position());
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::TrainOptions;

    fn options(kl_warmup_epochs: f64) -> TrainOptions {
        TrainOptions {
            epochs: 10,
            batch_size: 8,
            learning_rate: 1e-3,
            cosine: false,
            seed: 0,
            progress: false,
            resume: false,
            kl_warmup_epochs,
            checkpoint_every: None,
        }
    }

    #[test]
    fn kl_weight_ramps_over_the_warmup_then_stays_at_one() {
        assert_eq!(
            options(0.0).kl_weight(0, 100),
            1.0,
            "no warm-up: the objective as it is"
        );
        let warm = options(2.0);
        assert!((warm.kl_weight(0, 100) - 1.0 / 200.0).abs() < 1e-12);
        assert!(
            (warm.kl_weight(99, 100) - 0.5).abs() < 1e-12,
            "half way after one epoch"
        );
        assert_eq!(warm.kl_weight(199, 100), 1.0);
        assert_eq!(warm.kl_weight(5000, 100), 1.0);
    }
}
