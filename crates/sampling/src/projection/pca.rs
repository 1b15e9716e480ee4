//! Principal component analysis by subspace iteration on the centred data: each
//! round multiplies `k` orthonormal vectors by XᵀX (as X then Xᵀ, never forming the
//! `dim x dim` covariance, so 12,288-pixel images cost O(n dim k) a round) and
//! re-orthonormalises them. It converges to the top-`k` eigenvectors of the
//! covariance, i.e. the principal axes, ordered by variance.

use crate::SeededRng;

/// The top principal axes of some points.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    pub dim: usize,
    pub mean: Vec<f64>,
    /// `[k, dim]` row-major unit vectors, largest variance first.
    pub components: Vec<f64>,
    /// Variance of the data along each component.
    pub variances: Vec<f64>,
    /// Total variance of the data (the sum over all `dim` directions).
    pub total_variance: f64,
}

/// Rounds of subspace iteration: plenty for the well-separated leading eigenvalues of
/// real data; [`fit`] stops earlier once the subspace no longer moves.
const MAX_ROUNDS: usize = 300;

/// Fits the top `k` principal axes of `points` (`[n, dim]` row-major); `seed` picks
/// the starting subspace, so results are reproducible.
pub fn fit(points: &[f64], dim: usize, k: usize, seed: u64) -> Pca {
    fit_rounds(points, dim, k, seed, MAX_ROUNDS)
}

/// Rounds for [`reduce`]: enough for the span of the top axes, which is all a
/// pre-reduction needs, at a fraction of converging each axis one by one.
const REDUCE_ROUNDS: usize = 12;

/// `points` in (approximately) their top-`k` principal subspace, `[n, k]`: the
/// usual denoising step before t-SNE, at a few rounds' cost.
pub fn reduce(points: &[f64], dim: usize, k: usize, seed: u64) -> Vec<f64> {
    fit_rounds(points, dim, k, seed, REDUCE_ROUNDS).transform(points)
}

fn fit_rounds(points: &[f64], dim: usize, k: usize, seed: u64, rounds: usize) -> Pca {
    let n = points.len() / dim.max(1);
    let k = k.min(dim).max(1);
    let mut mean = vec![0.0; dim];
    for row in points.chunks_exact(dim) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    for m in &mut mean {
        *m /= n.max(1) as f64;
    }
    let centred: Vec<f64> = points
        .chunks_exact(dim)
        .flat_map(|row| row.iter().zip(&mean).map(|(v, m)| v - m))
        .collect();
    let total_variance = centred.iter().map(|v| v * v).sum::<f64>() / n.max(1) as f64;

    let mut rng = SeededRng::new(seed);
    let mut basis: Vec<f64> = (0..k * dim).map(|_| rng.next_normal()).collect();
    orthonormalise(&mut basis, dim);
    let mut projected = vec![0.0; n * k];
    for _ in 0..rounds {
        // projected = X Bᵀ, then next = Xᵀ projected: B (XᵀX).
        multiply_rows(&centred, dim, &basis, k, &mut projected);
        let mut next = vec![0.0; k * dim];
        for (row, p) in centred.chunks_exact(dim).zip(projected.chunks_exact(k)) {
            for (c, &weight) in p.iter().enumerate() {
                for (out, &v) in next[c * dim..(c + 1) * dim].iter_mut().zip(row) {
                    *out += weight * v;
                }
            }
        }
        orthonormalise(&mut next, dim);
        let moved = basis
            .chunks_exact(dim)
            .zip(next.chunks_exact(dim))
            .map(|(a, b)| 1.0 - dot(a, b).abs())
            .fold(0.0, f64::max);
        basis = next;
        if moved < 1e-12 {
            break;
        }
    }
    multiply_rows(&centred, dim, &basis, k, &mut projected);
    let mut variances: Vec<f64> = (0..k)
        .map(|c| {
            projected
                .iter()
                .skip(c)
                .step_by(k)
                .map(|v| v * v)
                .sum::<f64>()
                / n.max(1) as f64
        })
        .collect();
    // Order by variance (subspace iteration can leave close pairs swapped).
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| variances[b].total_cmp(&variances[a]));
    let components = order
        .iter()
        .flat_map(|&c| basis[c * dim..(c + 1) * dim].to_vec())
        .collect();
    variances = order.iter().map(|&c| variances[c]).collect();
    Pca {
        dim,
        mean,
        components,
        variances,
        total_variance,
    }
}

