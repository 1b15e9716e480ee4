//! A configurable convolutional autoencoder, plain or variational.
//!
//! One module serves the seed's Fashion-MNIST AE and VAE (32x32x1, conv 32/64/128
//! stride 2, ReLU, 2-D latent) and the CelebA face VAE (64x64x3, five conv layers of
//! 64 filters with BatchNorm and LeakyReLU, 200-D latent): the configs differ, the
//! code does not.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;

use crate::blocks;
use crate::objective::{Objective, Reconstruction};

/// Shape of a [`ConvAutoencoder`]; stored whole in the weights manifest.
#[derive(Config, Debug, PartialEq)]
pub struct ConvConfig {
    /// Side of the square input image in pixels (must be divisible by 2^filters.len()).
    pub image_size: usize,
    /// Colour channels of the input (1 grey, 3 RGB).
    pub channels: usize,
    /// Filters of each stride-2 encoder convolution; the decoder mirrors them.
    pub filters: Vec<usize>,
    /// Dimensions of z.
    pub latent_dim: usize,
    pub objective: Objective,
    /// BatchNorm after every hidden layer (conv, transposed conv and the decoder's
    /// dense layer), as in the seed's face VAE.
    #[config(default = false)]
    pub batch_norm: bool,
    /// Slope of the activation below zero: 0 is ReLU, the face VAE uses Keras'
    /// LeakyReLU default of 0.3.
    #[config(default = 0.0)]
    pub negative_slope: f64,
}

impl ConvConfig {
    /// The seed's Fashion-MNIST VAE: 32x32x1, conv 32/64/128, 2-D latent, beta 500 on BCE.
    pub fn fashion_vae() -> Self {
        Self::new(
            32,
            1,
            vec![32, 64, 128],
            2,
            Objective::new(true, Reconstruction::Bce, 500.0),
        )
    }

    /// The same network as a plain autoencoder trained on mean BCE.
    pub fn fashion_ae() -> Self {
        Self::new(
            32,
            1,
            vec![32, 64, 128],
            2,
            Objective::new(false, Reconstruction::Bce, 1.0),
        )
    }

    /// The seed's CelebA VAE: 64x64x3, five conv layers of 64 filters with BatchNorm and
    /// LeakyReLU, 200-D latent, beta 2000 on mean-per-pixel MSE.
    pub fn celeba_vae() -> Self {
        Self::new(
            64,
            3,
            vec![64; 5],
            200,
            Objective::new(true, Reconstruction::Mse, 2000.0),
        )
        .with_batch_norm(true)
        .with_negative_slope(0.3)
    }

    /// Explains what is wrong with a config, so a bad manifest is rejected before
    /// any layer is built (burn would panic on a zero-sized layer).
    /// Tensors' elements [`Self::init`] creates (weights, biases, BatchNorm scales,
    /// shifts and running statistics), or `None` past u64 (an untrusted config that no
    /// file could fill). Kept beside `init`; a test compares the two.
    pub fn parameter_count(&self) -> Option<u64> {
        let conv = |i: usize, o: usize| {
            (i as u64)
                .checked_mul(o as u64)?
                .checked_mul(9)?
                .checked_add(o as u64)
        };
        let linear = |i: usize, o: usize| (i as u64).checked_mul(o as u64)?.checked_add(o as u64);
        let norm = |n: usize| {
            if self.batch_norm {
                (n as u64).checked_mul(4)
            } else {
                Some(0)
            }
        };
        let last = *self.filters.last()?;
        let side = self
            .image_size
            .checked_shr(u32::try_from(self.filters.len()).ok()?)?;
        let flat = last.checked_mul(side)?.checked_mul(side)?;
        let mut total = 0u64;
        let mut input = self.channels;
        for &filters in &self.filters {
            total = total
                .checked_add(conv(input, filters)?)?
                .checked_add(norm(filters)?)?;
            input = filters;
        }
        let heads = if self.objective.variational { 2 } else { 1 };
        total = total.checked_add(linear(flat, self.latent_dim)?.checked_mul(heads)?)?;
        total = total
            .checked_add(linear(self.latent_dim, flat)?)?
            .checked_add(norm(flat)?)?;
        let mut input = last;
        for &filters in self.filters.iter().rev() {
            total = total
                .checked_add(conv(input, filters)?)?
                .checked_add(norm(filters)?)?;
            input = filters;
        }
        total.checked_add(conv(input, self.channels)?)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.channels == 0 || self.latent_dim == 0 || self.filters.is_empty() {
            return Err("channels, latent_dim and filters must be non-zero".into());
        }
        if self.filters.len() >= usize::BITS as usize || self.parameter_count().is_none() {
            return Err(format!(
                "{} layers of {:?} filters on {}x{} images with latent {} is too large for any weights file",
                self.filters.len(),
                self.filters,
                self.image_size,
                self.image_size,
                self.latent_dim
            ));
        }
        if self.filters.contains(&0) {
            return Err(format!(
                "every filter count must be positive, got {:?}",
                self.filters
            ));
        }
        let factor = 1usize << self.filters.len();
        if self.image_size == 0 || !self.image_size.is_multiple_of(factor) {
            return Err(format!(
                "image_size {} is not divisible by 2^{} (one halving per encoder layer)",
                self.image_size,
                self.filters.len()
            ));
        }
        if self.objective.reconstruction == Reconstruction::Gaussian {
            return Err("the conv model has no variance head: use bce or mse".into());
        }
        if !(0.0..1.0).contains(&self.negative_slope) {
            return Err(format!(
                "negative_slope must be in [0, 1), got {}",
                self.negative_slope
            ));
        }
        self.objective.validate()
    }

