//! A 1-D GAN: z from the prior, G and D small MLPs, Adam, trained a few steps at a
//! time so the page can show P_model moving onto P_data while it learns.
//!
//! Nothing here reads a tensor back: [`ToyGan::step`] only queues work, and the
//! caller reads [`ToyGan::probe`]'s tensors (synchronously natively, with the async
//! calls in wasm), which keeps one code path for both.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use latentlab_sampling::SeededRng;

use super::{Prior, discriminator_loss, generator_loss};

/// Slope of the hidden layers' LeakyReLU.
const SLOPE: f64 = 0.2;

/// A stack of dense layers, LeakyReLU between them, a linear output.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    /// Layers of `sizes[0] -> sizes[1] -> ...`.
    pub fn new(sizes: &[usize], device: &Device) -> Self {
        let layers = sizes
            .windows(2)
            .map(|pair| LinearConfig::new(pair[0], pair[1]).init(device))
            .collect();
        Self { layers }
    }

    pub fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            x = crate::blocks::linear(layer, x);
            if i < last {
                x = crate::blocks::act(x, SLOPE);
            }
        }
        x
    }
}

/// The toy GAN's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToyGanConfig {
    pub prior: Prior,
    /// Width of each hidden layer (two per network).
    pub hidden: usize,
    /// Real and generated samples per step.
    pub batch: usize,
    pub generator_lr: f64,
    pub discriminator_lr: f64,
}

impl Default for ToyGanConfig {
    fn default() -> Self {
        Self {
            prior: Prior::Uniform,
            hidden: 32,
            batch: 256,
            // Measured (bimodal target, seeds 3 and 4, both priors): 5e-4 settles by
            // step 500-800 and stays; 1e-3 gets there sooner but a Gaussian z then
            // oscillates between KS 0.05 and 0.25; 2e-3 with wider layers never settles.
            generator_lr: 5e-4,
            discriminator_lr: 5e-4,
        }
    }
}

/// What one step's losses and mean discriminator outputs were (as tensors: read them
/// only when they are shown).
pub struct StepLosses {
    pub discriminator: Tensor<1>,
    pub generator: Tensor<1>,
}

/// G and D with their optimizers, on an autodiff device.
pub struct ToyGan {
    pub config: ToyGanConfig,
    generator: Mlp,
    discriminator: Mlp,
    generator_optimizer: ModuleOptimizer,
    discriminator_optimizer: ModuleOptimizer,
    rng: SeededRng,
    device: Device,
    steps: usize,
}

/// Tensors that show the GAN's state: G at `z`, D at `x`.
pub struct Probe {
    /// G(z) for the probe's z, `[n]`.
    pub generated: Tensor<1>,
    /// D(x) = sigmoid(logit) for the probe's x, `[m]`.
    pub discriminator: Tensor<1>,
}

impl ToyGan {
    /// Fresh networks from `seed` on `device` (an autodiff device).
    pub fn new(config: ToyGanConfig, device: &Device, seed: u64) -> Self {
        device.seed(seed);
        let h = config.hidden.max(1);
        Self {
            config,
            generator: Mlp::new(&[1, h, h, 1], device),
            discriminator: Mlp::new(&[1, h, h, 1], device),
            generator_optimizer: adam(),
            discriminator_optimizer: adam(),
            rng: SeededRng::new(seed ^ 0x6A4E),
            device: device.clone(),
            steps: 0,
        }
    }

    pub fn steps(&self) -> usize {
        self.steps
    }

    fn column(&self, values: Vec<f32>) -> Tensor<2> {
        let n = values.len();
        Tensor::from_data(TensorData::new(values, [n, 1]), &self.device)
    }

    /// One discriminator step then one generator step on `real` (one batch of P_data).
    pub fn step(&mut self, real: &[f32]) -> StepLosses {
        let n = real.len().max(1);
        let real = self.column(real.to_vec());
        let z = self.config.prior.sample(&mut self.rng, n);
        let z = self.column(z);
        let fake = self.generator.forward(z).detach();
        let d_loss = discriminator_loss(
            self.discriminator.forward(real),
            self.discriminator.forward(fake),
        );
        let grads = GradientsParams::from_grads(d_loss.backward(), &self.discriminator);
        self.discriminator = self.discriminator_optimizer.step(
            self.config.discriminator_lr,
            self.discriminator.clone(),
            grads,
        );

        let z = self.config.prior.sample(&mut self.rng, n);
        let z = self.column(z);
        let g_loss = generator_loss(self.discriminator.forward(self.generator.forward(z)));
        let grads = GradientsParams::from_grads(g_loss.backward(), &self.generator);
        self.generator =
            self.generator_optimizer
                .step(self.config.generator_lr, self.generator.clone(), grads);
        self.steps += 1;
        StepLosses {
            discriminator: d_loss.detach(),
            generator: g_loss.detach(),
        }
    }

    /// G at `z` and D at `x`, outside the autodiff graph.
    pub fn probe(&self, z: &[f32], x: &[f32]) -> Probe {
        let generated = self.generator.forward(self.column(z.to_vec())).detach();
        let logits = self.discriminator.forward(self.column(x.to_vec())).detach();
        Probe {
            generated: generated.flatten(0, 1),
            discriminator: burn::tensor::activation::sigmoid(logits).flatten(0, 1),
        }
    }
}

fn adam() -> ModuleOptimizer {
    // beta1 = 0.5, the DCGAN paper's: momentum from a moving opponent misleads.
    crate::optim::adam(0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use latentlab_sampling::Continuous;
    use latentlab_sampling::catalogue::bimodal;
    use latentlab_sampling::continuous::inverse_transform;
    use latentlab_sampling::fit::kolmogorov_smirnov;

    fn read(t: Tensor<1>) -> Vec<f32> {
        t.into_data().try_to_vec().unwrap()
    }

    #[test]
    fn a_few_hundred_steps_take_the_generator_onto_a_bimodal_target_from_either_prior() {
        let device = Device::flex().autodiff();
        let target = bimodal();
        for prior in Prior::ALL {
            let mut data_rng = SeededRng::new(1);
            let config = ToyGanConfig {
                prior,
                ..ToyGanConfig::default()
            };
            let mut gan = ToyGan::new(config, &device, 3);
            let probe_z: Vec<f32> = prior.sample(&mut SeededRng::new(9), 2000);
            let ks = |gan: &ToyGan| {
                let x: Vec<f64> = read(gan.probe(&probe_z, &[0.0]).generated)
                    .into_iter()
                    .map(f64::from)
                    .collect();
                kolmogorov_smirnov(&x, |v| target.cdf(v)).statistic
            };
            let before = ks(&gan);
            for _ in 0..800 {
                let real: Vec<f32> = inverse_transform(&target, &mut data_rng, config.batch)
                    .into_iter()
                    .map(|v| v as f32)
                    .collect();
                gan.step(&real);
            }
            let after = ks(&gan);
            eprintln!(
                "{prior:?} prior: KS(P_model, P_data) {before:.3} before, {after:.3} after 800 steps"
            );
            assert!(
                before > 0.3,
                "{prior:?}: an untrained G is far from P_data: KS {before}"
            );
            assert!(after < 0.1, "{prior:?}: KS went from {before} to {after}");
            assert_eq!(gan.steps(), 800);
        }
    }
}
