//! Fully connected autoencoders: the seed's 784-128-64-12-3 dense AE, the linear AE,
//! the classic 784-400-20 PyTorch VAE and the VAE paper's Frey Face model.
//!
//! Images are flattened on the way in and reshaped on the way out, so callers hand
//! every zoo model the same `[batch, channels, height, width]` tensors.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::tanh;
use serde::{Deserialize, Serialize};

use crate::objective::{Objective, Reconstruction};

/// Non-linearity after each hidden layer.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    Relu,
    /// The VAE paper's MLPs.
    Tanh,
}

/// Shape of a [`DenseAutoencoder`]; stored whole in the weights manifest.
#[derive(Config, Debug, PartialEq)]
pub struct DenseConfig {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Encoder hidden layer widths; the decoder mirrors them. Empty gives a purely
    /// linear encoder and decoder.
    pub hidden: Vec<usize>,
    pub latent_dim: usize,
    pub objective: Objective,
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Squash the decoder output through a sigmoid (false only for the linear AE,
    /// whose decoder is one linear map).
    #[config(default = true)]
    pub sigmoid_output: bool,
}

impl DenseConfig {
    /// The seed's dense AE: 784-128-64-12-3, ReLU, sigmoid output, MSE.
    pub fn mlp_ae() -> Self {
        Self::new(
            1,
            28,
            28,
            vec![128, 64, 12],
            3,
            Objective::new(false, Reconstruction::Mse, 1.0),
        )
    }

    /// One linear map 784 -> 2 and one 2 -> 784, MSE: PCA's subspace, learned.
    pub fn linear_ae() -> Self {
        Self::new(
            1,
            28,
            28,
            vec![],
            2,
            Objective::new(false, Reconstruction::Mse, 1.0),
        )
        .with_sigmoid_output(false)
    }

    /// PyTorch's example VAE: 784-400-20, summed BCE + KL (beta = 784 pixels).
    pub fn mnist_vae() -> Self {
        Self::new(
            1,
            28,
            28,
            vec![400],
            20,
            Objective::new(true, Reconstruction::Bce, 784.0),
        )
    }

    /// Kingma & Welling's Frey Face VAE: 560-200-z with tanh, Gaussian decoder by
    /// default, summed over the 560 pixels (the ELBO).
    pub fn frey_vae(latent_dim: usize, reconstruction: Reconstruction) -> Self {
        Self::new(
            1,
            28,
            20,
            vec![200],
            latent_dim,
            Objective::new(true, reconstruction, 560.0),
        )
        .with_activation(Activation::Tanh)
    }

