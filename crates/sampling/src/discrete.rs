//! Discrete distributions on faces 1..=n given by a PMF (the seed's die).

/// A PMF over faces `1..=pmf.len()` with its cumulative sums.
#[derive(Debug, Clone, PartialEq)]
pub struct Discrete {
    pmf: Vec<f64>,
    cdf: Vec<f64>,
}

impl Discrete {
    /// Normalises `weights` (non-negative, not all zero) into a PMF.
    pub fn new(weights: &[f64]) -> Result<Self, String> {
        if weights.is_empty() || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(format!(
                "weights must be finite and non-negative, got {weights:?}"
            ));
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err("at least one weight must be positive".into());
        }
        let pmf: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let mut running = 0.0;
        let mut cdf: Vec<f64> = pmf
            .iter()
            .map(|p| {
                running += p;
                running
            })
            .collect();
        *cdf.last_mut().expect("non-empty") = 1.0;
        Ok(Self { pmf, cdf })
    }

    /// A fair die with `faces` faces.
    pub fn fair(faces: usize) -> Self {
        Self::new(&vec![1.0; faces.max(1)]).expect("positive weights")
    }

    pub fn pmf(&self) -> &[f64] {
        &self.pmf
    }

    /// P(X <= face) after each face: the CDF staircase.
    pub fn cdf(&self) -> &[f64] {
        &self.cdf
    }

    /// Inverse transform: the smallest face whose CDF reaches `u` (u in [0, 1]).
    /// For a fair die u = 0.7 gives face 5, the seed's example.
    pub fn face_for(&self, u: f64) -> usize {
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1) + 1
    }

    /// `count` throws by inverse transform.
    pub fn throw(&self, rng: &mut crate::SeededRng, count: usize) -> Vec<usize> {
        (0..count)
            .map(|_| self.face_for(rng.next_open01()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_example_u_07_gives_face_5() {
        let die = Discrete::fair(6);
        assert_eq!(die.face_for(0.7), 5);
        assert_eq!(die.face_for(0.0), 1);
        assert_eq!(die.face_for(1.0), 6);
        assert_eq!(
            die.face_for(1.0 / 6.0),
            1,
            "a step's top edge belongs to it"
        );
    }

    #[test]
    fn loaded_dice_are_normalised_and_bad_weights_rejected() {
        let die = Discrete::new(&[1.0, 1.0, 2.0]).unwrap();
        assert_eq!(die.pmf(), &[0.25, 0.25, 0.5]);
        assert_eq!(die.face_for(0.6), 3);
        assert!(Discrete::new(&[0.0, 0.0]).is_err());
        assert!(Discrete::new(&[1.0, -1.0]).is_err());
    }
}
