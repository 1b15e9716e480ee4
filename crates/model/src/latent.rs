//! Latent vectors that native code and the browser must draw identically.
//!
//! `burn`'s random tensors depend on the backend's generator, so a grid decoded on the
//! CPU and on WebGPU would differ. `latentlab-sampling`'s seeded generator
//! (SplitMix64 and Box-Muller in f64) gives the same z everywhere, which is what lets
//! the parity test compare native and browser decodes of the same samples.

pub use latentlab_sampling::SeededRng;

use crate::gan::Prior;
pub use latentlab_sampling::normal::{normal_cdf, normal_pdf, normal_quantile};

/// Face `id`'s latent: `dim` N(0, 1) values from the generator seeded with `id`,
/// scaled by `temperature`. One number names one face, so a face can be shared in a
/// URL or typed into a field, and the CLI and the page draw the same one.
pub fn face_latent(id: u64, dim: usize, temperature: f64) -> Vec<f32> {
    prior_latent(Prior::Normal, id, dim, temperature)
}

/// Faces `first`, `first + 1`, ..., `first + count - 1` (see [`face_latent`]), row-major.
pub fn normal_latents(first: u64, count: usize, dim: usize, temperature: f64) -> Vec<f32> {
    prior_latents(Prior::Normal, first, count, dim, temperature)
}

/// Face `id`'s latent under `prior` (a GAN's may be uniform): the same generator
/// seeded with `id`, so under N(0, 1) this is exactly [`face_latent`].
pub fn prior_latent(prior: Prior, id: u64, dim: usize, temperature: f64) -> Vec<f32> {
    let mut rng = SeededRng::new(id);
    (0..dim)
        .map(|_| (prior.draw(&mut rng) * temperature) as f32)
        .collect()
}

/// Faces `first .. first + count` under `prior` (see [`prior_latent`]), row-major.
pub fn prior_latents(
    prior: Prior,
    first: u64,
    count: usize,
    dim: usize,
    temperature: f64,
) -> Vec<f32> {
    (0..count as u64)
        .flat_map(|i| prior_latent(prior, first.wrapping_add(i), dim, temperature))
        .collect()
}

/// One draw of z per posterior, the way the VAE samples it in training:
/// `mean + exp(log_var / 2) * noise`, noise from the generator seeded with `seed`.
/// `means` and `log_vars` share one row-major layout. A dimension the model ignores has
/// mean 0 and variance 1, so its samples follow the prior while its means pile up at 0:
/// drawing both is how the statistics page tells the two apart.
pub fn posterior_samples(means: &[f32], log_vars: &[f32], seed: u64) -> Vec<f32> {
    let mut rng = SeededRng::new(seed);
    means
        .iter()
        .zip(log_vars)
        .map(|(&mean, &log_var)| {
            (f64::from(mean) + (0.5 * f64::from(log_var)).exp() * rng.next_normal()) as f32
        })
        .collect()
}

/// How to travel from one latent to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    /// The straight line `(1 - t) a + t b`.
    Linear,
    /// The great circle (scaled by the interpolated norm). Samples from N(0, I) in
    /// many dimensions live near a sphere of radius sqrt(dim); the straight line cuts
    /// through its low-norm interior, where decodes turn grey and bland.
    Spherical,
}

/// The point at `t` in [0, 1] between `a` and `b` (equal lengths).
pub fn interpolate(a: &[f32], b: &[f32], t: f32, how: Interpolation) -> Vec<f32> {
    let lerp = |x: f32, y: f32| x + (y - x) * t;
    match how {
        Interpolation::Linear => a.iter().zip(b).map(|(&x, &y)| lerp(x, y)).collect(),
        Interpolation::Spherical => {
            let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
            let (na, nb) = (norm(a), norm(b));
            let cos = a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb);
            let omega = cos.clamp(-1.0, 1.0).acos();
            // Nearly parallel (or a zero vector): the arc is the line.
            if !omega.is_finite() || omega.sin().abs() < 1e-4 || na == 0.0 || nb == 0.0 {
                return interpolate(a, b, t, Interpolation::Linear);
            }
            let (wa, wb) = (
                ((1.0 - t) * omega).sin() / omega.sin(),
                (t * omega).sin() / omega.sin(),
            );
            // Walk the unit arc, then scale to the interpolated norm.
            let scale = lerp(na, nb);
            a.iter()
                .zip(b)
                .map(|(&x, &y)| (wa * x / na + wb * y / nb) * scale)
                .collect()
        }
    }
}

