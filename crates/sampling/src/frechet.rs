//! How far apart two sets of feature vectors are as distributions: the Fréchet distance
//! between the Gaussians fitted to them (FID's formula, whatever network made the
//! features) and the kernel distance (KID's unbiased MMD² with a cubic polynomial
//! kernel). `latentlab eval` feeds both EfficientNet-Lite0 features of generated and
//! real faces.
//!
//! The Fréchet distance needs Tr sqrt(Σa Σb). With n images of d-D features, Σa Σb has
//! the nonzero eigenvalues of M Mᵀ, M = Fa Fbᵀ, where Fa is any matrix with
//! Faᵀ Fa = n Σa: the centred rows themselves when n <= d (1,000 faces, 1,280 features:
//! a 1,000-square symmetric eigenproblem instead of a 1,280-square matrix square root),
//! or the Cholesky factor of their Gram matrix when n > d. So the trace is the sum of
//! the square roots of a symmetric PSD matrix's eigenvalues, which Householder
//! tridiagonalisation and implicit QL give without eigenvectors.

/// One set of feature vectors, `[n, dim]` row-major.
#[derive(Debug, Clone, Copy)]
pub struct Features<'a> {
    pub rows: &'a [f64],
    pub dim: usize,
}

impl<'a> Features<'a> {
    /// Panics unless `rows` holds a whole number of `dim`-long rows, at least two.
    pub fn new(rows: &'a [f64], dim: usize) -> Self {
        assert!(
            dim > 0 && rows.len().is_multiple_of(dim) && rows.len() / dim >= 2,
            "features need at least two rows of {dim} values, got {} values",
            rows.len()
        );
        Features { rows, dim }
    }

    pub fn count(&self) -> usize {
        self.rows.len() / self.dim
    }

    fn mean(&self) -> Vec<f64> {
        let mut mean = vec![0.0; self.dim];
        for row in self.rows.chunks_exact(self.dim) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        let n = self.count() as f64;
        mean.iter_mut().for_each(|m| *m /= n);
        mean
    }

    /// Rows minus their mean.
    fn centred(&self, mean: &[f64]) -> Vec<f64> {
        self.rows
            .chunks_exact(self.dim)
            .flat_map(|row| row.iter().zip(mean).map(|(v, m)| v - m))
            .collect()
    }
}

