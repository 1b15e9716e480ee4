//! VAE losses.
//!
//! Beta convention (the seed's Keras model): the reconstruction term is the binary
//! cross-entropy averaged over every pixel of an image, multiplied by `beta`; the KL
//! term is summed over latent dimensions; both are then averaged over the batch.
//! With beta 500 on 32x32 images the reconstruction weighs about half of the summed
//! per-pixel BCE, which is what keeps the 2-D latent space spread out.

use burn::prelude::*;
use burn::tensor::activation::softplus;

/// The three numbers a progress bar shows, as tensors so autodiff sees `total`.
#[derive(Debug, Clone)]
pub struct VaeLoss {
    pub total: Tensor<1>,
    /// `beta` times the mean per-pixel BCE, averaged over the batch.
    pub reconstruction: Tensor<1>,
    /// KL(q(z|x) || N(0, I)) summed over latent dims, averaged over the batch.
    pub kl: Tensor<1>,
}

/// Per-image mean binary cross-entropy between `targets` in [0, 1] and the decoder's
/// `logits`, computed from logits (softplus(l) - x l) so it never takes log(0).
pub fn bce_with_logits_per_image(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    let per_pixel = softplus(logits.clone(), 1.0) - targets * logits;
    let flat: Tensor<2> = per_pixel.flatten(1, 3);
    flat.mean_dim(1).flatten(0, 1)
}

/// KL divergence of N(mean, exp(log_var)) from N(0, I), summed over latent dims.
pub fn kl_per_image(z_mean: Tensor<2>, z_log_var: Tensor<2>) -> Tensor<1> {
    let terms = (z_log_var.clone() + 1.0) - z_mean.square() - z_log_var.exp();
    (terms.sum_dim(1) * -0.5).flatten(0, 1)
}

/// `beta * BCE + KL`, each averaged over the batch.
pub fn vae_loss(
    logits: Tensor<4>,
    targets: Tensor<4>,
    z_mean: Tensor<2>,
    z_log_var: Tensor<2>,
    beta: f64,
) -> VaeLoss {
    let reconstruction = bce_with_logits_per_image(logits, targets).mean() * beta;
    let kl = kl_per_image(z_mean, z_log_var).mean();
    VaeLoss {
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
