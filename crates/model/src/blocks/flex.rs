//! The fused ops on flex tensors: unpack to slices, run [`super::cpu`], pack back.

use burn::backend::flex::FlexTensor;
use burn::backend::{Flex, TensorMetadata};
use burn::prelude::*;

use super::ConvBlocks;
use super::cpu::{self, Geometry};

/// The tensor's values in row-major order, copied only when it is not contiguous.
pub(super) fn values(tensor: &FlexTensor) -> FlexTensor {
    assert_eq!(
        tensor.dtype(),
        burn::tensor::DType::F32,
        "latentlab's fused conv blocks run on f32 tensors"
    );
    tensor.to_contiguous()
}

pub(super) fn slice(tensor: &FlexTensor) -> &[f32] {
    tensor
        .as_slice::<f32>()
        .expect("values() made the tensor contiguous f32")
}

pub(super) fn tensor(values: Vec<f32>, shape: Vec<usize>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

fn dims4(tensor: &FlexTensor) -> [usize; 4] {
    let shape = tensor.shape();
    [shape[0], shape[1], shape[2], shape[3]]
}

/// The conv geometry of `fused_conv2d` on `x` with `weight [out, in, k, k]`.
pub(super) fn conv_geometry(
    x: &FlexTensor,
    weight: &FlexTensor,
    stride: usize,
    padding: usize,
) -> (Geometry, usize) {
    let [_, channels, height, width] = dims4(x);
    let [out, _, kernel, _] = dims4(weight);
    (
        Geometry::conv(channels, height, width, kernel, stride, padding),
        out,
    )
}

/// The geometry of the conv a transposed conv is the adjoint of: its image is the
/// transposed conv's output `[out, (h - 1) s - 2 p + k + padding_out, ...]`.
pub(super) fn transpose_geometry(
    x: &FlexTensor,
    weight: &FlexTensor,
    stride: usize,
    padding: usize,
    padding_out: usize,
) -> (Geometry, usize) {
    let [_, input, height, width] = dims4(x);
    let [_, out, kernel, _] = dims4(weight);
    let side = |n: usize| (n - 1) * stride + kernel + padding_out - 2 * padding;
    let g = Geometry {
        channels: out,
        height: side(height),
        width: side(width),
        kernel,
        stride,
        padding,
        out_height: height,
        out_width: width,
    };
    (g, input)
}

/// `(channels, plane)` of a `[batch, channels, ...]` tensor.
pub(super) fn channels_and_plane(x: &FlexTensor) -> (usize, usize) {
    let shape = x.shape();
    let channels = shape[1];
    (
        channels,
        shape.num_elements() / (shape[0] * channels).max(1),
    )
}

/// Mean and variance rows of a `[2, channels]` stats tensor.
pub(super) fn stats_rows(stats: &FlexTensor) -> (Vec<f32>, Vec<f32>) {
    let stats = values(stats);
    let values = slice(&stats);
    let channels = values.len() / 2;
    (values[..channels].to_vec(), values[channels..].to_vec())
}

impl ConvBlocks for Flex {
    fn fused_conv2d(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        stride: usize,
        padding: usize,
    ) -> FlexTensor {
        let (g, out) = conv_geometry(&x, &weight, stride, padding);
        let batch = x.shape()[0];
        let (x, weight, bias) = (values(&x), values(&weight), values(&bias));
        let y = cpu::conv_forward(slice(&x), &g, slice(&weight), slice(&bias), out);
        tensor(y, vec![batch, out, g.out_height, g.out_width])
    }

    fn fused_conv_transpose2d(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        stride: usize,
        padding: usize,
        padding_out: usize,
    ) -> FlexTensor {
        conv_transpose(x, weight, bias, [stride, padding, padding_out], None)
    }

    fn fused_conv_transpose2d_act(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        stride: usize,
        padding: usize,
        padding_out: usize,
        slope: f64,
    ) -> FlexTensor {
        conv_transpose(
            x,
            weight,
            bias,
            [stride, padding, padding_out],
            Some(slope as f32),
        )
    }

    fn fused_norm_act(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        stats: FlexTensor,
        epsilon: f64,
        slope: f64,
    ) -> FlexTensor {
        let shape = x.shape().to_vec();
        let (channels, plane) = channels_and_plane(&x);
        let (mean, variance) = stats_rows(&stats);
        let (x, gamma, beta) = (values(&x), values(&gamma), values(&beta));
        let y = cpu::norm_act_forward(
            slice(&x),
            channels,
            plane,
            slice(&gamma),
            slice(&beta),
            &mean,
            &variance,
            epsilon as f32,
            slope as f32,
        );
        tensor(y, shape)
    }

    fn fused_channel_stats(x: FlexTensor) -> FlexTensor {
        let (channels, plane) = channels_and_plane(&x);
        let x = values(&x);
        let (mut mean, variance) = cpu::channel_stats(slice(&x), channels, plane);
        mean.extend(variance);
        tensor(mean, vec![2, channels])
    }

    fn fused_linear(x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let shape = weight.shape();
        let (input, output) = (shape[0], shape[1]);
        let batch = x.shape()[0];
        let (x, weight, bias) = (values(&x), values(&weight), values(&bias));
        let y = cpu::linear_forward(slice(&x), slice(&weight), slice(&bias), input, output);
        tensor(y, vec![batch, output])
    }

    fn fused_logit_loss(logits: FlexTensor, targets: FlexTensor, squared: bool) -> FlexTensor {
        let batch = logits.shape()[0];
        let (logits, targets) = (values(&logits), values(&targets));
        let per_image =
            cpu::logit_loss_forward(slice(&logits), slice(&targets), batch, logit_loss(squared));
        tensor(per_image, vec![batch])
    }

    fn fused_act(x: FlexTensor, slope: f64) -> FlexTensor {
        // In place: the buffer is copied only when another tensor shares it.
        let mut y = FlexTensor::from_data(x.into_data());
        cpu::act_forward(y.storage_mut::<f32>(), slope as f32);
        y
    }
}

/// A transposed conv (`[stride, padding, padding_out]`), activated with `slope`.
fn conv_transpose(
    x: FlexTensor,
    weight: FlexTensor,
    bias: FlexTensor,
    [stride, padding, padding_out]: [usize; 3],
    slope: Option<f32>,
) -> FlexTensor {
    let (g, input) = transpose_geometry(&x, &weight, stride, padding, padding_out);
    let batch = x.shape()[0];
    let (x, weight, bias) = (values(&x), values(&weight), values(&bias));
    let y = cpu::conv_transpose_forward(slice(&x), &g, slice(&weight), slice(&bias), input, slope);
    tensor(y, vec![batch, g.channels, g.height, g.width])
}

/// The [`cpu::LogitLoss`] the extension's `squared` flag names.
pub(super) fn logit_loss(squared: bool) -> cpu::LogitLoss {
    if squared {
        cpu::LogitLoss::SigmoidMse
    } else {
        cpu::LogitLoss::Bce
    }
}
