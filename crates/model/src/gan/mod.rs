//! GANs: the latent prior z is drawn from, the non-saturating GAN loss, the DCGAN
//! (`dcgan`), a moving average of a generator's weights (`average`), and a 1-D GAN small enough to train live in the page (`toy`, with the
//! `autodiff` feature).
//!
//! The prior is a setting of a GAN, not something it learns: the generator G maps z
//! (always drawn from the same prior) to data, and only G changes during training.

pub mod average;
pub mod dcgan;
#[cfg(feature = "autodiff")]
pub mod toy;

use burn::prelude::*;
use burn::tensor::activation::softplus;
use latentlab_sampling::SeededRng;
use serde::{Deserialize, Serialize};

/// Where z comes from: every coordinate independent.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Prior {
    /// U(-1, 1).
    Uniform,
    /// N(0, 1).
    Normal,
}

impl Prior {
    pub const ALL: [Prior; 2] = [Prior::Uniform, Prior::Normal];

    pub fn name(self) -> &'static str {
        match self {
            Prior::Uniform => "uniform",
            Prior::Normal => "normal",
        }
    }

    pub fn from_name(name: &str) -> Option<Prior> {
        Prior::ALL.into_iter().find(|p| p.name() == name)
    }

    /// One coordinate drawn from `rng`.
    pub fn draw(self, rng: &mut SeededRng) -> f64 {
        match self {
            Prior::Uniform => 2.0 * rng.next_open01() - 1.0,
            Prior::Normal => rng.next_normal(),
        }
    }

    /// `count` draws, in order from `rng` (so a seed gives the same z everywhere).
    pub fn sample(self, rng: &mut SeededRng, count: usize) -> Vec<f32> {
        (0..count).map(|_| self.draw(rng) as f32).collect()
    }

    /// The prior's density at `z` (one coordinate).
    pub fn pdf(self, z: f64) -> f64 {
        match self {
            Prior::Uniform => {
                if (-1.0..=1.0).contains(&z) {
                    0.5
                } else {
                    0.0
                }
            }
            Prior::Normal => crate::latent::normal_pdf(z),
        }
    }
}

/// The discriminator's loss: -log D(x) on real data plus -log(1 - D(G(z))) on
/// generated data, from logits (log D = -softplus(-l), log(1 - D) = -softplus(l)).
pub fn discriminator_loss(real_logits: Tensor<2>, fake_logits: Tensor<2>) -> Tensor<1> {
    softplus(-real_logits, 1.0).mean() + softplus(fake_logits, 1.0).mean()
}

/// The generator's non-saturating loss -log D(G(z)): strong gradients exactly when
/// the discriminator rejects G's samples, unlike log(1 - D(G(z))), which flattens there.
pub fn generator_loss(fake_logits: Tensor<2>) -> Tensor<1> {
    softplus(-fake_logits, 1.0).mean()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(t: Tensor<1>) -> f32 {
        t.into_scalar::<f32>()
    }

    #[test]
    fn priors_draw_what_they_say_and_names_round_trip() {
        let mut rng = SeededRng::new(5);
        let uniform = Prior::Uniform.sample(&mut rng, 20_000);
        assert!(uniform.iter().all(|z| (-1.0..=1.0).contains(z)));
        let normal = Prior::Normal.sample(&mut rng, 20_000);
        let mean = normal.iter().sum::<f32>() / 20_000.0;
        let var = normal.iter().map(|z| (z - mean).powi(2)).sum::<f32>() / 20_000.0;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
        assert!(normal.iter().any(|z| z.abs() > 2.5), "a Gaussian has tails");
        assert_eq!(Prior::Uniform.pdf(0.3), 0.5);
        assert_eq!(Prior::Uniform.pdf(1.5), 0.0);
        for prior in Prior::ALL {
            assert_eq!(Prior::from_name(prior.name()), Some(prior));
        }
    }

    #[test]
    fn the_losses_are_the_cross_entropies_they_claim() {
        let device = Device::flex();
        let logits = |v: Vec<f32>| {
            let n = v.len();
            Tensor::<2>::from_data(TensorData::new(v, [n, 1]), &device)
        };
        // D undecided (logit 0, D = 1/2) on both: ln 2 + ln 2.
        let undecided = scalar(discriminator_loss(
            logits(vec![0.0; 4]),
            logits(vec![0.0; 4]),
        ));
        assert!((undecided - 2.0 * std::f32::consts::LN_2).abs() < 1e-6);
        // A confident, right D costs little; a confident, wrong one a lot.
        let right = scalar(discriminator_loss(logits(vec![8.0]), logits(vec![-8.0])));
        let wrong = scalar(discriminator_loss(logits(vec![-8.0]), logits(vec![8.0])));
        assert!(right < 1e-3 && wrong > 15.0, "{right} {wrong}");
        // G's loss -log D(G(z)) falls as D believes its samples more.
        let fooled = scalar(generator_loss(logits(vec![4.0])));
        let caught = scalar(generator_loss(logits(vec![-4.0])));
        assert!(fooled < 0.02 && caught > 4.0, "{fooled} {caught}");
    }
}
