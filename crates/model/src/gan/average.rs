//! An exponential moving average of a network's weights: after each training step,
//! `average = decay * average + (1 - decay) * live`, over every parameter and every
//! BatchNorm running statistic.
//!
//! Why: a GAN's generator chases a moving discriminator, so its weights oscillate from
//! step to step; the average of the last few thousand steps draws cleaner samples
//! than any single step's weights (Yazıcı et al., "The Unusual Effectiveness of
//! Averaging in GAN Training", 2019). The average only reads the live network, so
//! training itself is unchanged.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;

/// Every float tensor of a module (parameters and running statistics) in visiting
/// order, flattened.
struct Collect(Vec<Tensor<1>>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let count = value.shape().num_elements();
        self.0.push(value.reshape([count]));
    }
}

/// Moves each tensor of the average towards the live network's tensor in the same
/// place.
struct Blend {
    live: std::vec::IntoIter<Tensor<1>>,
    decay: f64,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let live = self
            .live
            .next()
            .expect("the average and the live network have one architecture");
        let decay = self.decay;
        param.map(|average| {
            let dims = average.dims();
            average
                .mul_scalar(decay)
                .add(live.reshape(dims).mul_scalar(1.0 - decay))
        })
    }
}

/// `average` moved towards `live` (both of one architecture and on one device):
/// `decay * average + (1 - decay) * live` for every float tensor. `decay = 0` copies
/// `live`'s values. `average` must not share running statistics with `live` (build it
/// with the architecture's own `init`, not by cloning `live`): BatchNorm's statistics
/// are shared between clones, so the live network's would be overwritten.
pub fn moved_towards<M: Module>(average: M, live: &M, decay: f64) -> M {
    let mut collect = Collect(Vec::new());
    live.visit(&mut collect);
    average.map(&mut Blend {
        live: collect.0.into_iter(),
        decay,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gan::dcgan::DcganConfig;

    fn values<M: Module>(module: &M) -> Vec<f32> {
        let mut collect = Collect(Vec::new());
        module.visit(&mut collect);
        collect
            .0
            .into_iter()
            .flat_map(|t| t.into_data().try_to_vec::<f32>().unwrap())
            .collect()
    }

    #[test]
    fn the_average_moves_by_one_minus_decay_and_leaves_the_live_network_alone() {
        let device = Device::flex();
        let config = DcganConfig::new(16, 1, 4, vec![4, 8]);
        let live = config.init_generator(&device);
        let before = values(&live);
        let average = moved_towards(config.init_generator(&device), &live, 0.0);
        assert_eq!(values(&average), before, "decay 0 copies");

        let other = config.init_generator(&device);
        let start = values(&average);
        let moved = moved_towards(average, &other, 0.75);
        for ((m, s), o) in values(&moved).iter().zip(&start).zip(values(&other)) {
            assert!(
                (m - (0.75 * s + 0.25 * o)).abs() < 1e-6,
                "{m} from {s} and {o}"
            );
        }
        assert_eq!(values(&live), before, "the live network is untouched");
    }
}