/// The Fréchet distance between Gaussians fitted to `a` and `b` (sample covariances,
/// divided by n - 1): |μa - μb|² + Tr(Σa + Σb - 2 sqrt(Σa Σb)). 0 for a set against
/// itself; it depends on the number of rows (a finite-sample bias), so compare only
/// figures measured with equal counts.
pub fn frechet_distance(a: Features, b: Features) -> f64 {
    assert_eq!(a.dim, b.dim, "both sets need features of one length");
    let (mean_a, mean_b) = (a.mean(), b.mean());
    let means: f64 = mean_a
        .iter()
        .zip(&mean_b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    let (ca, cb) = (a.centred(&mean_a), b.centred(&mean_b));
    let (na, nb) = ((a.count() - 1) as f64, (b.count() - 1) as f64);
    let trace_a = ca.iter().map(|v| v * v).sum::<f64>() / na;
    let trace_b = cb.iter().map(|v| v * v).sum::<f64>() / nb;
    let fa = square_root_factor(ca, a.dim);
    let fb = square_root_factor(cb, b.dim);
    let (ra, rb) = (fa.len() / a.dim, fb.len() / b.dim);
    // M = Fa Fbᵀ, then M Mᵀ: its eigenvalues are those of (na Σa)(nb Σb).
    let m = multiply_transposed(&fa, &fb, ra, rb, a.dim);
    let gram = multiply_transposed(&m, &m, ra, ra, rb);
    let root_trace: f64 = symmetric_eigenvalues(gram, ra)
        .into_iter()
        .map(|l| l.max(0.0).sqrt())
        .sum::<f64>()
        / (na * nb).sqrt();
    (means + trace_a + trace_b - 2.0 * root_trace).max(0.0)
}

/// The kernel (inception) distance: the unbiased MMD² between `a` and `b` under
/// k(x, y) = (x·y / dim + 1)³. Unlike the Fréchet distance it has no bias in the
/// number of rows (its expectation is 0 for two samples of one distribution), so it
/// can be slightly negative.
pub fn kernel_distance(a: Features, b: Features) -> f64 {
    assert_eq!(a.dim, b.dim, "both sets need features of one length");
    let dim = a.dim as f64;
    let kernel = |x: &[f64], y: &[f64]| {
        let dot: f64 = x.iter().zip(y).map(|(p, q)| p * q).sum();
        (dot / dim + 1.0).powi(3)
    };
    let within = |s: Features| {
        let rows: Vec<&[f64]> = s.rows.chunks_exact(s.dim).collect();
        let mut sum = 0.0;
        for (i, x) in rows.iter().enumerate() {
            for y in &rows[i + 1..] {
                sum += kernel(x, y);
            }
        }
        let n = rows.len() as f64;
        2.0 * sum / (n * (n - 1.0))
    };
    let mut across = 0.0;
    for x in a.rows.chunks_exact(a.dim) {
        for y in b.rows.chunks_exact(b.dim) {
            across += kernel(x, y);
        }
    }
    within(a) + within(b) - 2.0 * across / (a.count() * b.count()) as f64
}

/// A matrix F with Fᵀ F = Cᵀ C for the centred rows C (`[n, dim]`): C itself when it
/// has no more rows than columns, else the upper Cholesky factor of Cᵀ C (`[dim, dim]`),
/// which is smaller.
fn square_root_factor(centred: Vec<f64>, dim: usize) -> Vec<f64> {
    let n = centred.len() / dim;
    if n <= dim {
        return centred;
    }
    let mut gram = vec![0.0; dim * dim];
    for row in centred.chunks_exact(dim) {
        for (i, &x) in row.iter().enumerate() {
            if x != 0.0 {
                let out = &mut gram[i * dim..(i + 1) * dim];
                for (g, &y) in out[i..].iter_mut().zip(&row[i..]) {
                    *g += x * y;
                }
            }
        }
    }
    // Mirror the upper triangle, then factor with a jitter that keeps a rank-deficient
    // Gram matrix (constant features) positive definite at no visible cost.
    for i in 0..dim {
        for j in 0..i {
            gram[i * dim + j] = gram[j * dim + i];
        }
    }
    let jitter = 1e-12 * (0..dim).map(|i| gram[i * dim + i]).sum::<f64>().max(1e-300);
    let mut lower = vec![0.0; dim * dim];
    for i in 0..dim {
        for j in 0..=i {
            let dot: f64 = (0..j)
                .map(|k| lower[i * dim + k] * lower[j * dim + k])
                .sum();
            let value = gram[i * dim + j] - dot;
            lower[i * dim + j] = if i == j {
                (value + jitter).max(jitter).sqrt()
            } else {
                value / lower[j * dim + j]
            };
        }
    }
    // Lᵀ, row-major: (Lᵀ)ᵀ Lᵀ = L Lᵀ = Cᵀ C.
    let mut upper = vec![0.0; dim * dim];
    for i in 0..dim {
        for j in 0..=i {
            upper[j * dim + i] = lower[i * dim + j];
        }
    }
    upper
}

/// X Yᵀ for X `[rows_x, inner]` and Y `[rows_y, inner]`, row-major.
fn multiply_transposed(
    x: &[f64],
    y: &[f64],
    rows_x: usize,
    rows_y: usize,
    inner: usize,
) -> Vec<f64> {
    let mut out = vec![0.0; rows_x * rows_y];
    for (i, xr) in x.chunks_exact(inner).enumerate().take(rows_x) {
        for (j, yr) in y.chunks_exact(inner).enumerate().take(rows_y) {
            out[i * rows_y + j] = dot(xr, yr);
        }
    }
    out
}

/// A dot product in four independent sums, so the compiler can vectorise it.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut sums = [0.0f64; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            sums[k] += a[k] * b[k];
        }
    }
    sums.iter().sum::<f64>() + tail
}

/// The eigenvalues of a symmetric `[n, n]` matrix (row-major, both triangles), in no
/// particular order: Householder reduction to tridiagonal form, then implicit QL.
pub fn symmetric_eigenvalues(mut a: Vec<f64>, n: usize) -> Vec<f64> {
    assert_eq!(a.len(), n * n, "a symmetric matrix of side {n}");
    let (mut diagonal, mut off) = tridiagonalise(&mut a, n);
    tridiagonal_eigenvalues(&mut diagonal, &mut off);
    diagonal
}