/// `z + sum(alpha_i * v_i)`: steering a latent along attribute vectors.
pub fn steer<'a>(z: &[f32], moves: impl IntoIterator<Item = (f32, &'a [f32])>) -> Vec<f32> {
    let mut out = z.to_vec();
    for (alpha, vector) in moves {
        for (o, v) in out.iter_mut().zip(vector) {
            *o += alpha * v;
        }
    }
    out
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
    fn posterior_samples_follow_each_posterior() {
        let n = 20_000;
        // Column 0: N(2, 0.25) (log-variance ln 0.25); column 1: the prior N(0, 1).
        let means: Vec<f32> = (0..n).flat_map(|_| [2.0, 0.0]).collect();
        let log_vars: Vec<f32> = (0..n).flat_map(|_| [0.25f32.ln(), 0.0]).collect();
        let z = posterior_samples(&means, &log_vars, 7);
        assert_eq!(z, posterior_samples(&means, &log_vars, 7), "seeded");
        for (column, (mean, var)) in [(2.0, 0.25), (0.0, 1.0)].into_iter().enumerate() {
            let xs: Vec<f64> = z
                .iter()
                .skip(column)
                .step_by(2)
                .map(|&v| f64::from(v))
                .collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64;
            assert!((m - mean).abs() < 0.03, "column {column}: mean {m}");
            assert!(
                (v - var).abs() < 0.05 * var,
                "column {column}: variance {v}"
            );
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
    fn latents_are_named_by_face_id() {
        let grid = normal_latents(10, 3, 4, 1.0);
        assert_eq!(&grid[4..8], face_latent(11, 4, 1.0).as_slice());
        assert_eq!(face_latent(11, 4, 0.5)[0], face_latent(11, 4, 1.0)[0] * 0.5);
    }

    #[test]
    fn interpolation_ends_at_both_endpoints() {
        let (a, b) = (face_latent(1, 50, 1.0), face_latent(2, 50, 1.0));
        for how in [Interpolation::Linear, Interpolation::Spherical] {
            for (t, want) in [(0.0, &a), (1.0, &b)] {
                let got = interpolate(&a, &b, t, how);
                let err = got
                    .iter()
                    .zip(want)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0, f32::max);
                assert!(err < 1e-5, "{how:?} at {t}: {err}");
            }
        }
    }

    #[test]
    fn spherical_midpoint_keeps_the_norm_linear_shrinks_it() {
        let (a, b) = (face_latent(1, 200, 1.0), face_latent(2, 200, 1.0));
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let (na, nb) = (norm(&a), norm(&b));
        let slerp = norm(&interpolate(&a, &b, 0.5, Interpolation::Spherical));
        let lerp = norm(&interpolate(&a, &b, 0.5, Interpolation::Linear));
        assert!(
            (slerp - (na + nb) / 2.0).abs() < 1e-3,
            "slerp {slerp} vs {na}, {nb}"
        );
        // Two nearly orthogonal vectors: the chord's middle is about 1/sqrt(2) as long.
        assert!(lerp < 0.8 * slerp, "lerp {lerp} vs slerp {slerp}");
    }

    #[test]
    fn steer_adds_scaled_vectors() {
        let v1 = [1.0, 0.0];
        let v2 = [0.0, 2.0];
        let moved = steer(&[0.5, 0.5], [(2.0, &v1[..]), (-1.0, &v2[..])]);
        assert_eq!(moved, vec![2.5, -1.5]);
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
