//! Sampling at GPU scale (millions of draws), defined once in plain Rust.
//!
//! A GPU kernel cannot call [`Continuous::quantile`] (bisection in f64, trait
//! objects), so a distribution reaches the kernels as a [`Table`]: its CDF and pdf
//! at [`TABLE_CELLS`] + 1 evenly spaced knots, in f32. Random numbers come from a
//! counter-based hash ([`uniform`]): draw `i` depends only on `(key, i)`, so a
//! million threads need no shared state and any slice of the stream can be made
//! on its own (the page draws in chunks).
//!
//! The functions here are the CPU side of latentlab-model's `scale` kernels, step
//! for step in the same f32 arithmetic: the page's CPU path runs them, and tests
//! compare the GPU's draws with them.

use crate::continuous::Continuous;

/// Cells in a [`Table`]: 2^10, so a kernel's bisection takes exactly 10 steps.
pub const TABLE_CELLS: usize = 1024;

/// A distribution tabulated for the kernels, truncated to its plotting range.
///
/// Inverse transform through the table samples the distribution whose CDF is the
/// straight line between knots; rejection sampling targets the pdf that is the
/// straight line between knots. Both agree with the true distribution at every
/// knot, so histogram bins whose edges are knots have exactly the true
/// probabilities (up to the truncation, which the table renormalises away).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub low: f32,
    pub high: f32,
    /// F at each knot, renormalised so that `cdf[0] = 0` and `cdf[TABLE_CELLS] = 1`.
    pub cdf: Vec<f32>,
    /// The (unnormalised) pdf at each knot.
    pub pdf: Vec<f32>,
}

impl Table {
    /// Tabulates `dist` over its [`Continuous::range`].
    pub fn of(dist: &impl Continuous) -> Self {
        Self::over(dist, dist.range())
    }

    /// Tabulates `dist` truncated to `(low, high)` (a page's plotting window).
    pub fn over(dist: &impl Continuous, (low, high): (f64, f64)) -> Self {
        let (f_low, f_high) = (dist.cdf(low), dist.cdf(high));
        let mass = (f_high - f_low).max(f64::MIN_POSITIVE);
        let knots: Vec<f64> = (0..=TABLE_CELLS)
            .map(|k| low + (high - low) * k as f64 / TABLE_CELLS as f64)
            .collect();
        let mut cdf: Vec<f32> = knots
            .iter()
            .map(|&x| ((dist.cdf(x) - f_low) / mass).clamp(0.0, 1.0) as f32)
            .collect();
        cdf[0] = 0.0;
        cdf[TABLE_CELLS] = 1.0;
        Self {
            low: low as f32,
            high: high as f32,
            cdf,
            pdf: knots.iter().map(|&x| dist.pdf(x) as f32).collect(),
        }
    }

    /// Width of one cell.
    pub fn step(&self) -> f32 {
        cell_width(self.low, self.high)
    }

