//! How a run begins: fresh weights, or the checkpoint `--resume` continues, checked
//! against the flags so a resume is never silently a different run.

use anyhow::{Result, bail, ensure};
use latentlab_model::Autoencoder;
use latentlab_model::burn::optim::ModuleOptimizer;
use latentlab_model::burn::prelude::*;
use latentlab_model::optim::adam;

use super::{Run, TrainOptions};
use crate::checkpoint::{self, CheckpointState, PartialEpoch};
use crate::metrics::EpochStats;

/// The model, its optimizer, the epochs done and the unfinished epoch's sums.
pub type Start = (
    Autoencoder,
    ModuleOptimizer,
    Vec<EpochStats>,
    Option<PartialEpoch>,
);

/// The run's starting point on `autodiff` (`batches` per epoch), from `existing`, the
/// run folder's checkpoint if it has one.
pub fn start(
    run: &Run,
    options: &TrainOptions,
    autodiff: &Device,
    batches: usize,
    existing: Option<CheckpointState>,
) -> Result<Start> {
    let fresh = || {
        autodiff.seed(options.seed);
        (run.spec.init(autodiff), adam(0.9), Vec::new(), None)
    };
    Ok(match (options.resume, existing) {
        (true, Some(state)) => {
            ensure!(
                &state.spec == run.spec && state.name == run.name,
                "{}: the checkpoint is of model {}, not {}",
                run.dir.display(),
                state.name,
                run.name
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
            if let Some(p) = &state.partial {
                ensure!(
                    p.batches == batches && p.steps < batches,
                    "{}: the checkpoint was taken {} of an epoch of {} batches, but this data gives {batches} (resume with the run's --data and --limit)",
                    run.dir.display(),
                    state.position(),
                    p.batches
                );
            }
            let (model, optimizer) = checkpoint::load(run.dir, &state, autodiff, adam(0.9))?;
            eprintln!("resuming {} {}", run.dir.display(), state.position());
            (model, optimizer, state.history, state.partial)
        }
        (true, None) => {
            eprintln!(
                "{}: no checkpoint yet, so the run starts from the beginning",
                run.dir.display()
            );
            fresh()
        }
        (false, Some(state)) => bail!(
            "{}: already holds a checkpoint {}; pass --resume to continue it or choose another --out",
            run.dir.display(),
            state.position()
        ),
        (false, None) => fresh(),
    })
}
