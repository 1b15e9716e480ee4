//! Losses of every zoo model.
//!
//! Beta convention (the seed's Keras models): the reconstruction term is averaged over
//! every pixel of an image and multiplied by `beta`; the KL term is summed over latent
//! dimensions; both are then averaged over the batch. So `beta = 500` on 32x32 Fashion
//! images weighs reconstruction at about half the summed per-pixel BCE (which keeps
//! the 2-D latent space spread out), `beta = 2000` on 64x64x3 faces does the same for
//! MSE, and `beta = pixels` (784 for MNIST, 560 for Frey) gives the summed per-image
//! likelihood of the PyTorch example and of the VAE paper, i.e. the negative ELBO.
//! A plain autoencoder has no KL term and `beta = 1`: its loss is the mean per-pixel
//! reconstruction error.

use burn::prelude::*;
use burn::tensor::activation::{sigmoid, softplus};

use crate::objective::{Objective, Reconstruction};
use crate::zoo::ForwardOutput;

/// Log variance bounds of a Gaussian decoder: without them the likelihood of the
/// constant border pixels of Frey faces runs off to infinity as the variance -> 0.
const PIXEL_LOG_VAR_RANGE: (f32, f32) = (-7.0, 7.0);

/// The three numbers a progress bar shows, as tensors so autodiff sees `total`.
#[derive(Debug, Clone)]
pub struct Loss {
    pub total: Tensor<1>,
    /// `beta` times the mean per-pixel reconstruction error, averaged over the batch.
    pub reconstruction: Tensor<1>,
    /// KL(q(z|x) || N(0, I)) summed over latent dims, averaged over the batch; zero
    /// for a plain autoencoder.
    pub kl: Tensor<1>,
}

/// Per-image mean binary cross-entropy between `targets` in [0, 1] and the decoder's
/// `logits`, computed from logits (softplus(l) - x l) so it never takes log(0).
pub fn bce_with_logits_per_image(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    if crate::blocks::fused_on(&logits.device()) {
        return crate::blocks::bce_logits_per_image(logits, targets);
    }
    let per_pixel = softplus(logits.clone(), 1.0) - targets * logits;
    mean_per_image(per_pixel)
}

/// Per-image mean squared error.
pub fn mse_per_image(decoded: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    mean_per_image((decoded - targets).square())
}

/// Per-image mean Gaussian negative log-likelihood with mean sigmoid(logits).
pub fn gaussian_nll_per_image(
    logits: Tensor<4>,
    log_var: Tensor<4>,
    targets: Tensor<4>,
) -> Tensor<1> {
    let (low, high) = PIXEL_LOG_VAR_RANGE;
    let log_var = log_var.clamp(low, high);
    let squared = (sigmoid(logits) - targets).square();
    let per_pixel =
        (log_var.clone() + squared * (-log_var).exp() + (2.0 * std::f32::consts::PI).ln()) * 0.5;
    mean_per_image(per_pixel)
}

fn mean_per_image(per_pixel: Tensor<4>) -> Tensor<1> {
    let flat: Tensor<2> = per_pixel.flatten(1, 3);
    flat.mean_dim(1).flatten(0, 1)
}

/// KL divergence of N(mean, exp(log_var)) from N(0, I), summed over latent dims.
pub fn kl_per_image(z_mean: Tensor<2>, z_log_var: Tensor<2>) -> Tensor<1> {
    let terms = (z_log_var.clone() + 1.0) - z_mean.square() - z_log_var.exp();
    (terms.sum_dim(1) * -0.5).flatten(0, 1)
}

/// The model's mean per-pixel reconstruction error of each image, by its objective.
pub fn reconstruction_per_image(
    reconstruction: Reconstruction,
    out: &ForwardOutput,
    targets: Tensor<4>,
) -> Tensor<1> {
    match (reconstruction, &out.pixel_log_var) {
        (Reconstruction::Bce, _) => bce_with_logits_per_image(out.logits.clone(), targets),
        (Reconstruction::Gaussian, Some(log_var)) => {
            gaussian_nll_per_image(out.logits.clone(), log_var.clone(), targets)
        }
        (Reconstruction::Mse, _) | (Reconstruction::Gaussian, None)
            if out.sigmoid_output && crate::blocks::fused_on(&out.logits.device()) =>
        {
            crate::blocks::sigmoid_mse_per_image(out.logits.clone(), targets)
        }
        (Reconstruction::Mse, _) | (Reconstruction::Gaussian, None) => {
            let decoded = if out.sigmoid_output {
                sigmoid(out.logits.clone())
            } else {
                out.logits.clone()
            };
            mse_per_image(decoded, targets)
        }
    }
}

