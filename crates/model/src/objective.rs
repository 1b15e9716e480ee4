//! What a model is trained to minimise, stored with its architecture so an export
//! says exactly how its numbers were produced.

use burn::config::Config;
use serde::{Deserialize, Serialize};

/// How a decoder's output is compared with the input image.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Reconstruction {
    /// Binary cross-entropy against pixels in [0, 1] (a Bernoulli decoder); the
    /// decoder output goes through a sigmoid.
    Bce,
    /// Squared error against the decoded image.
    Mse,
    /// Gaussian negative log-likelihood with a per-pixel variance the decoder also
    /// predicts (the VAE paper's Frey Face decoder).
    Gaussian,
}

/// Training objective: `beta * mean-per-pixel reconstruction + KL` for a VAE,
/// `beta * mean-per-pixel reconstruction` for a plain autoencoder.
#[derive(Config, Debug, PartialEq)]
pub struct Objective {
    /// Encode to a distribution (mean, log variance) and add the KL term.
    pub variational: bool,
    pub reconstruction: Reconstruction,
    /// Weight of the mean per-pixel reconstruction term. `beta = pixels` turns it into
    /// the summed per-image likelihood of the classic VAE papers.
    pub beta: f64,
}

impl Objective {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.beta.is_finite() && self.beta > 0.0) {
            return Err(format!("beta must be a positive number, got {}", self.beta));
        }
        Ok(())
    }
}
