//! A configurable convolutional variational autoencoder.
//!
//! The first config is the seed's Fashion-MNIST VAE (32x32x1, conv 32/64/128 with
//! stride 2 and ReLU, 2-D latent); the same module takes other sizes and filter lists
//! so later models reuse it instead of copying it.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::{relu, sigmoid};

/// Shape and training constants of a [`ConvVae`]; stored whole in the weights manifest.
#[derive(Config, Debug, PartialEq)]
pub struct ConvVaeConfig {
    /// Side of the square input image in pixels (must be divisible by 2^filters.len()).
    pub image_size: usize,
    /// Colour channels of the input (1 grey, 3 RGB).
    pub channels: usize,
    /// Filters of each stride-2 encoder convolution; the decoder mirrors them.
    pub filters: Vec<usize>,
    /// Dimensions of z.
    pub latent_dim: usize,
    /// Weight of the mean-per-pixel reconstruction term against the summed KL term.
    #[config(default = 500.0)]
    pub beta: f64,
}

impl ConvVaeConfig {
    /// The seed's Fashion-MNIST VAE: 32x32x1, conv 32/64/128, 2-D latent, beta 500.
    pub fn fashion_mnist() -> Self {
        Self::new(32, 1, vec![32, 64, 128], 2)
    }

    /// Explains what is wrong with a config, so a bad manifest is rejected before
    /// any layer is built (burn would panic on a zero-sized layer).
    pub fn validate(&self) -> Result<(), String> {
        if self.channels == 0 || self.latent_dim == 0 || self.filters.is_empty() {
            return Err("channels, latent_dim and filters must be non-zero".into());
        }
        if self.filters.contains(&0) {
            return Err(format!(
                "every filter count must be positive, got {:?}",
                self.filters
            ));
        }
        let factor = 1usize << self.filters.len();
        if self.image_size == 0 || self.image_size % factor != 0 {
            return Err(format!(
                "image_size {} is not divisible by 2^{} (one halving per encoder layer)",
                self.image_size,
                self.filters.len()
            ));
        }
        if !(self.beta.is_finite() && self.beta > 0.0) {
            return Err(format!("beta must be a positive number, got {}", self.beta));
        }
        Ok(())
    }

    /// Side of the feature map after the encoder convolutions.
    fn bottleneck_side(&self) -> usize {
        self.image_size >> self.filters.len()
    }

    /// Builds the model with fresh random weights. Call [`Self::validate`] first on
    /// configs that did not come from code.
    pub fn init(&self, device: &Device) -> ConvVae {
        let conv = |input: usize, output: usize, stride: usize| {
            Conv2dConfig::new([input, output], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let mut encoder_convs = Vec::new();
        let mut input = self.channels;
        for &filters in &self.filters {
            encoder_convs.push(conv(input, filters, 2));
            input = filters;
        }
        let last = *self
            .filters
            .last()
            .expect("validated: filters is non-empty");
        let side = self.bottleneck_side();
        let flat = last * side * side;

        let mut decoder_convs = Vec::new();
        let reversed: Vec<usize> = self.filters.iter().rev().copied().collect();
        let mut input = last;
        for &filters in &reversed {
            decoder_convs.push(
                ConvTranspose2dConfig::new([input, filters], [3, 3])
                    .with_stride([2, 2])
                    .with_padding([1, 1])
                    .with_padding_out([1, 1])
                    .init(device),
            );
            input = filters;
        }

        ConvVae {
            encoder_convs,
            z_mean: LinearConfig::new(flat, self.latent_dim).init(device),
            z_log_var: LinearConfig::new(flat, self.latent_dim).init(device),
            decoder_input: LinearConfig::new(self.latent_dim, flat).init(device),
            decoder_convs,
            output_conv: conv(input, self.channels, 1),
            bottleneck: [last, side, side],
        }
    }
}

/// Encoder to (z_mean, z_log_var), decoder from z to pixel logits.
#[derive(Module, Debug)]
pub struct ConvVae {
    encoder_convs: Vec<Conv2d>,
    z_mean: Linear,
    z_log_var: Linear,
    decoder_input: Linear,
    decoder_convs: Vec<ConvTranspose2d>,
    output_conv: Conv2d,
    /// Channels, height, width of the feature map between dense and conv layers.
    #[module(skip)]
    bottleneck: [usize; 3],
}

/// What one training step needs from a forward pass.
#[derive(Debug, Clone)]
pub struct VaeOutput {
    /// Decoder output before the sigmoid; the loss uses it for a stable BCE.
    pub logits: Tensor<4>,
    pub z_mean: Tensor<2>,
    pub z_log_var: Tensor<2>,
}

impl ConvVae {
    /// Images `[batch, channels, h, w]` in [0, 1] to the posterior's mean and log variance.
    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let mut x = images;
        for conv in &self.encoder_convs {
            x = relu(conv.forward(x));
        }
        let x: Tensor<2> = x.flatten(1, 3);
        (self.z_mean.forward(x.clone()), self.z_log_var.forward(x))
    }

    /// Latent vectors `[batch, latent_dim]` to pixel logits `[batch, channels, h, w]`.
    pub fn decode_logits(&self, z: Tensor<2>) -> Tensor<4> {
        let batch = z.dims()[0];
        let [c, h, w] = self.bottleneck;
        let mut x: Tensor<4> = self.decoder_input.forward(z).reshape([batch, c, h, w]);
        for conv in &self.decoder_convs {
            x = relu(conv.forward(x));
        }
        self.output_conv.forward(x)
    }

    /// Latent vectors to images in [0, 1].
    pub fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        sigmoid(self.decode_logits(z))
    }

    /// Encode, draw z by reparameterisation, decode: the training forward pass.
    pub fn forward(&self, images: Tensor<4>) -> VaeOutput {
        let (z_mean, z_log_var) = self.encode(images);
        let z = reparameterize(z_mean.clone(), z_log_var.clone());
        VaeOutput {
            logits: self.decode_logits(z),
            z_mean,
            z_log_var,
        }
    }
}

/// z = mean + exp(log_var / 2) * eps with eps ~ N(0, I), so gradients flow through
/// mean and log_var while the randomness stays outside the graph.
pub fn reparameterize(z_mean: Tensor<2>, z_log_var: Tensor<2>) -> Tensor<2> {
    let eps = z_mean.random_like(Distribution::Normal(0.0, 1.0));
    z_mean + (z_log_var * 0.5).exp() * eps
}
