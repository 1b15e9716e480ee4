//! Continuous distributions with density, CDF and quantile, and the two ways of
//! sampling them the teaching pages show: inverse transform and rejection.

use crate::SeededRng;
use crate::normal::{normal_cdf, normal_pdf, normal_quantile};

/// A distribution on the real line.
pub trait Continuous {
    fn pdf(&self, x: f64) -> f64;
    fn cdf(&self, x: f64) -> f64;
    /// The inverse CDF for p in (0, 1).
    fn quantile(&self, p: f64) -> f64;
    /// An interval holding all (or all but 1e-6) of the mass, for plots and searches.
    fn range(&self) -> (f64, f64);
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uniform {
    pub low: f64,
    pub high: f64,
}

impl Continuous for Uniform {
    fn pdf(&self, x: f64) -> f64 {
        if (self.low..=self.high).contains(&x) {
            1.0 / (self.high - self.low)
        } else {
            0.0
        }
    }
    fn cdf(&self, x: f64) -> f64 {
        ((x - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
    }
    fn quantile(&self, p: f64) -> f64 {
        self.low + p * (self.high - self.low)
    }
    fn range(&self) -> (f64, f64) {
        (self.low, self.high)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    pub rate: f64,
}

impl Continuous for Exponential {
    fn pdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else {
            self.rate * (-self.rate * x).exp()
        }
    }
    fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else {
            -(-self.rate * x).exp_m1()
        }
    }
    fn quantile(&self, p: f64) -> f64 {
        -(-p).ln_1p() / self.rate
    }
    fn range(&self) -> (f64, f64) {
        (0.0, self.quantile(1.0 - 1e-6))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normal {
    pub mean: f64,
    pub sd: f64,
}

impl Continuous for Normal {
    fn pdf(&self, x: f64) -> f64 {
        normal_pdf((x - self.mean) / self.sd) / self.sd
    }
    fn cdf(&self, x: f64) -> f64 {
        normal_cdf((x - self.mean) / self.sd)
    }
    fn quantile(&self, p: f64) -> f64 {
        self.mean + self.sd * normal_quantile(p)
    }
    fn range(&self) -> (f64, f64) {
        (self.mean - 5.0 * self.sd, self.mean + 5.0 * self.sd)
    }
}

/// A weighted mixture of normals (the seed's bimodal target).
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    /// (weight, component); weights are normalised by [`Mixture::new`].
    components: Vec<(f64, Normal)>,
}

impl Mixture {
    pub fn new(components: &[(f64, Normal)]) -> Result<Self, String> {
        let total: f64 = components.iter().map(|c| c.0).sum();
        if components.is_empty()
            || components
                .iter()
                .any(|(w, n)| !(w.is_finite() && *w >= 0.0 && n.sd > 0.0))
            || total <= 0.0
        {
            return Err("a mixture needs non-negative weights (not all 0) and positive sds".into());
        }
        Ok(Self {
            components: components.iter().map(|&(w, n)| (w / total, n)).collect(),
        })
    }
}

/// Inverts a continuous increasing `cdf` on `[low, high]` by bisection to 1e-12.
fn invert(cdf: impl Fn(f64) -> f64, p: f64, (mut low, mut high): (f64, f64)) -> f64 {
    // Widen until the bracket holds p (tails beyond the plotting range).
    while cdf(low) > p {
        low -= high - low;
    }
    while cdf(high) < p {
        high += high - low;
    }
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if cdf(mid) < p {
            low = mid;
        } else {
            high = mid;
        }
        if high - low < 1e-12 {
            break;
        }
    }
    0.5 * (low + high)
}

impl Continuous for Mixture {
    fn pdf(&self, x: f64) -> f64 {
        self.components.iter().map(|(w, n)| w * n.pdf(x)).sum()
    }
    fn cdf(&self, x: f64) -> f64 {
        self.components.iter().map(|(w, n)| w * n.cdf(x)).sum()
    }
    fn quantile(&self, p: f64) -> f64 {
        invert(|x| self.cdf(x), p, self.range())
    }
    fn range(&self) -> (f64, f64) {
        let low = self
            .components
            .iter()
            .map(|c| c.1.range().0)
            .fold(f64::INFINITY, f64::min);
        let high = self
            .components
            .iter()
            .map(|c| c.1.range().1)
            .fold(f64::NEG_INFINITY, f64::max);
        (low, high)
    }
}

/// A density drawn by hand: straight lines between points `(x, height)`, zero
/// outside, normalised to integrate to one. Its CDF is exact (piecewise quadratic)
/// and so is its quantile (a quadratic solved per segment).
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseLinear {
    xs: Vec<f64>,
    /// Heights divided by the total area.
    ys: Vec<f64>,
    /// CDF at each x.
    cumulative: Vec<f64>,
}

impl PiecewiseLinear {
    /// `points` must have increasing x and non-negative heights with positive area.
    pub fn new(points: &[(f64, f64)]) -> Result<Self, String> {
        if points.len() < 2 {
            return Err("a drawn density needs at least two points".into());
        }
        if points.windows(2).any(|w| w[1].0 <= w[0].0) {
            return Err("x must increase from point to point".into());
        }
        if points
            .iter()
            .any(|p| !(p.0.is_finite() && p.1.is_finite() && p.1 >= 0.0))
        {
            return Err("heights must be finite and non-negative".into());
        }
        let areas: Vec<f64> = points
            .windows(2)
            .map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0))
            .collect();
        let total: f64 = areas.iter().sum();
        if total <= 0.0 {
            return Err("the drawn density has zero area".into());
        }
        let mut cumulative = vec![0.0];
        for a in &areas {
            cumulative.push(cumulative.last().expect("starts with 0") + a / total);
        }
        *cumulative.last_mut().expect("non-empty") = 1.0;
        Ok(Self {
            xs: points.iter().map(|p| p.0).collect(),
            ys: points.iter().map(|p| p.1 / total).collect(),
            cumulative,
        })
    }

