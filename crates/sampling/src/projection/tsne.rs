//! t-SNE (van der Maaten and Hinton, 2008), exact: every pair's affinity each step,
//! O(n^2) per iteration. That is what the page runs live on a few hundred points and
//! what the CLI runs on a few thousand (a 3,000-point run is 9 million pairs an
//! iteration); a Barnes-Hut tree would take it to tens of thousands.
//!
//! Steps are separate ([`Tsne::step`]) so a page can animate the embedding as it
//! converges; everything random comes from the seed, so a run is reproducible.

use crate::SeededRng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TsneConfig {
    /// 2 or 3.
    pub dims: usize,
    /// The effective number of neighbours each point's affinity spreads over.
    pub perplexity: f64,
    /// Gradient steps (the first quarter, up to 250, with early exaggeration).
    pub iterations: usize,
    /// `None`: n / 12, at least 50 (the common automatic choice).
    pub learning_rate: Option<f64>,
    pub seed: u64,
}

impl Default for TsneConfig {
    fn default() -> Self {
        Self {
            dims: 2,
            perplexity: 30.0,
            iterations: 500,
            learning_rate: None,
            seed: 0,
        }
    }
}

/// Early exaggeration: clusters form first, with room between them.
const EXAGGERATION: f64 = 12.0;

/// A t-SNE run in progress.
pub struct Tsne {
    config: TsneConfig,
    n: usize,
    /// Symmetric joint affinities P, `[n, n]`.
    p: Vec<f64>,
    y: Vec<f64>,
    velocity: Vec<f64>,
    gains: Vec<f64>,
    iteration: usize,
    learning_rate: f64,
}

impl Tsne {
    /// Prepares a run on `points` (`[n, dim]` row-major): affinities calibrated to the
    /// perplexity, and a small random start.
    pub fn new(points: &[f64], dim: usize, config: TsneConfig) -> Self {
        let n = points.len() / dim.max(1);
        let p = joint_affinities(points, dim, n, config.perplexity);
        let mut rng = SeededRng::new(config.seed);
        let y = (0..n * config.dims)
            .map(|_| 1e-4 * rng.next_normal())
            .collect();
        let learning_rate = config
            .learning_rate
            .unwrap_or_else(|| (n as f64 / EXAGGERATION).max(50.0));
        Self {
            config,
            n,
            p,
            y,
            velocity: vec![0.0; n * config.dims],
            gains: vec![1.0; n * config.dims],
            iteration: 0,
            learning_rate,
        }
    }

    pub fn iteration(&self) -> usize {
        self.iteration
    }

    pub fn done(&self) -> bool {
        self.iteration >= self.config.iterations
    }

    /// The embedding so far, `[n, dims]` row-major.
    pub fn embedding(&self) -> &[f64] {
        &self.y
    }

    fn exaggerated_steps(&self) -> usize {
        (self.config.iterations / 4).min(250)
    }

    /// One gradient step (with momentum and per-coordinate gains).
    pub fn step(&mut self) {
        let (n, dims) = (self.n, self.config.dims);
        let exaggeration = if self.iteration < self.exaggerated_steps() {
            EXAGGERATION
        } else {
            1.0
        };
        let momentum = if self.iteration < self.exaggerated_steps() {
            0.5
        } else {
            0.8
        };
        // Student-t kernel numerators and their sum.
        let mut numerators = vec![0.0; n * n];
        let mut sum = 0.0;
        for i in 0..n {
            for j in (i + 1)..n {
                let d: f64 = (0..dims)
                    .map(|c| (self.y[i * dims + c] - self.y[j * dims + c]).powi(2))
                    .sum();
                let q = 1.0 / (1.0 + d);
                numerators[i * n + j] = q;
                numerators[j * n + i] = q;
                sum += 2.0 * q;
            }
        }
        let sum = sum.max(f64::MIN_POSITIVE);
        let mut gradient = vec![0.0; n * dims];
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                let q = numerators[i * n + j];
                let force = (exaggeration * self.p[i * n + j] - q / sum) * q;
                for c in 0..dims {
                    gradient[i * dims + c] +=
                        4.0 * force * (self.y[i * dims + c] - self.y[j * dims + c]);
                }
            }
        }
        for ((g, v), gain) in gradient.iter().zip(&mut self.velocity).zip(&mut self.gains) {
            // Grow the gain where the gradient keeps pointing against the motion.
            *gain = if g.signum() != v.signum() {
                *gain + 0.2
            } else {
                *gain * 0.8
            }
            .max(0.01);
            *v = momentum * *v - self.learning_rate * *gain * g;
        }
        for (y, v) in self.y.iter_mut().zip(&self.velocity) {
            *y += v;
        }
        // Keep the embedding centred (t-SNE's cost ignores translation).
        for c in 0..dims {
            let mean = (0..n).map(|i| self.y[i * dims + c]).sum::<f64>() / n.max(1) as f64;
            for i in 0..n {
                self.y[i * dims + c] -= mean;
            }
        }
        self.iteration += 1;
    }

    /// Runs the remaining iterations and returns the embedding.
    pub fn run(mut self) -> Vec<f64> {
        while !self.done() {
            self.step();
        }
        self.y
    }
}

