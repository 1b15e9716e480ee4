//! The per-epoch record: one JSON line per epoch in a run's `metrics.jsonl`, and the
//! history a checkpoint keeps (versioned with the checkpoint's `state.json`).
//!
//! Each line carries `"version"`, so a reader knows the layout of what it reads: lines
//! without one are version 1 (the layout before the field), a newer version is refused
//! by name instead of being misread.

use anyhow::{Context, Result, ensure};
use serde::{Deserialize, Serialize};

/// The layout of [`EpochStats`] this build writes.
pub const METRICS_VERSION: u32 = 1;

/// One epoch's averages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochStats {
    pub epoch: usize,
    pub loss: f64,
    pub reconstruction: f64,
    pub kl: f64,
    /// Mean loss of the first and last tenth of the epoch's batches: whether the model
    /// learned within this epoch.
    pub loss_first_tenth: f64,
    pub loss_last_tenth: f64,
    pub val_loss: f64,
    pub val_reconstruction: f64,
    pub val_kl: f64,
    pub images: usize,
    pub seconds: f64,
    pub images_per_second: f64,
}

/// One GAN epoch's averages (a GAN run's `metrics.jsonl` lines).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GanEpochStats {
    pub epoch: usize,
    pub discriminator_loss: f64,
    pub generator_loss: f64,
    /// Mean D(x) on real images and D(G(z)) on generated ones.
    pub d_real: f64,
    pub d_fake: f64,
    pub images: usize,
    pub seconds: f64,
    pub images_per_second: f64,
}

/// A `metrics.jsonl` line: the stats and the layout version.
#[derive(Serialize, Deserialize)]
struct Line<T> {
    #[serde(default = "first_version")]
    version: u32,
    #[serde(flatten)]
    stats: T,
}

fn first_version() -> u32 {
    1
}

/// `history` (autoencoder or GAN epochs) as `metrics.jsonl` text.
pub fn to_jsonl<T: Serialize + Clone>(history: &[T]) -> String {
    history
        .iter()
        .map(|stats| {
            let line = Line {
                version: METRICS_VERSION,
                stats: stats.clone(),
            };
            serde_json::to_string(&line).expect("plain numbers") + "\n"
        })
        .collect()
}

/// Reads `metrics.jsonl` text (from `file`, named in errors).
pub fn parse_jsonl(text: &str, file: &str) -> Result<Vec<EpochStats>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let line: Line<EpochStats> = serde_json::from_str(line)
                .with_context(|| format!("{file}:{}: not a latentlab epoch record", i + 1))?;
            ensure!(
                line.version <= METRICS_VERSION,
                "{file}:{}: epoch record version {}; this latentlab reads up to version {METRICS_VERSION}",
                i + 1,
                line.version
            );
            Ok(line.stats)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(epoch: usize) -> EpochStats {
        EpochStats {
            epoch,
            loss: 1.5,
            reconstruction: 1.0,
            kl: 0.5,
            loss_first_tenth: 2.0,
            loss_last_tenth: 1.2,
            val_loss: 1.6,
            val_reconstruction: 1.1,
            val_kl: 0.5,
            images: 100,
            seconds: 2.0,
            images_per_second: 50.0,
        }
    }

    #[test]
    fn records_round_trip_with_their_version_and_newer_ones_are_refused() {
        let text = to_jsonl(&[stats(1), stats(2)]);
        assert!(text.lines().all(|l| l.contains("\"version\":1")), "{text}");
        assert_eq!(parse_jsonl(&text, "m").unwrap(), vec![stats(1), stats(2)]);
        let unversioned = serde_json::to_string(&stats(1)).unwrap();
        assert_eq!(parse_jsonl(&unversioned, "m").unwrap(), vec![stats(1)]);
        let newer = text.replace("\"version\":1", "\"version\":9");
        let error = parse_jsonl(&newer, "runs/x/metrics.jsonl").unwrap_err();
        assert!(
            format!("{error:#}").contains("runs/x/metrics.jsonl:1: epoch record version 9"),
            "{error:#}"
        );
        assert!(parse_jsonl("{\"epoch\": 1}", "m").is_err());
    }
}
