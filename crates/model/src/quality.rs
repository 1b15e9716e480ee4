//! Quality figures of a generative model that a number can catch: how many latent
//! dimensions carry information, and whether samples differ from one another as much
//! as real images do (a collapsed VAE decodes every z to the same average face).

use serde::{Deserialize, Serialize};

/// A latent dimension is active when its mean KL on held-out images exceeds this
/// (nats): below it the posterior is the prior and the decoder ignores it.
pub const ACTIVE_KL_NATS: f64 = 0.01;

/// The figures `latentlab eval` stores in a face model's manifest.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Quality {
    /// Held-out images the figures come from (the validation partition).
    pub images: usize,
    /// The training objective on them, and its two parts.
    pub loss: f64,
    pub reconstruction: f64,
    pub kl: f64,
    /// Mean squared pixel error of decode(posterior mean), pixels in [0, 1].
    pub reconstruction_mse: f64,
    /// Mean KL of each latent dimension (nats).
    pub kl_per_dim: Vec<f64>,
    /// Dimensions whose mean KL exceeds [`ACTIVE_KL_NATS`].
    pub active_dims: usize,
    /// Mean pairwise RMS pixel distance of decoded prior samples...
    pub sample_diversity: f64,
    /// ...and of as many real held-out images.
    pub data_diversity: f64,
    /// `sample_diversity / data_diversity`: near 0 for a collapsed model, near 1 when
    /// samples differ as much as real images do.
    pub diversity_ratio: f64,
}

/// How close a face model's images are to real faces, in the features of an
/// ImageNet network (written by `latentlab eval`, stored in the manifest). Lower is
/// closer; both distances depend on the network and the Fréchet distance also on the
/// number of images, so they compare only with figures of the same network and count
/// (not with published Inception FIDs).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Fidelity {
    /// The feature network and how images reach it.
    pub features: String,
    /// Images in every set compared.
    pub images: usize,
    /// The real images every set is compared with.
    pub reference: String,
    /// Decoded prior samples (the faces a visitor sees).
    pub samples: Distances,
    /// Reconstructions of other held-out images (autoencoders only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconstructions: Option<Distances>,
    /// Real training images against the reference: what a perfect model would score
    /// with this many images.
    pub floor: Distances,
    /// The seed that chose the images and the samples.
    pub seed: u64,
}

/// Two distances between sets of feature vectors (see `latentlab_sampling::frechet`).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct Distances {
    /// Fréchet distance of the fitted Gaussians.
    pub frechet: f64,
    /// Kernel distance (unbiased MMD² under a cubic kernel).
    pub kernel: f64,
}

/// Mean KL(N(mu, exp(log_var)) || N(0, 1)) of each dimension over the rows of
/// `[n, dim]` posterior means and log variances.
pub fn kl_per_dimension(means: &[f32], log_vars: &[f32], dim: usize) -> Vec<f64> {
    let rows = means.len() / dim.max(1);
    let mut sums = vec![0.0f64; dim];
    for (mu_row, lv_row) in means.chunks_exact(dim).zip(log_vars.chunks_exact(dim)) {
        for ((sum, &mu), &lv) in sums.iter_mut().zip(mu_row).zip(lv_row) {
            let (mu, lv) = (f64::from(mu), f64::from(lv));
            *sum += 0.5 * (mu * mu + lv.exp() - lv - 1.0);
        }
    }
    sums.into_iter().map(|s| s / rows.max(1) as f64).collect()
}

/// How many dimensions are active (see [`ACTIVE_KL_NATS`]).
pub fn active_dimensions(kl_per_dim: &[f64]) -> usize {
    kl_per_dim.iter().filter(|&&kl| kl > ACTIVE_KL_NATS).count()
}

/// Mean over all pairs of the RMS difference between images (rows of `pixels`,
/// `per_image` values each): 0 when every image is the same.
pub fn mean_pairwise_distance(pixels: &[f32], per_image: usize) -> f64 {
    let images: Vec<&[f32]> = pixels.chunks_exact(per_image).collect();
    let mut total = 0.0f64;
    let mut pairs = 0usize;
    for (i, a) in images.iter().enumerate() {
        for b in &images[i + 1..] {
            let squared: f64 = a
                .iter()
                .zip(b.iter())
                .map(|(&x, &y)| f64::from(x - y).powi(2))
                .sum();
            total += (squared / per_image as f64).sqrt();
            pairs += 1;
        }
    }
    if pairs == 0 {
        0.0
    } else {
        total / pairs as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_posteriors_have_no_kl_and_informative_ones_do() {
        // Dimension 0 follows the prior exactly; dimension 1 has means +-2, variance 0.1.
        let means = [0.0, 2.0, 0.0, -2.0];
        let log_vars = [0.0, 0.1f32.ln(), 0.0, 0.1f32.ln()];
        let kl = kl_per_dimension(&means, &log_vars, 2);
        assert!(kl[0].abs() < 1e-12, "{kl:?}");
        let want = 0.5 * (4.0 + 0.1 - 0.1f64.ln() - 1.0);
        assert!((kl[1] - want).abs() < 1e-6, "{kl:?}");
        assert_eq!(active_dimensions(&kl), 1);
        assert_eq!(active_dimensions(&[0.009, 0.011, 3.0]), 2);
    }

    #[test]
    fn identical_images_have_no_diversity() {
        let same = [0.3f32; 4 * 6];
        assert_eq!(mean_pairwise_distance(&same, 6), 0.0);
        // Two images differing by 1 in every pixel: RMS distance 1.
        let pair = [0.0, 0.0, 1.0, 1.0];
        assert!((mean_pairwise_distance(&pair, 2) - 1.0).abs() < 1e-12);
        // Three images at 0, 0, 1: pairs 0, 1, 1 -> mean 2/3.
        let three = [0.0, 0.0, 1.0];
        assert!((mean_pairwise_distance(&three, 1) - 2.0 / 3.0).abs() < 1e-12);
    }
}
