//! A DCGAN: the generator maps z (from the config's prior) through a dense layer and
//! stride-2 transposed convolutions (3x3 by default, or the DCGAN paper's 4x4) with
//! BatchNorm and ReLU to an image through a sigmoid; the discriminator is strided
//! convolutions of the same kernel with LeakyReLU (BatchNorm on every layer but the
//! first) and one logit.
//!
//! A 3x3 stride-2 transposed conv covers every other output pixel with 4 taps and the
//! rest with 2 or 1, which draws a checkerboard (Odena, Dumoulin and Olah,
//! "Deconvolution and Checkerboard Artifacts", 2016); a 4x4 kernel covers every pixel
//! with 4.
//!
//! The generator has the conv VAE decoder's layout (dense to the bottleneck, one
//! upsampling per filter count, a stride-1 output conv), so both run on the fused CPU
//! blocks and a GAN and a VAE of the same latent size can decode the same z.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use super::Prior;
use crate::blocks;

/// The discriminator's LeakyReLU slope (the DCGAN paper's).
const DISCRIMINATOR_SLOPE: f64 = 0.2;

/// Shape of a DCGAN; stored whole in a GAN export's manifest.
#[derive(Config, Debug, PartialEq)]
pub struct DcganConfig {
    pub image_size: usize,
    pub channels: usize,
    pub latent_dim: usize,
    /// The discriminator's filters, layer by layer; the generator runs them reversed.
    pub filters: Vec<usize>,
    #[config(default = "Prior::Normal")]
    pub prior: Prior,
    /// Side of the strided (transposed) convolutions' kernels: 3, 4 or 5; `None` is 3
    /// (an `Option` because burn's `Config` gives serde no defaults, and exports
    /// written before this field existed must still load). See [`Self::kernel_side`].
    pub kernel: Option<usize>,
}

impl DcganConfig {
    /// 32x32 Fashion-MNIST (the conv VAE's padding of the 28x28 images).
    pub fn fashion_gan() -> Self {
        Self::new(32, 1, 64, vec![32, 64, 128])
    }

    /// 64x64x3 faces (`celeba64`) with the face VAE's decoder layout (five layers of 64
    /// filters) and its 200-D z: the page decodes one z with both, side by side, and
    /// the generator weighs about 1 MB (the DCGAN paper's 1024-512-256-128 filters
    /// would weigh 50 MB and train far slower on a CPU).
    pub fn celeba_gan() -> Self {
        Self::new(64, 3, 200, vec![64; 5])
    }

    /// The strided convolutions' kernel side.
    pub fn kernel_side(&self) -> usize {
        self.kernel.unwrap_or(3)
    }

    fn bottleneck_side(&self) -> usize {
        self.image_size >> self.filters.len()
    }

    /// Elements of every tensor of both networks, or `None` when that overflows.
    pub fn parameter_count(&self) -> Option<u64> {
        let (g, d) = (
            self.generator_parameters()?,
            self.discriminator_parameters()?,
        );
        g.checked_add(d)
    }

    /// Elements of the generator's tensors (what a GAN export ships).
    pub fn generator_parameters(&self) -> Option<u64> {
        let taps = (self.kernel_side() as u64).checked_mul(self.kernel_side() as u64)?;
        let conv = |i: usize, o: usize, taps: u64| {
            (i as u64)
                .checked_mul(o as u64)?
                .checked_mul(taps)?
                .checked_add(o as u64)
        };
        let norm = |n: usize| (n as u64).checked_mul(4);
        let last = *self.filters.last()?;
        let side = self.bottleneck_side();
        let flat = last.checked_mul(side)?.checked_mul(side)?;
        let mut total = (self.latent_dim as u64)
            .checked_mul(flat as u64)?
            .checked_add(flat as u64)?
            .checked_add(norm(flat)?)?;
        let mut input = last;
        for &filters in self.filters.iter().rev() {
            total = total
                .checked_add(conv(input, filters, taps)?)?
                .checked_add(norm(filters)?)?;
            input = filters;
        }
        total.checked_add(conv(input, self.channels, 9)?)
    }