/// Per-image `(reconstruction, kl)` before weighting: eval sums these into nats.
pub fn loss_parts_per_image(
    objective: &Objective,
    out: &ForwardOutput,
    targets: Tensor<4>,
) -> (Tensor<1>, Tensor<1>) {
    let reconstruction = reconstruction_per_image(objective.reconstruction, out, targets);
    let kl = match &out.z_log_var {
        Some(log_var) => kl_per_image(out.z_mean.clone(), log_var.clone()),
        None => reconstruction.zeros_like(),
    };
    (reconstruction, kl)
}

/// `beta * reconstruction + KL`, each averaged over the batch (see the module docs).
pub fn objective_loss(objective: &Objective, out: &ForwardOutput, targets: Tensor<4>) -> Loss {
    let (reconstruction, kl) = loss_parts_per_image(objective, out, targets);
    let reconstruction = reconstruction.mean() * objective.beta;
    let kl = kl.mean();
    Loss {
        total: reconstruction.clone() + kl.clone(),
        reconstruction,
        kl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-5
    }

    #[test]
    fn bce_matches_the_textbook_formula() {
        let device = Device::flex();
        let logits = Tensor::<4>::from_floats([[[[0.0, 2.0], [-3.0, 0.5]]]], &device);
        let targets = Tensor::<4>::from_floats([[[[1.0, 0.0], [0.25, 1.0]]]], &device);
        let got: f32 = bce_with_logits_per_image(logits, targets).into_scalar();
        let p = |l: f32| 1.0 / (1.0 + (-l).exp());
        let bce = |x: f32, l: f32| -(x * p(l).ln() + (1.0 - x) * (1.0 - p(l)).ln());
        let want = (bce(1.0, 0.0) + bce(0.0, 2.0) + bce(0.25, -3.0) + bce(1.0, 0.5)) / 4.0;
        assert!(close(got, want), "{got} vs {want}");
    }

    #[test]
    fn gaussian_nll_matches_the_density() {
        let device = Device::flex();
        let logits = Tensor::<4>::from_floats([[[[0.0, 1.0]]]], &device);
        let log_var = Tensor::<4>::from_floats([[[[0.0, -2.0]]]], &device);
        let targets = Tensor::<4>::from_floats([[[[0.2, 0.9]]]], &device);
        let got: f32 = gaussian_nll_per_image(logits, log_var, targets).into_scalar();
        let nll = |x: f32, l: f32, lv: f32| {
            let mean = 1.0 / (1.0 + (-l).exp());
            let var = lv.exp();
            -(-(x - mean).powi(2) / (2.0 * var) - 0.5 * (2.0 * std::f32::consts::PI * var).ln())
        };
        let want = (nll(0.2, 0.0, 0.0) + nll(0.9, 1.0, -2.0)) / 2.0;
        assert!(close(got, want), "{got} vs {want}");
    }

    #[test]
    fn mse_is_the_mean_squared_difference() {
        let device = Device::flex();
        let a = Tensor::<4>::from_floats([[[[0.0, 1.0], [0.5, 0.5]]]], &device);
        let b = Tensor::<4>::from_floats([[[[1.0, 1.0], [0.0, 0.5]]]], &device);
        let got: f32 = mse_per_image(a, b).into_scalar();
        assert!(close(got, (1.0 + 0.25) / 4.0), "{got}");
    }

    #[test]
    fn kl_is_zero_for_the_prior_and_positive_otherwise() {
        let device = Device::flex();
        let zero = Tensor::<2>::zeros([1, 3], &device);
        let at_prior: f32 = kl_per_image(zero.clone(), zero.clone()).into_scalar();
        assert!(close(at_prior, 0.0));
        let mean = Tensor::<2>::from_floats([[1.0, 0.0, -2.0]], &device);
        let got: f32 = kl_per_image(mean, zero).into_scalar();
        // KL = 0.5 * sum(mean^2) when the variance is 1.
        assert!(close(got, 2.5), "{got}");
    }
}