    /// The table's inverse CDF at `u` in (0, 1): bisect for the cell with
    /// `cdf[k] <= u < cdf[k + 1]`, then interpolate linearly inside it.
    pub fn quantile(&self, u: f32) -> f32 {
        let (mut lo, mut hi) = (0usize, TABLE_CELLS);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.cdf[mid] <= u {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let width = self.cdf[lo + 1] - self.cdf[lo];
        let t = if width > 0.0 {
            (u - self.cdf[lo]) / width
        } else {
            0.0
        };
        self.low + (lo as f32 + t) * self.step()
    }

    /// What [`rejection_draws`] writes for a rejected proposal ([`rejected_marker`]).
    pub fn rejected(&self) -> f32 {
        rejected_marker(self.low, self.high)
    }

    /// The pdf interpolated linearly between knots; zero outside the range.
    pub fn density(&self, x: f32) -> f32 {
        let position = (x - self.low) / self.step();
        if !(position >= 0.0 && position < TABLE_CELLS as f32) {
            return 0.0;
        }
        let cell = position as usize;
        let t = position - cell as f32;
        self.pdf[cell] + t * (self.pdf[cell + 1] - self.pdf[cell])
    }

    /// P(bin) for `bins` equal bins over the range under inverse transform
    /// through the table (`bins` must divide [`TABLE_CELLS`]).
    pub fn inverse_bin_probabilities(&self, bins: usize) -> Result<Vec<f64>, String> {
        let per_bin = cells_per_bin(bins)?;
        Ok((0..bins)
            .map(|b| (self.cdf[(b + 1) * per_bin] - self.cdf[b * per_bin]) as f64)
            .collect())
    }

    /// P(bin) for accepted draws of rejection sampling with a valid envelope: the
    /// table's pdf integrated over each bin (exact: trapezoids between knots).
    pub fn rejection_bin_probabilities(&self, bins: usize) -> Result<Vec<f64>, String> {
        let per_bin = cells_per_bin(bins)?;
        let areas: Vec<f64> = (0..bins)
            .map(|b| {
                (b * per_bin..(b + 1) * per_bin)
                    .map(|k| 0.5 * (self.pdf[k] as f64 + self.pdf[k + 1] as f64))
                    .sum::<f64>()
            })
            .collect();
        let total: f64 = areas.iter().sum();
        if total <= 0.0 {
            return Err("the target density is zero everywhere in its range".into());
        }
        Ok(areas.into_iter().map(|a| a / total).collect())
    }
}

/// Width of one of a table's cells over `[low, high]` (what the kernels are given).
pub fn cell_width(low: f32, high: f32) -> f32 {
    (high - low) / TABLE_CELLS as f32
}

/// The value a rejected proposal is written as over `[low, high]`: finite, because
/// WGSL lets a GPU assume no NaN ever occurs, and a whole range-width below the
/// range, so [`histogram`] skips it.
pub fn rejected_marker(low: f32, high: f32) -> f32 {
    low - (high - low)
}

fn cells_per_bin(bins: usize) -> Result<usize, String> {
    if bins == 0 || !TABLE_CELLS.is_multiple_of(bins) {
        return Err(format!(
            "{bins} bins do not divide the table's {TABLE_CELLS} cells"
        ));
    }
    Ok(TABLE_CELLS / bins)
}

/// Chris Wellons' `lowbias32`: a 32-bit integer hash with strong avalanche, cheap
/// on any GPU (shifts, xors and two wrapping multiplies).
pub fn hash32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// The key of one random stream of a run: runs with other seeds, and the
/// streams of one run (x, u, ...), are unrelated.
pub fn stream_key(seed: u32, stream: u32) -> u32 {
    hash32(seed ^ hash32(stream.wrapping_add(0x9e37_79b9)))
}

/// Draw `index` of the stream `key`, uniform in (0, 1): 23 random bits plus half
/// a step, so neither 0 nor 1 comes out (both are exact in f32).
pub fn uniform(key: u32, index: u32) -> f32 {
    ((hash32(hash32(index) ^ key) >> 9) as f32 + 0.5) * (1.0 / 8_388_608.0)
}

/// The keys of a run's three streams, hashed once per run (not once per draw):
/// x (or u for inverse transform), the Box-Muller angle, and the acceptance u.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKeys {
    pub x: u32,
    pub angle: u32,
    pub accept: u32,
}

impl StreamKeys {
    pub fn new(seed: u32) -> Self {
        Self {
            x: stream_key(seed, 0),
            angle: stream_key(seed, 1),
            accept: stream_key(seed, 2),
        }
    }
}

/// Where rejection sampling proposes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Proposal {
    /// Uniform over the target table's range.
    Uniform,
    /// Normal(mean, sd), drawn by Box-Muller.
    Normal { mean: f32, sd: f32 },
}

impl Proposal {
    /// Proposal `index`: x and q(x).
    pub fn propose(self, table: &Table, keys: StreamKeys, index: u32) -> (f32, f32) {
        let u = uniform(keys.x, index);
        match self {
            Proposal::Uniform => {
                let width = table.high - table.low;
                (table.low + width * u, 1.0 / width)
            }
            Proposal::Normal { mean, sd } => {
                let angle = uniform(keys.angle, index);
                let radius = (-2.0 * u.ln()).sqrt();
                let z = radius * (std::f32::consts::TAU * angle).cos();
                let density = (-0.5 * z * z).exp() / (sd * 2.506_628_3);
                (mean + sd * z, density)
            }
        }
    }
}

