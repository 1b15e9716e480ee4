//! The fused ops under autodiff: the forward runs on flex, and each op registers one
//! hand-written backward step (burn's pattern from its custom-kernel example), so
//! a conv costs one backward node instead of the dozens its decomposition records.

use burn::backend::AutodiffBackend;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Flex, TensorMetadata};

use super::ConvBlocks;
use super::cpu;
use super::flex::{
    channels_and_plane, conv_geometry, slice, stats_rows, tensor, transpose_geometry, values,
};

type Tracked<C> = FloatTensor<Autodiff<Flex, C>>;

/// Registers a gradient for a parent that is tracked (computing it only then).
macro_rules! register {
    ($grads:expr, $parent:expr, $grad:expr) => {
        if let Some(node) = &$parent {
            $grads.register::<Flex>(node.id, $grad);
        }
    };
}

#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    /// Input, weight, stride, padding.
    type State = (FlexTensor, FlexTensor, usize, usize);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let dy = values(&grads.consume::<Flex>(&ops.node));
        let (x, weight, stride, padding) = ops.state;
        let (g, out) = conv_geometry(&x, &weight, stride, padding);
        let (x_shape, w_shape) = (x.shape().to_vec(), weight.shape().to_vec());
        let (x, weight) = (values(&x), values(&weight));
        let (dx, dw, db) = cpu::conv_backward(
            slice(&x),
            &g,
            slice(&weight),
            out,
            slice(&dy),
            node_x.is_some(),
            node_w.is_some() || node_b.is_some(),
        );
        register!(grads, node_x, tensor(dx.expect("asked for"), x_shape));
        register!(grads, node_w, tensor(dw, w_shape));
        register!(grads, node_b, tensor(db, vec![out]));
    }
}

#[derive(Debug)]
struct ConvTransposeBackward;

impl Backward<Flex, 3> for ConvTransposeBackward {
    /// Input, weight, stride, padding, output padding.
    type State = (FlexTensor, FlexTensor, usize, usize, usize);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let dy = values(&grads.consume::<Flex>(&ops.node));
        let (x, weight, stride, padding, padding_out) = ops.state;
        let (g, input) = transpose_geometry(&x, &weight, stride, padding, padding_out);
        let (x_shape, w_shape) = (x.shape().to_vec(), weight.shape().to_vec());
        let (x, weight) = (values(&x), values(&weight));
        let (dx, dw, db) = cpu::conv_transpose_backward(
            slice(&x),
            &g,
            slice(&weight),
            input,
            slice(&dy),
            node_x.is_some(),
        );
        register!(grads, node_x, tensor(dx.expect("asked for"), x_shape));
        register!(grads, node_w, tensor(dw, w_shape));
        register!(grads, node_b, tensor(db, vec![g.channels]));
    }
}

#[derive(Debug)]
struct NormActBackward;

impl Backward<Flex, 3> for NormActBackward {
    /// Input, gamma, beta, batch stats, epsilon, slope.
    type State = (FlexTensor, FlexTensor, FlexTensor, FlexTensor, f64, f64);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let dy = values(&grads.consume::<Flex>(&ops.node));
        let (x, gamma, beta, stats, epsilon, slope) = ops.state;
        let shape = x.shape().to_vec();
        let (channels, plane) = channels_and_plane(&x);
        let (mean, variance) = stats_rows(&stats);
        let (x, gamma, beta) = (values(&x), values(&gamma), values(&beta));
        let (dx, dgamma, dbeta) = cpu::norm_act_backward(
            slice(&x),
            channels,
            plane,
            slice(&gamma),
            slice(&beta),
            &mean,
            &variance,
            epsilon as f32,
            slope as f32,
            slice(&dy),
        );
        register!(grads, node_x, tensor(dx, shape));
        register!(grads, node_gamma, tensor(dgamma, vec![channels]));
        register!(grads, node_beta, tensor(dbeta, vec![channels]));
    }
}

#[derive(Debug)]
struct LinearBackward;

impl Backward<Flex, 3> for LinearBackward {
    /// Input, weight.
    type State = (FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let dy = values(&grads.consume::<Flex>(&ops.node));
        let (x, weight) = ops.state;
        let (x_shape, w_shape) = (x.shape().to_vec(), weight.shape().to_vec());
        let (input, output) = (w_shape[0], w_shape[1]);
        let (x, weight) = (values(&x), values(&weight));
        let (dx, dw, db) = cpu::linear_backward(
            slice(&x),
            slice(&weight),
            slice(&dy),
            input,
            output,
            node_x.is_some(),
        );
        register!(grads, node_x, tensor(dx.expect("asked for"), x_shape));
        register!(grads, node_w, tensor(dw, w_shape));
        register!(grads, node_b, tensor(db, vec![output]));
    }
}

#[derive(Debug)]
struct ActBackward;

impl Backward<Flex, 1> for ActBackward {
    /// Output, slope.
    type State = (FlexTensor, f64);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let dy = values(&grads.consume::<Flex>(&ops.node));
        let (y, slope) = ops.state;
        let shape = y.shape().to_vec();
        let y = values(&y);
        register!(grads, node_x, {
            tensor(
                cpu::act_backward(slice(&y), slice(&dy), slope as f32),
                shape,
            )
        });
    }
}

#[derive(Debug)]
struct LogitLossBackward;

