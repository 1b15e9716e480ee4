//! Adam in one pass on flex: burn's `Adam` arithmetic, same state, one parallel loop.
//!
//! Why: burn's Adam is about thirteen tensor ops per parameter, each a full pass
//! and a fresh buffer, single-threaded on flex: a large share of a dense model's
//! training step. [`FusedAdam`] reads each parameter, gradient and both
//! moments once and writes them once, in the same f32 operations in the same order,
//! so its steps equal burn's bit for bit (tested). Its state is burn's
//! [`AdamState`], so optimizer checkpoints written before it load unchanged. On
//! any device but flex (and while [`crate::blocks::set_fused`] is off) it is burn's
//! Adam.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::optim::{
    Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer,
};
use burn::prelude::*;
use burn::tensor::DType;

use crate::blocks::fused_on;

/// Values per parallel task: below this a parameter is updated on the calling thread.
#[cfg(feature = "rayon")]
const CHUNK: usize = 1 << 15;

/// burn's default second-moment decay and epsilon, used by both paths.
const BETA_2: f32 = 0.999;
const EPSILON: f32 = 1e-5;

/// Adam with burn's defaults (beta_2 0.999, epsilon 1e-5) and this `beta_1`.
#[derive(Clone)]
pub struct FusedAdam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    /// burn's own Adam with the same settings, for every other device.
    reference: Adam,
}

impl FusedAdam {
    pub fn new(beta_1: f32) -> Self {
        Self {
            beta_1,
            beta_2: BETA_2,
            epsilon: EPSILON,
            reference: AdamConfig::new()
                .with_beta_1(beta_1)
                .with_beta_2(BETA_2)
                .with_epsilon(EPSILON)
                .build(),
        }
    }
}

/// The optimizer every training loop uses: [`FusedAdam`] over a whole module.
pub fn adam(beta_1: f32) -> ModuleOptimizer {
    ModuleOptimizer::from(FusedAdam::new(beta_1))
}

/// The f32 factors of step `time` (1-based), computed as burn's Adam computes them.
#[derive(Clone, Copy)]
struct Factors {
    beta_1: f32,
    keep_1: f32,
    beta_2: f32,
    keep_2: f32,
    /// Bias corrections folded: sqrt(1 - beta_2^t) / (1 - beta_1^t).
    combined: f32,
    /// epsilon * sqrt(1 - beta_2^t).
    epsilon: f32,
    lr: f32,
}

/// One Adam update of `param` in place, with moments `m` and `v` (already holding
/// the previous step's, or ignored on the first step).
fn update(param: &mut [f32], grad: &[f32], m: &mut [f32], v: &mut [f32], f: Factors, first: bool) {
    for (((p, &g), m), v) in param.iter_mut().zip(grad).zip(m).zip(v) {
        // The order of burn's ops: m * b1 + g * (1 - b1); v * b2 + g^2 * (1 - b2).
        if first {
            *m = g * f.keep_1;
            *v = (g * g) * f.keep_2;
        } else {
            *m = *m * f.beta_1 + g * f.keep_1;
            *v = *v * f.beta_2 + (g * g) * f.keep_2;
        }
        let step = (*m * f.combined) / (v.sqrt() + f.epsilon);
        *p -= step * f.lr;
    }
}

/// An f32 flex tensor as one contiguous buffer of exactly its values that this
/// tensor alone owns: moved, not copied, when it already is one.
fn owned_flex<const D: usize>(tensor: Tensor<D>) -> FlexTensor {
    let flex: FlexTensor = tensor
        .inner()
        .try_into_primitive::<Flex>()
        .expect("checked: a flex tensor");
    FlexTensor::from_data(flex.into_data())
}

fn is_f32<const D: usize>(tensor: &Tensor<D>) -> bool {
    tensor.dtype() == DType::F32
}

impl FusedAdam {
    /// Whether [`FusedAdam::step_flex`] takes these tensors: f32 on flex, and no
    /// AMSGrad state (this optimizer never makes one).
    pub fn takes<const D: usize>(
        tensor: &Tensor<D>,
        grad: &Tensor<D>,
        state: Option<&AdamState<D>>,
    ) -> bool {
        let moments_ok = state.is_none_or(|s| {
            s.momentum.max_moment_2.is_none()
                && is_f32(&s.momentum.moment_1)
                && is_f32(&s.momentum.moment_2)
        });
        fused_on(&tensor.device().inner()) && is_f32(tensor) && is_f32(grad) && moments_ok
    }

    /// The one-pass step on flex tensors (see [`FusedAdam::takes`]): the parameter
    /// and both moments are updated in their own buffers (copied only if shared).
    pub fn step_flex<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamState<D>>,
    ) -> (Tensor<D>, AdamState<D>) {
        let was_autodiff = tensor.is_autodiff();
        let shape = tensor.shape();
        let device = tensor.device().inner();
        let count = shape.num_elements();
        let first = state.is_none();
        let (moment_1, moment_2, time) = match state {
            Some(state) => (
                state.momentum.moment_1,
                state.momentum.moment_2,
                state.momentum.time + 1,
            ),
            None => (
                Tensor::zeros(shape.clone(), &device),
                Tensor::zeros(shape.clone(), &device),
                1,
            ),
        };
        let mut param = owned_flex(tensor);
        let (mut m, mut v) = (owned_flex(moment_1), owned_flex(moment_2));
        let grad = owned_flex(grad);
        let correction_2 = (1.0 - self.beta_2.powi(time as i32)).sqrt();
        let factors = Factors {
            beta_1: self.beta_1,
            keep_1: 1.0 - self.beta_1,
            beta_2: self.beta_2,
            keep_2: 1.0 - self.beta_2,
            combined: correction_2 / (1.0 - self.beta_1.powi(time as i32)),
            epsilon: self.epsilon * correction_2,
            lr: lr as f32,
        };
        {
            let g = grad.as_slice::<f32>().expect("contiguous f32");
            let (p, m, v) = (
                param.storage_mut::<f32>(),
                m.storage_mut::<f32>(),
                v.storage_mut::<f32>(),
            );
            assert!(
                g.len() == count && p.len() == count && m.len() == count && v.len() == count,
                "Adam: parameter, gradient and moments must have the same size"
            );
            #[cfg(feature = "rayon")]
            {
                use rayon::prelude::*;
                p.par_chunks_mut(CHUNK)
                    .zip(g.par_chunks(CHUNK))
                    .zip(m.par_chunks_mut(CHUNK))
                    .zip(v.par_chunks_mut(CHUNK))
                    .for_each(|(((p, g), m), v)| update(p, g, m, v, factors, first));
            }
            #[cfg(not(feature = "rayon"))]
            update(p, g, m, v, factors, first);
        }
        let back =
            |flex: FlexTensor| Tensor::<D>::from_primitive::<Flex>(flex).reshape(shape.clone());
        let param = back(param);
        let param = if was_autodiff {
            param.autodiff()
        } else {
            param
        };
        let momentum = AdaptiveMomentumState::new(time, back(m), back(v));
        (param, AdamState::new(momentum))
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        if Self::takes(&tensor, &grad, state.as_ref()) {
            let (param, state) = self.step_flex(lr, tensor, grad, state);
            return (param, Some(state));
        }
        self.reference.step(lr, tensor, grad, state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        Adam::to_device(state, device)
    }
}