impl Pca {
    /// `points` in the components' coordinates, `[n, k]` row-major.
    pub fn transform(&self, points: &[f64]) -> Vec<f64> {
        let k = self.variances.len();
        let centred: Vec<f64> = points
            .chunks_exact(self.dim)
            .flat_map(|row| row.iter().zip(&self.mean).map(|(v, m)| v - m))
            .collect();
        let mut out = vec![0.0; centred.len() / self.dim.max(1) * k];
        multiply_rows(&centred, self.dim, &self.components, k, &mut out);
        out
    }

    /// The share of the total variance each component explains.
    pub fn explained(&self) -> Vec<f64> {
        self.variances
            .iter()
            .map(|v| v / self.total_variance.max(f64::MIN_POSITIVE))
            .collect()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `out[n, k] = rows[n, dim] · basisᵀ` for a `[k, dim]` basis.
fn multiply_rows(rows: &[f64], dim: usize, basis: &[f64], k: usize, out: &mut [f64]) {
    for (row, o) in rows.chunks_exact(dim).zip(out.chunks_exact_mut(k)) {
        for (c, value) in o.iter_mut().enumerate() {
            *value = dot(row, &basis[c * dim..(c + 1) * dim]);
        }
    }
}

/// Modified Gram-Schmidt over the rows of a `[k, dim]` matrix.
fn orthonormalise(rows: &mut [f64], dim: usize) {
    let k = rows.len() / dim;
    for i in 0..k {
        for j in 0..i {
            let (done, rest) = rows.split_at_mut(i * dim);
            let previous = &done[j * dim..(j + 1) * dim];
            let current = &mut rest[..dim];
            let d = dot(previous, current);
            for (c, p) in current.iter_mut().zip(previous) {
                *c -= d * p;
            }
        }
        let row = &mut rows[i * dim..(i + 1) * dim];
        let norm = dot(row, row).sqrt().max(f64::MIN_POSITIVE);
        for v in row.iter_mut() {
            *v /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pca_recovers_the_axes_and_variances_of_a_constructed_gaussian() {
        let dim = 6;
        let sds = [5.0, 2.0, 1.0, 0.5, 0.2, 0.1];
        // A rotation: orthonormalised random rows.
        let mut rng = SeededRng::new(3);
        let mut axes: Vec<f64> = (0..dim * dim).map(|_| rng.next_normal()).collect();
        orthonormalise(&mut axes, dim);
        let n = 4000;
        let mut points = Vec::with_capacity(n * dim);
        for _ in 0..n {
            let coefficients: Vec<f64> = sds.iter().map(|s| s * rng.next_normal()).collect();
            for d in 0..dim {
                let v: f64 = (0..dim).map(|a| coefficients[a] * axes[a * dim + d]).sum();
                points.push(v + 10.0);
            }
        }
        let pca = fit(&points, dim, 3, 1);
        for c in 0..3 {
            let alignment = dot(
                &pca.components[c * dim..(c + 1) * dim],
                &axes[c * dim..(c + 1) * dim],
            );
            assert!(alignment.abs() > 0.99, "component {c}: |cos| {alignment}");
            let ratio = pca.variances[c] / (sds[c] * sds[c]);
            assert!(
                (ratio - 1.0).abs() < 0.08,
                "component {c}: variance ratio {ratio}"
            );
        }
        assert!((pca.mean[0] - 10.0).abs() < 0.3);
        let explained = pca.explained();
        assert!(explained[0] > 0.8 && explained[0] < 0.9, "{explained:?}");
        let projected = pca.transform(&points);
        assert_eq!(projected.len(), n * 3);
        assert_eq!(fit(&points, dim, 3, 1), pca, "deterministic for a seed");
    }
}
