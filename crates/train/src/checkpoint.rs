//! Checkpoints: everything needed to continue a run exactly where it stopped.
//!
//! After every epoch, and every `--checkpoint-every` within one, `RUN/checkpoint/`
//! gets `model-EEEE-SSSSSS.bpk` (burnpack, which keeps parameter ids so the optimizer
//! state still matches), `optimizer-EEEE-SSSSSS.bpk` (Adam's moments) and then
//! `state.json`, written last and atomically: it is the commit point. A crash before it
//! leaves the previous checkpoint in charge; older files go only after it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use latentlab_model::burn::optim::ModuleOptimizer;
use latentlab_model::burn::prelude::*;
use latentlab_model::burn::store::BurnpackStore;
use latentlab_model::burn::tensor::Bytes;
use latentlab_model::{Autoencoder, ModelSpec};
use serde::{Deserialize, Serialize};

use crate::files::write_atomic;
use crate::metrics::EpochStats;

pub const STATE_FILE: &str = "state.json";

/// Version 2 added `partial` (mid-epoch checkpoints); version 1 files (no field) load
/// as epoch-end checkpoints.
pub const STATE_VERSION: u32 = 2;

/// The JSON part of a checkpoint.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct CheckpointState {
    #[serde(default = "first_version")]
    pub version: u32,
    pub name: String,
    pub spec: ModelSpec,
    /// Epochs completed.
    pub epoch: usize,
    /// How far into epoch `epoch + 1` the weights are, for a mid-epoch checkpoint.
    #[serde(default)]
    pub partial: Option<PartialEpoch>,
    pub batch_size: usize,
    pub seed: u64,
    pub model_file: String,
    pub optimizer_file: String,
    pub history: Vec<EpochStats>,
}

fn first_version() -> u32 {
    1
}

/// The running sums of an epoch interrupted after `steps` batches: with them the
/// finished epoch's metrics are those of an uninterrupted one.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct PartialEpoch {
    pub steps: usize,
    /// Batches in a whole epoch of the run (a resume on other data is refused).
    pub batches: usize,
    pub sum_loss: f64,
    pub sum_reconstruction: f64,
    pub sum_kl: f64,
    pub batch_losses: Vec<f64>,
    /// Training seconds spent on the epoch so far.
    pub seconds: f64,
}

impl CheckpointState {
    /// Where the run stands, for messages: "after epoch 3" or "at epoch 4, batch 120".
    pub fn position(&self) -> String {
        match &self.partial {
            Some(p) => format!("at epoch {}, batch {}", self.epoch + 1, p.steps),
            None => format!("after epoch {}", self.epoch),
        }
    }
}

pub fn dir(run: &Path) -> PathBuf {
    run.join("checkpoint")
}

fn save_module(model: &Autoencoder) -> Result<Vec<u8>> {
    let mut store = BurnpackStore::from_bytes(None);
    model
        .save_to(&mut store)
        .map_err(|e| anyhow::anyhow!("cannot serialise the model: {e}"))?;
    let bytes = store
        .get_bytes()
        .map_err(|e| anyhow::anyhow!("cannot serialise the model: {e}"))?;
    Ok(bytes.to_vec())
}

/// Writes the checkpoint's files, then the state, then removes older checkpoints' files.
pub fn save(
    run: &Path,
    model: &Autoencoder,
    optimizer: &ModuleOptimizer,
    mut state: CheckpointState,
) -> Result<()> {
    let dir = dir(run);
    state.version = STATE_VERSION;
    let steps = state.partial.as_ref().map_or(0, |p| p.steps);
    state.model_file = format!("model-{:04}-{steps:06}.bpk", state.epoch);
    state.optimizer_file = format!("optimizer-{:04}-{steps:06}.bpk", state.epoch);
    write_atomic(&dir.join(&state.model_file), &save_module(model)?)?;
    let optimizer_bytes = optimizer
        .into_bytes()
        .map_err(|e| anyhow::anyhow!("cannot serialise the optimizer: {e:?}"))?;
    write_atomic(&dir.join(&state.optimizer_file), &optimizer_bytes)?;
    let json = serde_json::to_string_pretty(&state).expect("plain data");
    write_atomic(&dir.join(STATE_FILE), json.as_bytes())?;
    for entry in std::fs::read_dir(&dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Older checkpoints' files, and temporary files of writes a kill cut short.
        let stale =
            (name.ends_with(".bpk") && name != state.model_file && name != state.optimizer_file)
                || (name.starts_with('.') && name.ends_with(".tmp"));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// The checkpoint state of `run`, or `None` when it has none.
pub fn read_state(run: &Path) -> Result<Option<CheckpointState>> {
    let path = dir(run).join(STATE_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let state: CheckpointState = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a latentlab checkpoint", path.display()))?;
    ensure!(
        state.version <= STATE_VERSION,
        "{} is a version {} checkpoint; this latentlab reads up to version {STATE_VERSION}",
        path.display(),
        state.version
    );
    Ok(Some(state))
}

/// Restores the model (on `device`, an autodiff device) and the optimizer of `state`.
pub fn load(
    run: &Path,
    state: &CheckpointState,
    device: &Device,
    optimizer: ModuleOptimizer,
) -> Result<(Autoencoder, ModuleOptimizer)> {
    let dir = dir(run);
    let model_path = dir.join(&state.model_file);
    let bytes = std::fs::read(&model_path)
        .with_context(|| format!("cannot read {}", model_path.display()))?;
    let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(bytes)));
    let mut model = state.spec.init(device);
    let result = model.load_from_store(&mut store);
    let result = result.map_err(|e| anyhow::anyhow!("{}: {e}", model_path.display()))?;
    ensure!(
        result.is_success(),
        "{}: does not fit the model: {:?}",
        model_path.display(),
        result.errors
    );
    let optimizer_path = dir.join(&state.optimizer_file);
    let bytes = std::fs::read(&optimizer_path)
        .with_context(|| format!("cannot read {}", optimizer_path.display()))?;
    let optimizer = optimizer
        .from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| anyhow::anyhow!("{}: {e:?}", optimizer_path.display()))?;
    Ok((model, optimizer))
}