    /// Side of the feature map after the encoder convolutions.
    fn bottleneck_side(&self) -> usize {
        self.image_size >> self.filters.len()
    }

    /// Builds the model with fresh random weights. Call [`Self::validate`] first on
    /// configs that did not come from code.
    pub fn init(&self, device: &Device) -> ConvAutoencoder {
        let conv = |input: usize, output: usize, stride: usize| {
            Conv2dConfig::new([input, output], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let norms = |sizes: &[usize]| -> Vec<BatchNorm> {
            if self.batch_norm {
                sizes
                    .iter()
                    .map(|&n| BatchNormConfig::new(n).init(device))
                    .collect()
            } else {
                Vec::new()
            }
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

        let reversed: Vec<usize> = self.filters.iter().rev().copied().collect();
        let mut decoder_convs = Vec::new();
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

        ConvAutoencoder {
            encoder_convs,
            encoder_norms: norms(&self.filters),
            z_mean: LinearConfig::new(flat, self.latent_dim).init(device),
            z_log_var: self
                .objective
                .variational
                .then(|| LinearConfig::new(flat, self.latent_dim).init(device)),
            decoder_input: LinearConfig::new(self.latent_dim, flat).init(device),
            decoder_input_norm: norms(&[flat]).pop(),
            decoder_convs,
            decoder_norms: norms(&reversed),
            output_conv: conv(input, self.channels, 1),
            bottleneck: [last, side, side],
            negative_slope: self.negative_slope,
            dense_activation: self.batch_norm,
        }
    }
}

/// Folds `norm` into the layer before it: with `scale = gamma / sqrt(var + eps)`, the
/// weight is scaled along its output axis `out_axis` (0 for a conv's `[out, in, k,
/// k]`, 1 for a transposed conv's `[in, out, k, k]` and a dense layer's `[in, out]`)
/// and the bias becomes `(b - mean) scale + beta` (`beta - mean scale` without one).
fn fold_into<const D: usize>(
    weight: &mut Param<Tensor<D>>,
    bias: &mut Option<Param<Tensor<1>>>,
    norm: &BatchNorm,
    out_axis: usize,
) {
    let scale = norm
        .gamma
        .val()
        .div(norm.running_var.value().add_scalar(norm.epsilon).sqrt());
    let shift = norm
        .beta
        .val()
        .sub(norm.running_mean.value().mul(scale.clone()));
    let mut shape = [1; D];
    shape[out_axis] = scale.dims()[0];
    let per_output = scale.clone().reshape(shape);
    *weight = weight.clone().map(|w| w.mul(per_output));
    *bias = Some(match bias.take() {
        Some(b) => b.map(|b| b.mul(scale).add(shift)),
        None => Param::from_tensor(shift),
    });
}

/// Encoder to z (or to z's mean and log variance), decoder from z to pixel logits.
#[derive(Module, Debug)]
pub struct ConvAutoencoder {
    encoder_convs: Vec<Conv2d>,
    /// Empty without batch norm.
    encoder_norms: Vec<BatchNorm>,
    /// The code of a plain autoencoder, the posterior mean of a VAE.
    z_mean: Linear,
    z_log_var: Option<Linear>,
    decoder_input: Linear,
    decoder_input_norm: Option<BatchNorm>,
    decoder_convs: Vec<ConvTranspose2d>,
    decoder_norms: Vec<BatchNorm>,
    output_conv: Conv2d,
    /// Channels, height, width of the feature map between dense and conv layers.
    #[module(skip)]
    bottleneck: [usize; 3],
    #[module(skip)]
    negative_slope: f64,
    /// Whether the decoder's dense layer is activated (the face decoder, whose dense
    /// layer has a BatchNorm; kept apart from it so folding the norm keeps it).
    #[module(skip)]
    dense_activation: bool,
}

impl ConvAutoencoder {
    /// [BatchNorm +] LeakyReLU, as one fused op on the CPU (see [`blocks`]).
    fn activate<const D: usize>(&self, x: Tensor<D>, norm: Option<&BatchNorm>) -> Tensor<D> {
        match norm {
            Some(norm) => blocks::norm_act(norm, x, self.negative_slope),
            None => blocks::act(x, self.negative_slope),
        }
    }

    /// The same network for inference, with every BatchNorm folded into the layer
    /// before it: `gamma (W x + b - mean) / sqrt(var + eps) + beta` is one layer with
    /// weights scaled per output channel and a shifted bias. It decodes what the
    /// original does (to rounding) with one pass over each activation fewer, on every
    /// device; it cannot be trained or exported (the norms are gone).
    pub fn fold_batch_norm(mut self) -> Self {
        for (conv, norm) in self.encoder_convs.iter_mut().zip(&self.encoder_norms) {
            fold_into(&mut conv.weight, &mut conv.bias, norm, 0);
        }
        if let Some(norm) = self.decoder_input_norm.take() {
            let dense = &mut self.decoder_input;
            fold_into(&mut dense.weight, &mut dense.bias, &norm, 1);
        }
        for (conv, norm) in self.decoder_convs.iter_mut().zip(&self.decoder_norms) {
            fold_into(&mut conv.weight, &mut conv.bias, norm, 1);
        }
        self.encoder_norms.clear();
        self.decoder_norms.clear();
        self
    }

    /// Images `[batch, channels, h, w]` in [0, 1] to z's mean and, for a VAE, log variance.
    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Option<Tensor<2>>) {
        let mut x = images;
        for (index, conv) in self.encoder_convs.iter().enumerate() {
            x = self.activate(blocks::conv2d(conv, x), self.encoder_norms.get(index));
        }
        let x: Tensor<2> = x.flatten(1, 3);
        let log_var = self
            .z_log_var
            .as_ref()
            .map(|l| blocks::linear(l, x.clone()));
        (blocks::linear(&self.z_mean, x), log_var)
    }

    /// Latent vectors `[batch, latent_dim]` to pixel logits `[batch, channels, h, w]`.
    pub fn decode_logits(&self, z: Tensor<2>) -> Tensor<4> {
        let batch = z.dims()[0];
        let [c, h, w] = self.bottleneck;
        let mut x = blocks::linear(&self.decoder_input, z);
        // The seed's Fashion decoder reshapes the dense output as it is; the face
        // decoder normalises and activates it first.
        if self.dense_activation {
            x = self.activate(x, self.decoder_input_norm.as_ref());
        }
        let mut x: Tensor<4> = x.reshape([batch, c, h, w]);
        for (index, conv) in self.decoder_convs.iter().enumerate() {
            x = match self.decoder_norms.get(index) {
                Some(norm) => self.activate(blocks::conv_transpose2d(conv, x), Some(norm)),
                // No norm, or folded: the activation is written with the output.
                None => blocks::conv_transpose2d_act(conv, x, self.negative_slope),
            };
        }
        blocks::conv2d(&self.output_conv, x)
    }
}

#[cfg(test)]
mod tests {
    use burn::module::RunningState;
    use burn::tensor::Distribution;

    use super::*;

    fn random<const D: usize>(
        shape: [usize; D],
        low: f64,
        high: f64,
        device: &Device,
    ) -> Tensor<D> {
        Tensor::random(shape, Distribution::Uniform(low, high), device)
    }

    /// Trained-looking statistics, so that folding has something to fold.
    fn perturb(norm: &mut BatchNorm, device: &Device) {
        let n = norm.gamma.dims()[0];
        norm.gamma = Param::from_tensor(random([n], 0.5, 1.5, device));
        norm.beta = Param::from_tensor(random([n], -0.5, 0.5, device));
        norm.running_mean = RunningState::new(random([n], -1.0, 1.0, device));
        norm.running_var = RunningState::new(random([n], 0.2, 3.0, device));
    }

    #[test]
    fn folding_batch_norm_keeps_what_the_model_computes() {
        let device = Device::flex();
        let config = ConvConfig::new(
            16,
            3,
            vec![8, 6],
            5,
            Objective::new(true, Reconstruction::Mse, 1.0),
        )
        .with_batch_norm(true)
        .with_negative_slope(0.3);
        let mut model = config.init(&device);
        for norm in model
            .encoder_norms
            .iter_mut()
            .chain(model.decoder_norms.iter_mut())
            .chain(model.decoder_input_norm.iter_mut())
        {
            perturb(norm, &device);
        }
        let z = random([3, 5], -2.0, 2.0, &device);
        let images = random([2, 3, 16, 16], 0.0, 1.0, &device);
        let want_logits = model.decode_logits(z.clone());
        let (want_mean, want_log_var) = model.encode(images.clone());
        let folded = model.fold_batch_norm();
        assert!(folded.decoder_norms.is_empty() && folded.decoder_input_norm.is_none());
        let close = |what: &str, got: Tensor<2>, want: Tensor<2>| {
            let diff: f32 = got.sub(want).abs().max().into_scalar();
            assert!(diff < 1e-4, "{what} moved by {diff} when folding");
        };
        close(
            "decoder logits",
            folded.decode_logits(z).flatten(1, 3),
            want_logits.flatten(1, 3),
        );
        let (mean, log_var) = folded.encode(images);
        close("encoder mean", mean, want_mean);
        close(
            "encoder log variance",
            log_var.unwrap(),
            want_log_var.unwrap(),
        );
    }
}