    fn discriminator_parameters(&self) -> Option<u64> {
        let taps = (self.kernel_side() as u64).checked_mul(self.kernel_side() as u64)?;
        let conv = |i: usize, o: usize| {
            (i as u64)
                .checked_mul(o as u64)?
                .checked_mul(taps)?
                .checked_add(o as u64)
        };
        let mut total = 0u64;
        let mut input = self.channels;
        for (i, &filters) in self.filters.iter().enumerate() {
            total = total.checked_add(conv(input, filters)?)?;
            if i > 0 {
                total = total.checked_add((filters as u64).checked_mul(4)?)?;
            }
            input = filters;
        }
        let side = self.bottleneck_side() as u64;
        let flat = (input as u64).checked_mul(side)?.checked_mul(side)?;
        total.checked_add(flat.checked_add(1)?)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.channels == 0 || self.latent_dim == 0 || self.filters.is_empty() {
            return Err("channels, latent_dim and filters must be non-zero".into());
        }
        if !(3..=5).contains(&self.kernel_side()) {
            return Err(format!(
                "kernel must be 3, 4 or 5, got {}",
                self.kernel_side()
            ));
        }
        if self.filters.contains(&0) {
            return Err(format!(
                "every filter count must be positive, got {:?}",
                self.filters
            ));
        }
        if self.filters.len() >= usize::BITS as usize || self.parameter_count().is_none() {
            return Err(format!(
                "{} layers of {:?} filters on {}x{} images is too large for any weights file",
                self.filters.len(),
                self.filters,
                self.image_size,
                self.image_size
            ));
        }
        let factor = 1usize << self.filters.len();
        if self.image_size == 0 || !self.image_size.is_multiple_of(factor) {
            return Err(format!(
                "image_size {} is not divisible by 2^{} (one halving per layer)",
                self.image_size,
                self.filters.len()
            ));
        }
        Ok(())
    }

    /// Padding that makes a stride-2 conv of this kernel halve an even side.
    fn halving_padding(&self) -> usize {
        (self.kernel_side() - 1) / 2
    }

    /// A discriminator layer: this kernel, stride 2, halving.
    fn strided_conv(&self, input: usize, output: usize, device: &Device) -> Conv2d {
        let p = self.halving_padding();
        Conv2dConfig::new([input, output], [self.kernel_side(); 2])
            .with_stride([2, 2])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .init(device)
    }

    /// A generator with fresh weights; [`Self::validate`] first for untrusted configs.
    pub fn init_generator(&self, device: &Device) -> Generator {
        let last = *self
            .filters
            .last()
            .expect("validated: filters is non-empty");
        let side = self.bottleneck_side();
        let flat = last * side * side;
        let mut convs = Vec::new();
        let mut norms = Vec::new();
        let mut input = last;
        // Doubling: (h - 1) 2 - 2 p + k + padding_out = 2 h.
        let (p, k) = (self.halving_padding(), self.kernel_side());
        let padding_out = 2 + 2 * p - k;
        for &filters in self.filters.iter().rev() {
            convs.push(
                ConvTranspose2dConfig::new([input, filters], [k, k])
                    .with_stride([2, 2])
                    .with_padding([p, p])
                    .with_padding_out([padding_out; 2])
                    .init(device),
            );
            norms.push(BatchNormConfig::new(filters).init(device));
            input = filters;
        }
        Generator {
            input: LinearConfig::new(self.latent_dim, flat).init(device),
            input_norm: BatchNormConfig::new(flat).init(device),
            convs,
            norms,
            output: Conv2dConfig::new([input, self.channels], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
            bottleneck: [last, side, side],
        }
    }

    /// A discriminator with fresh weights.
    pub fn init_discriminator(&self, device: &Device) -> Discriminator {
        let mut convs = Vec::new();
        let mut norms = Vec::new();
        let mut input = self.channels;
        for (i, &filters) in self.filters.iter().enumerate() {
            convs.push(self.strided_conv(input, filters, device));
            if i > 0 {
                norms.push(BatchNormConfig::new(filters).init(device));
            }
            input = filters;
        }
        let side = self.bottleneck_side();
        Discriminator {
            convs,
            norms,
            output: LinearConfig::new(input * side * side, 1).init(device),
        }
    }
}

/// z `[batch, latent]` to images `[batch, c, h, w]` in [0, 1].
#[derive(Module, Debug)]
pub struct Generator {
    input: Linear,
    input_norm: BatchNorm,
    convs: Vec<ConvTranspose2d>,
    norms: Vec<BatchNorm>,
    output: Conv2d,
    #[module(skip)]
    bottleneck: [usize; 3],
}

impl Generator {
    /// Pre-sigmoid outputs (what a BCE-style loss or a histogram of logits wants).
    pub fn logits(&self, z: Tensor<2>) -> Tensor<4> {
        let batch = z.dims()[0];
        let [c, h, w] = self.bottleneck;
        let x = blocks::norm_act(&self.input_norm, blocks::linear(&self.input, z), 0.0);
        let mut x: Tensor<4> = x.reshape([batch, c, h, w]);
        for (conv, norm) in self.convs.iter().zip(&self.norms) {
            x = blocks::norm_act(norm, blocks::conv_transpose2d(conv, x), 0.0);
        }
        blocks::conv2d(&self.output, x)
    }

