//! Latent vectors that native code and the browser must draw identically.
//!
//! `burn`'s random tensors depend on the backend's generator, so a grid decoded on the
//! CPU and on WebGPU would differ. This small seeded generator (SplitMix64 and
//! Box-Muller in f64) gives the same z everywhere, which is what lets the parity test
//! compare native and browser decodes of the same samples.

/// A tiny deterministic generator; not for cryptography.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits (SplitMix64).
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in the open interval (0, 1), so `ln` never sees zero.
    pub fn next_open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// One standard normal draw (Box-Muller, cosine branch).
    pub fn next_normal(&mut self) -> f64 {
        let u1 = self.next_open01();
        let u2 = self.next_open01();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// `count` latent vectors of `dim` N(0, 1) values each, row-major, scaled by
/// `temperature` (1.0 samples the prior itself).
pub fn normal_latents(seed: u64, count: usize, dim: usize, temperature: f64) -> Vec<f32> {
    let mut rng = SeededRng::new(seed);
    (0..count * dim)
        .map(|_| (rng.next_normal() * temperature) as f32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
