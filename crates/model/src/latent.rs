//! Latent vectors that native code and the browser must draw identically.
//!
//! `burn`'s random tensors depend on the backend's generator, so a grid decoded on the
//! CPU and on WebGPU would differ. `latentlab-sampling`'s seeded generator
//! (SplitMix64 and Box-Muller in f64) gives the same z everywhere, which is what lets
//! the parity test compare native and browser decodes of the same samples.

pub use latentlab_sampling::SeededRng;
pub use latentlab_sampling::normal::{normal_cdf, normal_pdf, normal_quantile};

/// `count` latent vectors of `dim` N(0, 1) values each, row-major, scaled by
/// `temperature` (1.0 samples the prior itself).
pub fn normal_latents(seed: u64, count: usize, dim: usize, temperature: f64) -> Vec<f32> {
    let mut rng = SeededRng::new(seed);
    (0..count * dim)
        .map(|_| (rng.next_normal() * temperature) as f32)
        .collect()
}

/// `n * n` latent points of the 2-D decoded manifold: the evenly spaced grid
/// `(i + 0.5) / n` in (0, 1)^2 pushed through Phi^-1, rows from top (high z2) to bottom.
pub fn manifold_grid(n: usize) -> Vec<f32> {
    let quantile = |i: usize| normal_quantile((i as f64 + 0.5) / n as f64) as f32;
    let mut z = Vec::with_capacity(n * n * 2);
    for row in 0..n {
        for col in 0..n {
            z.push(quantile(col));
            z.push(quantile(n - 1 - row));
        }
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifold_grid_is_symmetric_and_ordered() {
        let z = manifold_grid(3);
        assert_eq!(z.len(), 18);
        assert!(
            z[8].abs() < 1e-6,
            "centre cell is the origin (z1): {}",
            z[8]
        );
        assert!(z[0] < 0.0 && z[1] > 0.0, "top-left: low z1, high z2");
        assert!((z[0] + z[4]).abs() < 1e-6, "symmetric in z1");
    }

    #[test]
    fn same_seed_same_latents_and_different_seed_differs() {
        assert_eq!(normal_latents(7, 4, 3, 1.0), normal_latents(7, 4, 3, 1.0));
        assert_ne!(normal_latents(7, 4, 3, 1.0), normal_latents(8, 4, 3, 1.0));
    }

    #[test]
    fn draws_look_standard_normal() {
        let z = normal_latents(1, 20_000, 1, 1.0);
        let n = z.len() as f64;
        let mean = z.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = z.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        // Standard errors: 0.007 for the mean, 0.01 for the variance.
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.04, "variance {var}");
    }
}