    /// Index of the segment holding x (clamped to the ends).
    fn segment(&self, x: f64) -> usize {
        self.xs
            .partition_point(|&v| v <= x)
            .clamp(1, self.xs.len() - 1)
            - 1
    }
}

impl Continuous for PiecewiseLinear {
    fn pdf(&self, x: f64) -> f64 {
        if x < self.xs[0] || x > *self.xs.last().expect("two points") {
            return 0.0;
        }
        let i = self.segment(x);
        let t = (x - self.xs[i]) / (self.xs[i + 1] - self.xs[i]);
        self.ys[i] + t * (self.ys[i + 1] - self.ys[i])
    }
    fn cdf(&self, x: f64) -> f64 {
        if x <= self.xs[0] {
            return 0.0;
        }
        if x >= *self.xs.last().expect("two points") {
            return 1.0;
        }
        let i = self.segment(x);
        let dx = x - self.xs[i];
        self.cumulative[i] + dx * (self.ys[i] + 0.5 * dx * self.slope(i))
    }
    fn quantile(&self, p: f64) -> f64 {
        let i = (self.cumulative.partition_point(|&c| c < p).max(1) - 1).min(self.xs.len() - 2);
        // Solve cumulative[i] + y0 d + slope d^2 / 2 = p for d in the segment.
        let (y0, slope, need) = (self.ys[i], self.slope(i), p - self.cumulative[i]);
        let d = if slope.abs() < 1e-12 {
            if y0 > 0.0 { need / y0 } else { 0.0 }
        } else {
            let disc = (y0 * y0 + 2.0 * slope * need).max(0.0);
            // The numerically stable root of the quadratic.
            2.0 * need / (y0 + disc.sqrt())
        };
        (self.xs[i] + d).clamp(self.xs[i], self.xs[i + 1])
    }
    fn range(&self) -> (f64, f64) {
        (self.xs[0], *self.xs.last().expect("two points"))
    }
}

impl PiecewiseLinear {
    fn slope(&self, i: usize) -> f64 {
        (self.ys[i + 1] - self.ys[i]) / (self.xs[i + 1] - self.xs[i])
    }
}

/// `count` draws by inverse transform: x = F^-1(u), u ~ U(0, 1).
pub fn inverse_transform(dist: &impl Continuous, rng: &mut SeededRng, count: usize) -> Vec<f64> {
    (0..count)
        .map(|_| dist.quantile(rng.next_open01()))
        .collect()
}

/// What a run of rejection sampling did.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub accepted: Vec<f64>,
    pub proposals: usize,
    /// Every proposal as (x, u M q(x), accepted) for drawing, up to `keep_points`.
    pub points: Vec<(f64, f64, bool)>,
}

impl Rejection {
    /// Accepted / proposed; 1/M when the envelope is valid and p integrates to one.
    pub fn acceptance(&self) -> f64 {
        self.accepted.len() as f64 / self.proposals.max(1) as f64
    }
}

/// Rejection sampling of `target` with envelope `m * proposal.pdf`: propose x ~ q,
/// draw u ~ U(0, 1), accept when u M q(x) < p(x). Stops after `proposals` proposals.
pub fn rejection(
    target: &impl Continuous,
    proposal: &impl Continuous,
    m: f64,
    rng: &mut SeededRng,
    proposals: usize,
    keep_points: usize,
) -> Rejection {
    let mut accepted = Vec::new();
    let mut points = Vec::new();
    for i in 0..proposals {
        let x = proposal.quantile(rng.next_open01());
        let height = rng.next_open01() * m * proposal.pdf(x);
        let ok = height < target.pdf(x);
        if ok {
            accepted.push(x);
        }
        if i < keep_points {
            points.push((x, height, ok));
        }
    }
    Rejection {
        accepted,
        proposals,
        points,
    }
}

/// Intervals of `[low, high]` (on a grid of `steps`) where `m q(x) < p(x)`: where
/// the envelope fails, rejection sampling under-samples and its output is biased.
pub fn envelope_violations(
    target: &impl Continuous,
    proposal: &impl Continuous,
    m: f64,
    (low, high): (f64, f64),
    steps: usize,
) -> Vec<(f64, f64)> {
    let mut intervals: Vec<(f64, f64)> = Vec::new();
    let step = (high - low) / steps as f64;
    for k in 0..=steps {
        let x = low + step * k as f64;
        if m * proposal.pdf(x) < target.pdf(x) {
            match intervals.last_mut() {
                Some(last) if (x - last.1 - step).abs() < step * 1e-6 => last.1 = x,
                _ => intervals.push((x, x)),
            }
        }
    }
    intervals
}