/// Draws `first .. first + count` of inverse transform through `table`.
pub fn inverse_transform_draws(table: &Table, seed: u32, first: u32, count: u32) -> Vec<f32> {
    let key = StreamKeys::new(seed).x;
    (first..first + count)
        .map(|i| table.quantile(uniform(key, i)))
        .collect()
}

/// Proposals `first .. first + count` of rejection sampling under `m q(x)`: the
/// proposal x where accepted (`u m q(x) < p(x)`), [`Table::rejected`] where not.
pub fn rejection_draws(
    table: &Table,
    proposal: Proposal,
    m: f32,
    seed: u32,
    first: u32,
    count: u32,
) -> Vec<f32> {
    let keys = StreamKeys::new(seed);
    (first..first + count)
        .map(|i| {
            let (x, q) = proposal.propose(table, keys, i);
            if uniform(keys.accept, i) * m * q < table.density(x) {
                x
            } else {
                table.rejected()
            }
        })
        .collect()
}

/// Counts of `values` in `bins` equal bins over `[low, high)`; NaN and values
/// outside are not counted (the histogram kernel's rule).
pub fn histogram(values: &[f32], low: f32, high: f32, bins: u32) -> Vec<u32> {
    let scale = bins as f32 / (high - low);
    let mut counts = vec![0u32; bins as usize];
    for &x in values {
        let position = (x - low) * scale;
        if position >= 0.0 && position < bins as f32 {
            counts[position as usize] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Named, default_drawing};
    use crate::fit::{chi_square, kolmogorov_smirnov};

    fn named(name: &str) -> Named {
        Named::new(name, &default_drawing()).expect("a catalogue name")
    }

    #[test]
    fn uniforms_are_open_and_streams_differ() {
        let keys = StreamKeys::new(7);
        let (a, b) = (keys.x, keys.accept);
        assert_ne!(a, b);
        assert_ne!(keys.x, StreamKeys::new(8).x);
        let mut same = 0;
        for i in 0..100_000 {
            let (u, v) = (uniform(a, i), uniform(b, i));
            assert!(u > 0.0 && u < 1.0 && v > 0.0 && v < 1.0);
            same += usize::from(u == v);
        }
        assert!(same < 5, "{same} equal pairs across streams");
        assert!(uniform(a, u32::MAX) < 1.0);
    }

    #[test]
    fn table_quantile_inverts_the_tabulated_cdf() {
        let table = Table::of(&named("normal"));
        for k in [1, 100, 512, 900, 1023] {
            let u = table.cdf[k];
            let x = table.low + k as f32 * table.step();
            assert!((table.quantile(u) - x).abs() < 1e-4, "knot {k}");
        }
        assert!((table.quantile(0.5)).abs() < 1e-3);
        let q = table.quantile(0.975);
        assert!((q - 1.959_964).abs() < 2e-3, "{q}");
    }

    #[test]
    fn inverse_transform_draws_pass_chi_square_and_ks_for_every_name() {
        for name in ["uniform", "exponential", "normal", "mixture", "drawn"] {
            let dist = named(name);
            let table = Table::of(&dist);
            let draws = inverse_transform_draws(&table, 11, 0, 200_000);
            let counts = histogram(&draws, table.low, table.high, 64);
            let observed: Vec<usize> = counts.iter().map(|&c| c as usize).collect();
            let chi = chi_square(&observed, &table.inverse_bin_probabilities(64).unwrap());
            assert!(chi.p_value > 0.001, "{name}: {chi:?}");
            let samples: Vec<f64> = draws.iter().map(|&x| x as f64).collect();
            let ks = kolmogorov_smirnov(&samples, |x| dist.cdf(x));
            assert!(ks.p_value > 0.001, "{name}: {ks:?}");
        }
    }

    #[test]
    fn a_wrong_sampler_fails_the_same_tests() {
        // u^1.1 instead of u shifts every draw a little to the left: both tests must notice.
        let dist = named("normal");
        let table = Table::of(&dist);
        let key = StreamKeys::new(3).x;
        let draws: Vec<f32> = (0..100_000)
            .map(|i| table.quantile(uniform(key, i).powf(1.1)))
            .collect();
        let counts = histogram(&draws, table.low, table.high, 64);
        let observed: Vec<usize> = counts.iter().map(|&c| c as usize).collect();
        let chi = chi_square(&observed, &table.inverse_bin_probabilities(64).unwrap());
        assert!(chi.p_value < 1e-6, "{chi:?}");
        let samples: Vec<f64> = draws.iter().map(|&x| x as f64).collect();
        assert!(kolmogorov_smirnov(&samples, |x| dist.cdf(x)).p_value < 1e-6);
    }

    #[test]
    fn rejection_draws_accept_one_in_m_and_follow_the_target() {
        let target = named("mixture");
        let table = Table::of(&target);
        for (proposal, m) in [
            (Proposal::Uniform, 6.0),
            (Proposal::Normal { mean: 0.0, sd: 2.0 }, 2.5),
        ] {
            let draws = rejection_draws(&table, proposal, m, 5, 0, 400_000);
            let accepted: Vec<f64> = draws
                .iter()
                .filter(|&&x| x != table.rejected())
                .map(|&x| x as f64)
                .collect();
            let rate = accepted.len() as f64 / draws.len() as f64;
            assert!(
                (rate * m as f64 - 1.0).abs() < 0.02,
                "{proposal:?}: acceptance {rate} vs 1/M {}",
                1.0 / m
            );
            let counts = histogram(&draws, table.low, table.high, 64);
            let observed: Vec<usize> = counts.iter().map(|&c| c as usize).collect();
            let chi = chi_square(&observed, &table.rejection_bin_probabilities(64).unwrap());
            assert!(chi.p_value > 0.001, "{proposal:?}: {chi:?}");
            assert!(kolmogorov_smirnov(&accepted, |x| target.cdf(x)).p_value > 0.001);
        }
    }

    #[test]
    fn two_runs_are_one_distribution_and_a_skewed_run_is_not() {
        use crate::fit::two_sample_chi_square;
        let table = Table::of(&named("mixture"));
        let tally = |draws: &[f32]| -> Vec<u64> {
            histogram(draws, table.low, table.high, 64)
                .into_iter()
                .map(u64::from)
                .collect()
        };
        let a = tally(&inverse_transform_draws(&table, 1, 0, 200_000));
        let b = tally(&inverse_transform_draws(&table, 2, 0, 300_000));
        let same = two_sample_chi_square(&a, &b);
        assert!(same.p_value > 0.001, "{same:?}");
        assert!(same.degrees_of_freedom > 50, "{same:?}");
        let key = StreamKeys::new(2).x;
        let skewed: Vec<f32> = (0..300_000)
            .map(|i| table.quantile(uniform(key, i).powf(1.1)))
            .collect();
        assert!(two_sample_chi_square(&a, &tally(&skewed)).p_value < 1e-6);
    }

    #[test]
    fn chunks_of_a_run_are_the_run() {
        let table = Table::of(&named("exponential"));
        let whole = inverse_transform_draws(&table, 9, 0, 1000);
        let mut parts = inverse_transform_draws(&table, 9, 0, 400);
        parts.extend(inverse_transform_draws(&table, 9, 400, 600));
        assert_eq!(whole, parts);
    }

    #[test]
    fn histogram_skips_nan_and_outside_and_bins_must_divide_the_table() {
        let counts = histogram(&[0.0, 0.49, 0.5, 0.99, 1.0, -0.1, f32::NAN], 0.0, 1.0, 2);
        assert_eq!(counts, vec![2, 2]);
        let table = Table::of(&named("uniform"));
        assert!(table.inverse_bin_probabilities(100).is_err());
        let p = table.inverse_bin_probabilities(16).unwrap();
        assert!(p.iter().all(|&p| (p - 1.0 / 16.0).abs() < 1e-6));
    }
}
