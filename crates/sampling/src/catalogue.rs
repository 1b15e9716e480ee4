//! The distributions the teaching pages offer by name, as one type, plus what the
//! pages compute about them (the smallest valid rejection envelope, histograms
//! against the density).

use crate::continuous::{Continuous, Exponential, Mixture, Normal, PiecewiseLinear, Uniform};

/// Where a hand-drawn density lives, and how many evenly spaced heights define it.
pub const DRAWN_RANGE: (f64, f64) = (-4.0, 4.0);
pub const DRAWN_KNOTS: usize = 33;

/// A distribution chosen on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Named {
    Uniform(Uniform),
    Exponential(Exponential),
    Normal(Normal),
    Mixture(Mixture),
    Drawn(PiecewiseLinear),
}

/// The page's names, in menu order.
pub const NAMES: [&str; 5] = ["uniform", "exponential", "normal", "mixture", "drawn"];

impl Named {
    /// `name` from [`NAMES`]; `drawn` are the [`DRAWN_KNOTS`] heights of a drawn pdf.
    pub fn new(name: &str, drawn: &[f64]) -> Result<Self, String> {
        Ok(match name {
            "uniform" => Named::Uniform(Uniform {
                low: -2.0,
                high: 2.0,
            }),
            "exponential" => Named::Exponential(Exponential { rate: 1.0 }),
            "normal" => Named::Normal(Normal { mean: 0.0, sd: 1.0 }),
            "mixture" => Named::Mixture(bimodal()),
            "drawn" => Named::Drawn(drawn_density(drawn)?),
            other => return Err(format!("unknown distribution {other:?}")),
        })
    }

    fn inner(&self) -> &dyn Continuous {
        match self {
            Named::Uniform(d) => d,
            Named::Exponential(d) => d,
            Named::Normal(d) => d,
            Named::Mixture(d) => d,
            Named::Drawn(d) => d,
        }
    }
}

impl Continuous for Named {
    fn pdf(&self, x: f64) -> f64 {
        self.inner().pdf(x)
    }
    fn cdf(&self, x: f64) -> f64 {
        self.inner().cdf(x)
    }
    fn quantile(&self, p: f64) -> f64 {
        self.inner().quantile(p)
    }
    fn range(&self) -> (f64, f64) {
        self.inner().range()
    }
}

/// The bimodal target of the seed notebook's rejection-sampling example.
pub fn bimodal() -> Mixture {
    Mixture::new(&[
        (
            0.35,
            Normal {
                mean: -1.5,
                sd: 0.5,
            },
        ),
        (0.65, Normal { mean: 1.2, sd: 0.8 }),
    ])
    .expect("valid constants")
}

/// The density through `heights` at [`DRAWN_KNOTS`] evenly spaced x in [`DRAWN_RANGE`].
pub fn drawn_density(heights: &[f64]) -> Result<PiecewiseLinear, String> {
    if heights.len() != DRAWN_KNOTS {
        return Err(format!(
            "a drawn density has {DRAWN_KNOTS} heights, got {}",
            heights.len()
        ));
    }
    let (low, high) = DRAWN_RANGE;
    let step = (high - low) / (DRAWN_KNOTS - 1) as f64;
    let points: Vec<(f64, f64)> = heights
        .iter()
        .enumerate()
        .map(|(i, &h)| (low + step * i as f64, h.max(0.0)))
        .collect();
    PiecewiseLinear::new(&points)
}

/// A default drawing (a lopsided hill) so the page has a shape before anyone draws.
pub fn default_drawing() -> Vec<f64> {
    (0..DRAWN_KNOTS)
        .map(|i| {
            let x = i as f64 / (DRAWN_KNOTS - 1) as f64;
            (x * (1.0 - x) * (1.0 - x) * 6.75).max(0.0)
        })
        .collect()
}

/// The smallest M with M q(x) >= p(x) on a fine grid of `range`: the tightest valid
/// envelope, whose acceptance rate 1/M is the best rejection sampling can do.
pub fn smallest_envelope(
    target: &impl Continuous,
    proposal: &impl Continuous,
    range: (f64, f64),
) -> f64 {
    const STEPS: usize = 4000;
    (0..=STEPS)
        .map(|k| range.0 + (range.1 - range.0) * k as f64 / STEPS as f64)
        .filter_map(|x| {
            let (p, q) = (target.pdf(x), proposal.pdf(x));
            if p <= 0.0 {
                None
            } else if q <= 0.0 {
                Some(f64::INFINITY)
            } else {
                Some(p / q)
            }
        })
        .fold(0.0, f64::max)
}

/// `samples` as a density histogram over `range` (bins integrate to the share inside)
/// and the density's mean over each bin (its exact CDF difference / bin width): the
/// two bar sets a page draws, and a test compares.
pub fn histogram_vs_density(
    samples: &[f64],
    dist: &impl Continuous,
    range: (f64, f64),
    bins: usize,
) -> (Vec<f64>, Vec<f64>) {
    let width = (range.1 - range.0) / bins as f64;
    let counts = crate::fit::histogram(samples, range, bins);
    let n = samples.len().max(1) as f64;
    let observed = counts.iter().map(|&c| c as f64 / (n * width)).collect();
    let expected = (0..bins)
        .map(|b| {
            let a = range.0 + width * b as f64;
            (dist.cdf(a + width) - dist.cdf(a)) / width
        })
        .collect();
    (observed, expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRng;
    use crate::continuous::inverse_transform;

    #[test]
    fn every_name_builds_and_unknown_names_fail() {
        for name in NAMES {
            let d = Named::new(name, &default_drawing()).unwrap();
            let (low, high) = d.range();
            assert!(
                (d.cdf(high) - d.cdf(low) - 1.0).abs() < 1e-5,
                "{name} holds its mass"
            );
        }
        assert!(Named::new("cauchy", &[]).is_err());
        assert!(Named::new("drawn", &[1.0; 3]).is_err());
        assert!(Named::new("drawn", &[0.0; DRAWN_KNOTS]).is_err(), "no area");
    }

    #[test]
    fn smallest_envelope_of_a_normal_under_a_wider_normal() {
        let p = Normal { mean: 0.0, sd: 1.0 };
        let q = Normal { mean: 0.0, sd: 2.0 };
        // max p/q = q's sd / p's sd = 2, at x = 0.
        assert!((smallest_envelope(&p, &q, (-5.0, 5.0)) - 2.0).abs() < 1e-9);
        let u = Uniform {
            low: -1.0,
            high: 1.0,
        };
        assert_eq!(
            smallest_envelope(&p, &u, (-3.0, 3.0)),
            f64::INFINITY,
            "q = 0 where p > 0"
        );
    }

    #[test]
    fn inverse_transform_histogram_matches_the_drawn_density() {
        let d = Named::new("drawn", &default_drawing()).unwrap();
        let samples = inverse_transform(&d, &mut SeededRng::new(4), 50_000);
        let (observed, expected) = histogram_vs_density(&samples, &d, DRAWN_RANGE, 32);
        let width = (DRAWN_RANGE.1 - DRAWN_RANGE.0) / 32.0;
        let l1: f64 = observed
            .iter()
            .zip(&expected)
            .map(|(o, e)| (o - e).abs() * width)
            .sum();
        assert!(l1 < 0.03, "L1 {l1}");
        let area: f64 = expected.iter().map(|e| e * width).sum();
        assert!((area - 1.0).abs() < 1e-9);
    }
}