    pub fn forward(&self, z: Tensor<2>) -> Tensor<4> {
        sigmoid(self.logits(z))
    }
}

/// Images `[batch, c, h, w]` in [0, 1] to one logit each, `[batch, 1]`.
#[derive(Module, Debug)]
pub struct Discriminator {
    convs: Vec<Conv2d>,
    /// One per conv after the first.
    norms: Vec<BatchNorm>,
    output: Linear,
}

impl Discriminator {
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for (i, conv) in self.convs.iter().enumerate() {
            x = blocks::conv2d(conv, x);
            x = match i.checked_sub(1).and_then(|n| self.norms.get(n)) {
                Some(norm) => blocks::norm_act(norm, x, DISCRIMINATOR_SLOPE),
                None => blocks::act(x, DISCRIMINATOR_SLOPE),
            };
        }
        blocks::linear(&self.output, x.flatten(1, 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_zoo_gans_have_the_shapes_and_parameter_counts_they_claim() {
        let device = Device::flex();
        let four = DcganConfig::celeba_gan().with_kernel(Some(4));
        for config in [DcganConfig::fashion_gan(), DcganConfig::celeba_gan(), four] {
            config.validate().unwrap();
            let (g, d) = (
                config.init_generator(&device),
                config.init_discriminator(&device),
            );
            let z = Tensor::<2>::random(
                [3, config.latent_dim],
                burn::tensor::Distribution::Normal(0.0, 1.0),
                &device,
            );
            let images = g.forward(z);
            let size = config.image_size;
            assert_eq!(images.dims(), [3, config.channels, size, size]);
            let values: Vec<f32> = images.clone().into_data().try_to_vec().unwrap();
            assert!(
                values.iter().all(|v| (0.0..=1.0).contains(v)),
                "sigmoid output"
            );
            assert_eq!(d.forward(images).dims(), [3, 1]);
            assert_eq!(
                Some(g.num_params() as u64),
                config.generator_parameters(),
                "{config:?}"
            );
            assert_eq!(
                Some((g.num_params() + d.num_params()) as u64),
                config.parameter_count()
            );
        }
    }

    #[test]
    fn bad_configs_are_refused_by_name() {
        let mut odd = DcganConfig::fashion_gan();
        odd.image_size = 36;
        assert!(odd.validate().unwrap_err().contains("not divisible by 2^3"));
        let mut empty = DcganConfig::fashion_gan();
        empty.filters = vec![];
        assert!(empty.validate().is_err());
        let mut huge = DcganConfig::celeba_gan();
        huge.filters = vec![usize::MAX / 2; 3];
        assert!(huge.validate().is_err());
        let wide = DcganConfig::fashion_gan().with_kernel(Some(7));
        assert!(
            wide.validate()
                .unwrap_err()
                .contains("kernel must be 3, 4 or 5")
        );
    }

    #[cfg(feature = "autodiff")]
    #[test]
    fn discriminator_steps_separate_real_from_generated_and_generator_steps_fool_it() {
        use crate::gan::{discriminator_loss, generator_loss};
        use burn::optim::{AdamConfig, GradientsParams};

        let device = Device::flex().autodiff();
        device.seed(11);
        let config = DcganConfig::new(16, 1, 8, vec![8, 16]);
        config.validate().unwrap();
        let (mut g, mut d) = (
            config.init_generator(&device),
            config.init_discriminator(&device),
        );
        // "Real" images: bright squares on black, nothing like an untrained G's grey.
        let mut pixels = vec![0.0f32; 8 * 16 * 16];
        for (i, p) in pixels.iter_mut().enumerate() {
            let (y, x) = ((i / 16) % 16, i % 16);
            if (4..12).contains(&y) && (4..12).contains(&x) {
                *p = 1.0;
            }
        }
        let real = Tensor::<4>::from_data(TensorData::new(pixels, [8, 1, 16, 16]), &device);
        let z = Tensor::<2>::random(
            [8, 8],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let d_loss = |g: &Generator, d: &Discriminator| {
            let fake = g.forward(z.clone()).detach();
            discriminator_loss(d.forward(real.clone()), d.forward(fake))
        };
        let mut optimizer = AdamConfig::new().with_beta_1(0.5).init();
        let d_before = d_loss(&g, &d).into_scalar::<f32>();
        for _ in 0..10 {
            let loss = d_loss(&g, &d);
            let grads = GradientsParams::from_grads(loss.backward(), &d);
            d = optimizer.step(2e-3, d, grads);
        }
        let d_after = d_loss(&g, &d).into_scalar::<f32>();
        assert!(d_after < 0.5 * d_before, "D loss {d_before} -> {d_after}");

        let g_loss =
            |g: &Generator, d: &Discriminator| generator_loss(d.forward(g.forward(z.clone())));
        let mut optimizer = AdamConfig::new().with_beta_1(0.5).init();
        let g_before = g_loss(&g, &d).into_scalar::<f32>();
        for _ in 0..10 {
            let loss = g_loss(&g, &d);
            let grads = GradientsParams::from_grads(loss.backward(), &g);
            g = optimizer.step(2e-3, g, grads);
        }
        let g_after = g_loss(&g, &d).into_scalar::<f32>();
        assert!(g_after < g_before, "G loss {g_before} -> {g_after}");
    }
}