/// Reduces `a` to tridiagonal form by Householder reflections from the last row up;
/// returns the diagonal and the subdiagonal (`off[i]` joins rows i - 1 and i; `off[0]`
/// is 0). Each step works on the leading block only, whole rows at a time.
fn tridiagonalise(a: &mut [f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut off = vec![0.0; n];
    let mut p = vec![0.0; n];
    for i in (1..n).rev() {
        let last = i - 1;
        let block = i; // rows and columns 0..i
        let row: Vec<f64> = a[i * n..i * n + block].to_vec();
        let norm2: f64 = row.iter().map(|v| v * v).sum();
        let f = row[last];
        let g = if f >= 0.0 {
            -norm2.sqrt()
        } else {
            norm2.sqrt()
        };
        // Nothing left to annihilate below the subdiagonal: no reflection.
        let below: f64 = norm2 - f * f;
        if last == 0 || below <= f64::MIN_POSITIVE {
            off[i] = f;
            continue;
        }
        off[i] = g;
        let mut u = row;
        u[last] = f - g;
        let h = norm2 - f * g; // |u|² / 2
        // p = A u / h over the block, K = uᵀ p / 2h, q = p - K u.
        for (r, pr) in p.iter_mut().enumerate().take(block) {
            *pr = dot(&a[r * n..r * n + block], &u) / h;
        }
        let k = dot(&u, &p[..block]) / (2.0 * h);
        for (pr, &ur) in p.iter_mut().zip(&u) {
            *pr -= k * ur;
        }
        // A -= q uᵀ + u qᵀ.
        for r in 0..block {
            let (qr, ur) = (p[r], u[r]);
            let out = &mut a[r * n..r * n + block];
            for ((v, &uc), &qc) in out.iter_mut().zip(&u).zip(&p[..block]) {
                *v -= qr * uc + ur * qc;
            }
        }
    }
    let diagonal = (0..n).map(|i| a[i * n + i]).collect();
    (diagonal, off)
}

/// The eigenvalues of the symmetric tridiagonal matrix with `diagonal` and `off`
/// (`off[i]` joins i - 1 and i), into `diagonal`: QL with implicit Wilkinson shifts.
fn tridiagonal_eigenvalues(d: &mut [f64], off: &mut [f64]) {
    let n = d.len();
    if n < 2 {
        return;
    }
    // e[i] joins i and i + 1.
    let mut e: Vec<f64> = off[1..].to_vec();
    e.push(0.0);
    for l in 0..n {
        for _ in 0..100 {
            let mut m = l;
            while m + 1 < n {
                let scale = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * scale {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0f64, 1.0f64, 0.0f64);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
            }
            if deflated {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRng;

    fn random(rows: usize, dim: usize, seed: u64) -> Vec<f64> {
        let mut rng = SeededRng::new(seed);
        (0..rows * dim).map(|_| rng.next_normal()).collect()
    }

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn eigenvalues_of_known_matrices() {
        // [[2, 1], [1, 2]] has 1 and 3; a diagonal matrix its diagonal.
        let two = symmetric_eigenvalues(vec![2.0, 1.0, 1.0, 2.0], 2);
        assert!((sorted(two)[1] - 3.0).abs() < 1e-12);
        let diag = symmetric_eigenvalues(vec![5.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 2.0], 3);
        assert_eq!(sorted(diag), vec![-1.0, 2.0, 5.0]);
        // The tridiagonal [1 -2 1] Laplacian of side 6: 2 - 2 cos(k π / 7).
        let n = 6;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = 2.0;
            if i + 1 < n {
                a[i * n + i + 1] = -1.0;
                a[(i + 1) * n + i] = -1.0;
            }
        }
        let got = sorted(symmetric_eigenvalues(a, n));
        for (k, value) in got.iter().enumerate() {
            let want = 2.0 - 2.0 * ((k + 1) as f64 * std::f64::consts::PI / 7.0).cos();
            assert!((value - want).abs() < 1e-12, "{value} vs {want}");
        }
    }

    #[test]
    fn eigenvalues_of_a_dense_matrix_keep_its_trace_and_frobenius_norm() {
        let n = 40;
        let x = random(n, n, 3);
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = x[i * n + j] + x[j * n + i];
            }
        }
        let trace: f64 = (0..n).map(|i| a[i * n + i]).sum();
        let frobenius: f64 = a.iter().map(|v| v * v).sum();
        let values = symmetric_eigenvalues(a, n);
        assert!((values.iter().sum::<f64>() - trace).abs() < 1e-9);
        let squares: f64 = values.iter().map(|v| v * v).sum();
        assert!((squares - frobenius).abs() < 1e-8 * frobenius);
    }

    #[test]
    fn a_set_is_at_distance_zero_from_itself() {
        for (rows, dim) in [(30, 50), (80, 20)] {
            let x = random(rows, dim, 5);
            let fd = frechet_distance(Features::new(&x, dim), Features::new(&x, dim));
            let scale = frechet_distance(
                Features::new(&x, dim),
                Features::new(&random(rows, dim, 6), dim),
            );
            assert!(fd < 1e-9 * scale, "{rows}x{dim}: {fd} against {scale}");
        }
    }

    #[test]
    fn the_distance_of_one_dimensional_gaussians_is_their_closed_form() {
        // 1-D: (μa - μb)² + (σa - σb)², with sample moments.
        let a: Vec<f64> = (0..7).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..9).map(|i| 10.0 + 3.0 * i as f64).collect();
        let moments = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
            (mean, var.sqrt())
        };
        let ((ma, sa), (mb, sb)) = (moments(&a), moments(&b));
        let want = (ma - mb).powi(2) + (sa - sb).powi(2);
        let got = frechet_distance(Features::new(&a, 1), Features::new(&b, 1));
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    }

    #[test]
    fn shifts_and_scalings_of_one_set_have_their_closed_forms() {
        let dim = 16;
        fn f(x: &[f64]) -> Features<'_> {
            Features::new(x, 16)
        }
        let base = random(200, dim, 1);
        // Moving every point by 0.5 in each of 16 coordinates: 16 * 0.25, nothing else.
        let shifted: Vec<f64> = base.iter().map(|v| v + 0.5).collect();
        let fd = frechet_distance(f(&base), f(&shifted));
        assert!((fd - 4.0).abs() < 1e-9, "{fd}");
        // Doubling: |μ - 2μ|² + Tr(Σ + 4Σ - 2 · 2Σ) = |μ|² + Tr Σ.
        let scaled: Vec<f64> = base.iter().map(|v| v * 2.0).collect();
        let mean = f(&base).mean();
        let centred = f(&base).centred(&mean);
        let want = mean.iter().map(|m| m * m).sum::<f64>()
            + centred.iter().map(|v| v * v).sum::<f64>() / 199.0;
        let fd = frechet_distance(f(&base), f(&scaled));
        assert!((fd - want).abs() < 1e-9 * want, "{fd} vs {want}");
        // The kernel distance: near 0 for two samples of one Gaussian, far from it
        // for a shifted one.
        let other = random(200, dim, 2);
        let kid_same = kernel_distance(f(&base), f(&other));
        let kid_shift = kernel_distance(f(&base), f(&shifted));
        assert!(kid_same.abs() < 0.05, "{kid_same}");
        assert!(kid_shift > 10.0 * kid_same.abs().max(1e-3), "{kid_shift}");
    }

    #[test]
    fn both_factorisations_give_one_distance() {
        // 12 rows of 10 features (Cholesky path) against the same data padded with a
        // constant zero column to 12 features (the rows themselves).
        let (rows, dim) = (12, 10);
        let a = random(rows, dim, 8);
        let b = random(rows, dim, 9);
        let pad = |x: &[f64]| -> Vec<f64> {
            x.chunks_exact(dim)
                .flat_map(|r| r.iter().copied().chain([0.0, 0.0]))
                .collect()
        };
        let tall = frechet_distance(Features::new(&a, dim), Features::new(&b, dim));
        let wide = frechet_distance(Features::new(&pad(&a), 12), Features::new(&pad(&b), 12));
        assert!((tall - wide).abs() < 1e-6 * tall, "{tall} vs {wide}");
    }
}