impl Backward<Flex, 2> for LogitLossBackward {
    /// Logits, targets, squared.
    type State = (FlexTensor, FlexTensor, bool);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_logits, node_targets] = ops.parents;
        let dy = values(&grads.consume::<Flex>(&ops.node));
        let (logits, targets, squared) = ops.state;
        let shape = logits.shape().to_vec();
        let (logits, targets) = (values(&logits), values(&targets));
        let (dlogits, dtargets) = cpu::logit_loss_backward(
            slice(&logits),
            slice(&targets),
            slice(&dy),
            super::flex::logit_loss(squared),
            node_targets.is_some(),
        );
        register!(grads, node_logits, tensor(dlogits, shape.clone()));
        register!(
            grads,
            node_targets,
            tensor(dtargets.expect("asked for"), shape)
        );
    }
}

impl<C: CheckpointStrategy> ConvBlocks for Autodiff<Flex, C> {
    fn fused_conv2d(
        x: Tracked<C>,
        weight: Tracked<C>,
        bias: Tracked<C>,
        stride: usize,
        padding: usize,
    ) -> Tracked<C> {
        let prep = ConvBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        let (x, weight, bias) = (
            x.into_primitive(),
            weight.into_primitive(),
            bias.into_primitive(),
        );
        match prep {
            OpsKind::Tracked(prep) => {
                let y = Flex::fused_conv2d(x.clone(), weight.clone(), bias, stride, padding);
                prep.finish((x, weight, stride, padding), y)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(Flex::fused_conv2d(x, weight, bias, stride, padding))
            }
        }
    }

    fn fused_conv_transpose2d(
        x: Tracked<C>,
        weight: Tracked<C>,
        bias: Tracked<C>,
        stride: usize,
        padding: usize,
        padding_out: usize,
    ) -> Tracked<C> {
        let prep = ConvTransposeBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        let (x, weight, bias) = (
            x.into_primitive(),
            weight.into_primitive(),
            bias.into_primitive(),
        );
        match prep {
            OpsKind::Tracked(prep) => {
                let y = Flex::fused_conv_transpose2d(
                    x.clone(),
                    weight.clone(),
                    bias,
                    stride,
                    padding,
                    padding_out,
                );
                prep.finish((x, weight, stride, padding, padding_out), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::fused_conv_transpose2d(
                x,
                weight,
                bias,
                stride,
                padding,
                padding_out,
            )),
        }
    }

    /// Not tracked: `blocks::conv_transpose2d_act` never routes an autodiff device here
    /// (no gradient would reach the weights).
    fn fused_conv_transpose2d_act(
        x: Tracked<C>,
        weight: Tracked<C>,
        bias: Tracked<C>,
        stride: usize,
        padding: usize,
        padding_out: usize,
        slope: f64,
    ) -> Tracked<C> {
        Autodiff::<Flex, C>::from_inner(Flex::fused_conv_transpose2d_act(
            x.into_primitive(),
            weight.into_primitive(),
            bias.into_primitive(),
            stride,
            padding,
            padding_out,
            slope,
        ))
    }

    fn fused_norm_act(
        x: Tracked<C>,
        gamma: Tracked<C>,
        beta: Tracked<C>,
        stats: Tracked<C>,
        epsilon: f64,
        slope: f64,
    ) -> Tracked<C> {
        let prep = NormActBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful();
        let (x, gamma, beta, stats) = (
            x.into_primitive(),
            gamma.into_primitive(),
            beta.into_primitive(),
            stats.into_primitive(),
        );
        match prep {
            OpsKind::Tracked(prep) => {
                let y = Flex::fused_norm_act(
                    x.clone(),
                    gamma.clone(),
                    beta.clone(),
                    stats.clone(),
                    epsilon,
                    slope,
                );
                prep.finish((x, gamma, beta, stats, epsilon, slope), y)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(Flex::fused_norm_act(x, gamma, beta, stats, epsilon, slope))
            }
        }
    }

    fn fused_linear(x: Tracked<C>, weight: Tracked<C>, bias: Tracked<C>) -> Tracked<C> {
        let prep = LinearBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        let (x, weight, bias) = (
            x.into_primitive(),
            weight.into_primitive(),
            bias.into_primitive(),
        );
        match prep {
            OpsKind::Tracked(prep) => {
                let y = Flex::fused_linear(x.clone(), weight.clone(), bias);
                prep.finish((x, weight), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::fused_linear(x, weight, bias)),
        }
    }

    fn fused_channel_stats(x: Tracked<C>) -> Tracked<C> {
        Autodiff::<Flex, C>::from_inner(Flex::fused_channel_stats(x.into_primitive()))
    }

    fn fused_logit_loss(logits: Tracked<C>, targets: Tracked<C>, squared: bool) -> Tracked<C> {
        let prep = LogitLossBackward
            .prepare::<C>([logits.node(), targets.node()])
            .compute_bound()
            .stateful();
        let (logits, targets) = (logits.into_primitive(), targets.into_primitive());
        match prep {
            OpsKind::Tracked(prep) => {
                let y = Flex::fused_logit_loss(logits.clone(), targets.clone(), squared);
                prep.finish((logits, targets, squared), y)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(Flex::fused_logit_loss(logits, targets, squared))
            }
        }
    }

    fn fused_act(x: Tracked<C>, slope: f64) -> Tracked<C> {
        let prep = ActBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful();
        match prep {
            OpsKind::Tracked(prep) => {
                let y = Flex::fused_act(x.into_primitive(), slope);
                prep.finish((y.clone(), slope), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::fused_act(x.into_primitive(), slope)),
        }
    }
}
