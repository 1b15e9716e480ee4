//! Histograms and goodness of fit: chi-square for discrete samples, Kolmogorov-
//! Smirnov for continuous ones, each with its p-value.

/// Counts of `values` in `bins` equal bins over `[low, high)`; values outside are dropped.
pub fn histogram(values: &[f64], (low, high): (f64, f64), bins: usize) -> Vec<usize> {
    let mut counts = vec![0; bins];
    let width = (high - low) / bins as f64;
    for &v in values {
        let b = ((v - low) / width).floor();
        if b >= 0.0 && (b as usize) < bins {
            counts[b as usize] += 1;
        }
    }
    counts
}

/// Pearson's chi-square of observed counts against expected probabilities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    /// P(X >= statistic) under the hypothesis that the counts follow `probabilities`.
    pub p_value: f64,
}

pub fn chi_square(observed: &[usize], probabilities: &[f64]) -> ChiSquare {
    let n: usize = observed.iter().sum();
    let statistic = observed
        .iter()
        .zip(probabilities)
        .filter(|(_, p)| **p > 0.0)
        .map(|(&o, &p)| {
            let e = p * n as f64;
            (o as f64 - e).powi(2) / e
        })
        .sum();
    let degrees_of_freedom = probabilities
        .iter()
        .filter(|p| **p > 0.0)
        .count()
        .saturating_sub(1);
    ChiSquare {
        statistic,
        degrees_of_freedom,
        p_value: upper_regularized_gamma(degrees_of_freedom as f64 / 2.0, statistic / 2.0),
    }
}

/// Pearson's chi-square test that two tallies over the same bins come from one
/// distribution (homogeneity): how the page and the tests compare a CPU run with
/// a GPU run whose transcendentals differ in the last bits.
pub fn two_sample_chi_square(a: &[u64], b: &[u64]) -> ChiSquare {
    let (na, nb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
    let mut statistic = 0.0;
    let mut bins = 0usize;
    for (&x, &y) in a.iter().zip(b) {
        let both = (x + y) as f64;
        if both == 0.0 {
            continue;
        }
        bins += 1;
        let (ea, eb) = (both * na / (na + nb), both * nb / (na + nb));
        statistic += (x as f64 - ea).powi(2) / ea + (y as f64 - eb).powi(2) / eb;
    }
    let degrees_of_freedom = bins.saturating_sub(1);
    ChiSquare {
        statistic,
        degrees_of_freedom,
        p_value: upper_regularized_gamma(degrees_of_freedom as f64 / 2.0, statistic / 2.0),
    }
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Q(a, x) = Gamma(a, x) / Gamma(a): a series below a + 1, a continued fraction above
/// (Numerical Recipes' gser / gcf).
pub fn upper_regularized_gamma(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefactor = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * log_prefactor.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (log_prefactor.exp() * h).clamp(0.0, 1.0)
    }
}

/// The Kolmogorov-Smirnov test of samples against a CDF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KolmogorovSmirnov {
    /// sup |F_n(x) - F(x)|.
    pub statistic: f64,
    /// Asymptotic P(D >= statistic), with Stephens' small-sample correction.
    pub p_value: f64,
}

pub fn kolmogorov_smirnov(samples: &[f64], cdf: impl Fn(f64) -> f64) -> KolmogorovSmirnov {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let statistic = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i as f64 + 1.0) / n - f)
        })
        .fold(0.0, f64::max);
    let root = n.sqrt();
    let lambda = (root + 0.12 + 0.11 / root) * statistic;
    KolmogorovSmirnov {
        statistic,
        p_value: kolmogorov_tail(lambda),
    }
}

/// P(K > lambda) for the Kolmogorov distribution: 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2).
pub fn kolmogorov_tail(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = (-2.0 * k * k * lambda * lambda).exp();
        sum += if k as usize % 2 == 1 { term } else { -term };
        if term < 1e-16 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}
