//! Projections of high-dimensional points to 2-D or 3-D for plots: PCA (exact, by
//! subspace iteration) and t-SNE. Points are row-major `[n, dim]` slices of f64.

pub mod pca;
pub mod tsne;

/// The fraction of points whose `k` nearest neighbours (Euclidean, in `points`) carry
/// the point's own label by majority: how well classes separate in a space.
pub fn knn_label_agreement(points: &[f64], dim: usize, labels: &[u32], k: usize) -> f64 {
    let n = labels.len().min(points.len() / dim.max(1));
    if n < 2 {
        return 1.0;
    }
    let row = |i: usize| &points[i * dim..(i + 1) * dim];
    let mut agree = 0usize;
    let mut distances: Vec<(f64, u32)> = Vec::with_capacity(n);
    for i in 0..n {
        distances.clear();
        for j in (0..n).filter(|&j| j != i) {
            let d: f64 = row(i)
                .iter()
                .zip(row(j))
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            distances.push((d, labels[j]));
        }
        let k = k.min(distances.len());
        distances.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        let same = distances[..k]
            .iter()
            .filter(|(_, l)| *l == labels[i])
            .count();
        if 2 * same > k {
            agree += 1;
        }
    }
    agree as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::knn_label_agreement;

    #[test]
    fn agreement_is_one_for_separated_classes_and_about_chance_for_mixed_ones() {
        // Two tight groups far apart on a line.
        let points: Vec<f64> = (0..20)
            .map(|i| {
                if i < 10 {
                    i as f64 * 0.01
                } else {
                    100.0 + i as f64 * 0.01
                }
            })
            .collect();
        let labels: Vec<u32> = (0..20).map(|i| u32::from(i >= 10)).collect();
        assert_eq!(knn_label_agreement(&points, 1, &labels, 3), 1.0);
        // Alternating labels along the line: neighbours mostly disagree.
        let mixed: Vec<u32> = (0..20).map(|i| i % 2).collect();
        let spread: Vec<f64> = (0..20).map(f64::from).collect();
        assert!(knn_label_agreement(&spread, 1, &mixed, 2) < 0.2);
    }
}