/// P_ij = (P_j|i + P_i|j) / 2n, each conditional's Gaussian width found by bisection
/// so its perplexity (2^entropy) matches the target.
fn joint_affinities(points: &[f64], dim: usize, n: usize, perplexity: f64) -> Vec<f64> {
    let row = |i: usize| &points[i * dim..(i + 1) * dim];
    let mut distances = vec![0.0; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let d: f64 = row(i)
                .iter()
                .zip(row(j))
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            distances[i * n + j] = d;
            distances[j * n + i] = d;
        }
    }
    let target = perplexity.clamp(1.0, (n.max(2) - 1) as f64).ln();
    let mut conditional = vec![0.0; n * n];
    for i in 0..n {
        let d = &distances[i * n..(i + 1) * n];
        let (mut beta, mut low, mut high) = (1.0, 0.0, f64::INFINITY);
        let nearest = d
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, &v)| v)
            .fold(f64::INFINITY, f64::min);
        for _ in 0..100 {
            // Shifting by the nearest distance keeps exp() from underflowing to 0.
            let weights: Vec<f64> = (0..n)
                .map(|j| {
                    if j == i {
                        0.0
                    } else {
                        (-(d[j] - nearest) * beta).exp()
                    }
                })
                .collect();
            let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let entropy = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    let p = weights[j] / total;
                    if p > 0.0 { -p * p.ln() } else { 0.0 }
                })
                .sum::<f64>();
            for j in 0..n {
                conditional[i * n + j] = weights[j] / total;
            }
            if (entropy - target).abs() < 1e-5 {
                break;
            }
            if entropy > target {
                low = beta;
                beta = if high.is_finite() {
                    (beta + high) / 2.0
                } else {
                    beta * 2.0
                };
            } else {
                high = beta;
                beta = (beta + low) / 2.0;
            }
        }
    }
    let mut joint = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            joint[i * n + j] =
                ((conditional[i * n + j] + conditional[j * n + i]) / (2.0 * n as f64)).max(1e-12);
        }
    }
    joint
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::knn_label_agreement;

    /// `per` points around each of `centres` in `dim` dimensions, sd 1.
    fn clusters(
        centres: usize,
        per: usize,
        dim: usize,
        spread: f64,
        seed: u64,
    ) -> (Vec<f64>, Vec<u32>) {
        let mut rng = SeededRng::new(seed);
        let means: Vec<Vec<f64>> = (0..centres)
            .map(|_| (0..dim).map(|_| spread * rng.next_normal()).collect())
            .collect();
        let mut points = Vec::new();
        let mut labels = Vec::new();
        for (c, mean) in means.iter().enumerate() {
            for _ in 0..per {
                points.extend(mean.iter().map(|m| m + rng.next_normal()));
                labels.push(c as u32);
            }
        }
        (points, labels)
    }

    #[test]
    fn separated_clusters_stay_separated_in_2d_and_3d_and_runs_repeat_exactly() {
        let dim = 10;
        let (points, labels) = clusters(4, 60, dim, 8.0, 5);
        for dims in [2, 3] {
            let config = TsneConfig {
                dims,
                perplexity: 20.0,
                iterations: 300,
                seed: 1,
                ..TsneConfig::default()
            };
            let embedding = Tsne::new(&points, dim, config).run();
            assert_eq!(embedding.len(), labels.len() * dims);
            assert!(embedding.iter().all(|v| v.is_finite()));
            let agreement = knn_label_agreement(&embedding, dims, &labels, 5);
            assert!(
                agreement > 0.95,
                "{dims}-D: kNN label agreement {agreement}"
            );
            assert_eq!(
                Tsne::new(&points, dim, config).run(),
                embedding,
                "deterministic"
            );
        }
    }

    #[test]
    fn affinities_match_the_perplexity_and_sum_to_one() {
        let (points, _) = clusters(2, 50, 5, 3.0, 2);
        let n = 100;
        let p = joint_affinities(&points, 5, n, 15.0);
        let total: f64 = p.iter().sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        assert!((0..n).all(|i| (0..n).all(|j| (p[i * n + j] - p[j * n + i]).abs() < 1e-15)));
    }
}
