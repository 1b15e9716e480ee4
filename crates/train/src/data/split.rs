//! Which images of a data folder a split takes: official partitions where the data
//! has them, otherwise a seeded fraction held out.

use anyhow::{Result, bail, ensure};
use latentlab_model::latent::SeededRng;

use super::Dataset;

/// What the caller wants out of a data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Images to train on.
    Train,
    /// Held-out images: the official test files for MNIST layouts, CelebA's official
    /// validation partition when the folder has one, otherwise a seeded `fraction` of
    /// the images (the same ones for the same seed).
    Validation,
    /// CelebA's official test partition (only data with a partition file has one).
    Test,
}

/// How a split is cut from data without an official test set.
#[derive(Debug, Clone, Copy)]
pub struct SplitRule {
    pub validation_fraction: f64,
    pub seed: u64,
}

/// A permutation of `0..count` (Fisher-Yates), reproducible from the seed.
pub fn shuffled(count: usize, rng: &mut SeededRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// Cuts `split` out of data without an official test set: a seeded shuffle, the
/// first `fraction` of it held out, each part then kept in file order.
pub(super) fn seeded_split(all: &Dataset, split: Split, rule: SplitRule) -> Result<Dataset> {
    ensure!(
        (0.0..1.0).contains(&rule.validation_fraction),
        "--validation-fraction must be in [0, 1), got {}",
        rule.validation_fraction
    );
    let count = all.len();
    let held_out = ((count as f64) * rule.validation_fraction).round() as usize;
    let order = shuffled(count, &mut SeededRng::new(rule.seed ^ 0x5EED_5B17));
    let mut chosen: Vec<usize> = match split {
        Split::Validation => order[..held_out].to_vec(),
        Split::Train => order[held_out..].to_vec(),
        Split::Test => bail!(
            "{}: only data with an official test partition (CelebA's list_eval_partition.txt) has a test split",
            all.name
        ),
    };
    chosen.sort_unstable();
    Ok(all.subset(&chosen))
}

/// Cuts `split` out of data that carries official partitions, in file order.
pub(super) fn partition_split(all: &Dataset, split: Split) -> Result<Dataset> {
    let wanted = match split {
        Split::Train => 0,
        Split::Validation => 1,
        Split::Test => 2,
    };
    let chosen: Vec<usize> = (0..all.len())
        .filter(|&i| all.partitions[i] == wanted)
        .collect();
    ensure!(
        !chosen.is_empty(),
        "{}: the partition file lists no images of partition {wanted} ({split:?}) that are present",
        all.name
    );
    Ok(all.subset(&chosen))
}