    pub fn pixels(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Weights and biases [`Self::init`] creates, or `None` past u64 (an untrusted
    /// config that no file could fill). Kept beside `init`; a test compares the two.
    pub fn parameter_count(&self) -> Option<u64> {
        let linear = |i: usize, o: usize| (i as u64).checked_mul(o as u64)?.checked_add(o as u64);
        let pixels = (self.channels as u64)
            .checked_mul(self.height as u64)?
            .checked_mul(self.width as u64)? as usize;
        let mut sizes = vec![pixels];
        sizes.extend(&self.hidden);
        let code_input = *sizes.last()?;
        let mut total = 0u64;
        for pair in sizes.windows(2) {
            total = total.checked_add(linear(pair[0], pair[1])?)?;
        }
        let heads = if self.objective.variational { 2 } else { 1 };
        total = total.checked_add(linear(code_input, self.latent_dim)?.checked_mul(heads)?)?;
        let mut decoder = vec![self.latent_dim];
        decoder.extend(self.hidden.iter().rev());
        for pair in decoder.windows(2) {
            total = total.checked_add(linear(pair[0], pair[1])?)?;
        }
        let outputs = if self.objective.reconstruction == Reconstruction::Gaussian {
            2
        } else {
            1
        };
        total.checked_add(linear(*decoder.last()?, pixels)?.checked_mul(outputs)?)
    }

    pub fn validate(&self) -> Result<(), String> {
        let pixels = self
            .channels
            .checked_mul(self.height)
            .and_then(|n| n.checked_mul(self.width));
        if pixels.is_none() || self.parameter_count().is_none() {
            return Err(format!(
                "{}x{}x{} pixels with hidden {:?} and latent {} is too large for any weights file",
                self.channels, self.height, self.width, self.hidden, self.latent_dim
            ));
        }
        if self.pixels() == 0 || self.latent_dim == 0 || self.hidden.contains(&0) {
            return Err(format!(
                "channels, height, width, latent_dim and hidden sizes must be positive, got {}x{}x{}, hidden {:?}, latent {}",
                self.channels, self.height, self.width, self.hidden, self.latent_dim
            ));
        }
        if !self.sigmoid_output && self.objective.reconstruction != Reconstruction::Mse {
            return Err("only an MSE objective can train a decoder without a sigmoid".into());
        }
        self.objective.validate()
    }

    pub fn init(&self, device: &Device) -> DenseAutoencoder {
        let chain = |sizes: &[usize]| -> Vec<Linear> {
            sizes
                .windows(2)
                .map(|pair| LinearConfig::new(pair[0], pair[1]).init(device))
                .collect()
        };
        let mut encoder_sizes = vec![self.pixels()];
        encoder_sizes.extend(&self.hidden);
        let code_input = *encoder_sizes.last().expect("starts with the pixel count");
        let mut decoder_sizes = vec![self.latent_dim];
        decoder_sizes.extend(self.hidden.iter().rev());
        let output_input = *decoder_sizes.last().expect("starts with latent_dim");
        let gaussian = self.objective.reconstruction == Reconstruction::Gaussian;
        DenseAutoencoder {
            encoder: chain(&encoder_sizes),
            z_mean: LinearConfig::new(code_input, self.latent_dim).init(device),
            z_log_var: self
                .objective
                .variational
                .then(|| LinearConfig::new(code_input, self.latent_dim).init(device)),
            decoder: chain(&decoder_sizes),
            output: LinearConfig::new(output_input, self.pixels()).init(device),
            output_log_var: gaussian
                .then(|| LinearConfig::new(output_input, self.pixels()).init(device)),
            image_shape: [self.channels, self.height, self.width],
            activation: self.activation,
            sigmoid_output: self.sigmoid_output,
        }
    }
}

#[derive(Module, Debug)]
pub struct DenseAutoencoder {
    encoder: Vec<Linear>,
    z_mean: Linear,
    z_log_var: Option<Linear>,
    decoder: Vec<Linear>,
    output: Linear,
    /// Per-pixel log variance of the Gaussian decoder.
    output_log_var: Option<Linear>,
    #[module(skip)]
    image_shape: [usize; 3],
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    sigmoid_output: bool,
}

impl DenseAutoencoder {
    pub fn sigmoid_output(&self) -> bool {
        self.sigmoid_output
    }

    fn activate(&self, x: Tensor<2>) -> Tensor<2> {
        match self.activation {
            Activation::Relu => crate::blocks::act(x, 0.0),
            Activation::Tanh => tanh(x),
        }
    }

    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Option<Tensor<2>>) {
        let mut x: Tensor<2> = images.flatten(1, 3);
        for layer in &self.encoder {
            x = self.activate(crate::blocks::linear(layer, x));
        }
        let log_var = self
            .z_log_var
            .as_ref()
            .map(|l| crate::blocks::linear(l, x.clone()));
        (crate::blocks::linear(&self.z_mean, x), log_var)
    }

    /// Pixel logits (or raw values for a linear decoder) and, for a Gaussian decoder,
    /// the per-pixel log variance, both `[batch, c, h, w]`.
    pub fn decode_parts(&self, z: Tensor<2>) -> (Tensor<4>, Option<Tensor<4>>) {
        let batch = z.dims()[0];
        let [c, h, w] = self.image_shape;
        let mut x = z;
        for layer in &self.decoder {
            x = self.activate(crate::blocks::linear(layer, x));
        }
        let log_var = self
            .output_log_var
            .as_ref()
            .map(|l| crate::blocks::linear(l, x.clone()).reshape([batch, c, h, w]));
        (
            crate::blocks::linear(&self.output, x).reshape([batch, c, h, w]),
            log_var,
        )
    }
}
