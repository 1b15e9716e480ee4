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

/// The standard normal CDF Phi(x), through the complementary error function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function: Numerical Recipes' `erfcc` Chebyshev fit,
/// fractional error below 1.2e-7 everywhere.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The inverse standard normal CDF Phi^-1(p) for p in (0, 1): Acklam's rational
/// approximation (relative error < 1.2e-9) polished by one Halley step.
/// This is how an evenly spaced grid in (0, 1)^2 becomes the decoded manifold's z.
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // One Halley step against the CDF.
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The N(0, 1) density.
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
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
    fn quantiles_match_published_values() {
        // Standard normal table values.
        for (p, x) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.841_344_746_068_542_9, 1.0),
            (0.001, -3.090_232_306_167_813_5),
            (0.05, -1.644_853_626_951_472_2),
        ] {
            let got = normal_quantile(p);
            assert!((got - x).abs() < 1e-6, "Phi^-1({p}) = {got}, want {x}");
            assert!((normal_cdf(x) - p).abs() < 1e-7, "Phi({x})");
        }
    }

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
