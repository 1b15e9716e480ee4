//! Fused blocks for the CPU: convolution, transposed convolution, dense layers,
//! BatchNorm + LeakyReLU and LeakyReLU alone, each one custom op of a burn backend extension
//! with a hand-written backward on `Autodiff<Flex>` ([`cpu`] has the arithmetic).
//!
//! The models call the functions here instead of the burn modules' `forward`. On a
//! flex device they run the fused ops; on any other device (wgpu, WebGPU, CUDA)
//! they call burn's own modules, so one model definition still serves native
//! training, wgpu and the page. Parameters stay the burn modules' own, so exports,
//! manifests and shipped weights load unchanged.

#[cfg(all(feature = "autodiff", feature = "flex"))]
mod autodiff;
pub mod cpu;
#[cfg(feature = "flex")]
mod flex;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod gemm128;

use std::sync::atomic::{AtomicBool, Ordering};

use burn::backend::tensor::FloatTensor;
use burn::backend::{Dispatch, DispatchDevice, backend_extension};
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::{BatchNorm, Linear, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;

/// The custom ops. Only flex (and autodiff over it) implements them; the functions
/// below never route other devices here.
#[backend_extension(Autodiff: cfg(feature = "autodiff"), Flex: cfg(feature = "flex"))]
pub trait ConvBlocks: burn::backend::Backend {
    /// 3x3-style conv of `x [batch, in, h, w]` with `weight [out, in, k, k]` and
    /// `bias [out]`, square stride and symmetric padding.
    fn fused_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self>;

    /// Transposed conv of `x [batch, in, h, w]` with burn's `weight [in, out, k, k]`.
    fn fused_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        padding_out: usize,
    ) -> FloatTensor<Self>;

    /// [`Self::fused_conv_transpose2d`] followed by LeakyReLU, in one pass over the
    /// output: inference only (the functions below never route an autodiff device
    /// here, and under autodiff it is not tracked).
    #[allow(clippy::too_many_arguments)]
    fn fused_conv_transpose2d_act(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        padding_out: usize,
        slope: f64,
    ) -> FloatTensor<Self>;

    /// BatchNorm with `stats [2, channels]` (mean row, biased variance row), then
    /// LeakyReLU. Under autodiff the stats must be the batch's own (training mode):
    /// the backward differentiates through them.
    fn fused_norm_act(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        stats: FloatTensor<Self>,
        epsilon: f64,
        slope: f64,
    ) -> FloatTensor<Self>;

    /// Per-channel mean and biased variance of `x [batch, channels, ...]` as
    /// `[2, channels]`; never differentiated.
    fn fused_channel_stats(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// Dense layer `x [batch, in] . weight [in, out] + bias [out]` (burn's layout).
    fn fused_linear(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// LeakyReLU (`slope = 0` is ReLU) with a one-pass backward.
    fn fused_act(x: FloatTensor<Self>, slope: f64) -> FloatTensor<Self>;

    /// Per-image mean reconstruction error from the decoder's logits, over each image
    /// of `logits [batch, ...]` against `targets` of the same shape, as `[batch]`:
    /// `softplus(l) - t l` (BCE), or with `squared` `(sigmoid(l) - t)^2`; one pass
    /// forward and one backward.
    fn fused_logit_loss(
        logits: FloatTensor<Self>,
        targets: FloatTensor<Self>,
        squared: bool,
    ) -> FloatTensor<Self>;
}

static FUSED: AtomicBool = AtomicBool::new(true);

/// Turns the fused ops on or off process-wide (on by default), so a benchmark can
/// time burn's reference ops against them in one run.
pub fn set_fused(enabled: bool) {
    FUSED.store(enabled, Ordering::Relaxed);
}

/// Whether the fused ops are on (see [`set_fused`]).
pub fn fused_enabled() -> bool {
    FUSED.load(Ordering::Relaxed)
}

/// Whether tensors on `device` take the fused path: flex, and autodiff over flex
/// when this crate was built with its `autodiff` feature.
pub fn fused_on(device: &Device) -> bool {
    if !fused_enabled() {
        return false;
    }
    #[cfg(feature = "flex")]
    let flex = matches!(
        device.clone().inner().as_dispatch(),
        DispatchDevice::Flex(_)
    );
    #[cfg(not(feature = "flex"))]
    let flex = false;
    flex && (cfg!(feature = "autodiff") || !device.is_autodiff())
}

/// `conv.forward(x)`, fused on flex for the shapes the zoo uses (square kernel,
/// stride and symmetric padding, no dilation or groups, with a bias).
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let [kh, kw] = conv.kernel_size;
    let padding = match conv.padding {
        PaddingConfig2d::Explicit(top, left, bottom, right)
            if top == left && left == bottom && bottom == right =>
        {
            Some(top)
        }
        PaddingConfig2d::Valid => Some(0),
        _ => None,
    };
    let plain = kh == kw && conv.stride[0] == conv.stride[1] && conv.dilation == [1, 1];
    match (&conv.bias, padding) {
        (Some(bias), Some(padding)) if plain && conv.groups == 1 && fused_on(&x.device()) => {
            Tensor::from_dispatch(Dispatch::fused_conv2d(
                x.into_dispatch(),
                conv.weight.val().into_dispatch(),
                bias.val().into_dispatch(),
                conv.stride[0],
                padding,
            ))
        }
        _ => conv.forward(x),
    }
}

/// `linear.forward(x)` for `[batch, in]` inputs, fused on flex.
pub fn linear(linear: &Linear, x: Tensor<2>) -> Tensor<2> {
    match &linear.bias {
        Some(bias) if fused_on(&x.device()) => Tensor::from_dispatch(Dispatch::fused_linear(
            x.into_dispatch(),
            linear.weight.val().into_dispatch(),
            bias.val().into_dispatch(),
        )),
        _ => linear.forward(x),
    }
}

/// Whether the fused ops can run `conv`: square kernel, stride and padding, no
/// dilation or groups, with a bias.
fn plain_transposed(conv: &ConvTranspose2d) -> bool {
    let [kh, kw] = conv.kernel_size;
    let square = |pair: [usize; 2]| pair[0] == pair[1];
    kh == kw
        && square(conv.stride)
        && square(conv.padding)
        && square(conv.padding_out)
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.bias.is_some()
}

/// `conv.forward(x)` of a transposed conv, fused on flex like [`conv2d`].
pub fn conv_transpose2d(conv: &ConvTranspose2d, x: Tensor<4>) -> Tensor<4> {
    match &conv.bias {
        Some(bias) if plain_transposed(conv) && fused_on(&x.device()) => {
            Tensor::from_dispatch(Dispatch::fused_conv_transpose2d(
                x.into_dispatch(),
                conv.weight.val().into_dispatch(),
                bias.val().into_dispatch(),
                conv.stride[0],
                conv.padding[0],
                conv.padding_out[0],
            ))
        }
        _ => conv.forward(x),
    }
}

/// `leaky_relu(conv.forward(x), slope)` of a transposed conv: on flex outside
/// autodiff (inference, e.g. a decoder whose BatchNorm was folded) one fused op that
/// activates each pixel as it is written.
pub fn conv_transpose2d_act(conv: &ConvTranspose2d, x: Tensor<4>, slope: f64) -> Tensor<4> {
    let device = x.device();
    match &conv.bias {
        Some(bias) if plain_transposed(conv) && fused_on(&device) && !device.is_autodiff() => {
            Tensor::from_dispatch(Dispatch::fused_conv_transpose2d_act(
                x.into_dispatch(),
                conv.weight.val().into_dispatch(),
                bias.val().into_dispatch(),
                conv.stride[0],
                conv.padding[0],
                conv.padding_out[0],
                slope,
            ))
        }
        _ => act(conv_transpose2d(conv, x), slope),
    }
}

/// `leaky_relu(norm.forward(x), slope)`, fused on flex. In training (an autodiff
/// device and the layer's training flag on) it normalises with the batch's
/// statistics and moves the running statistics exactly as burn's BatchNorm does.
pub fn norm_act<const D: usize>(norm: &BatchNorm, x: Tensor<D>, slope: f64) -> Tensor<D> {
    let device = x.device();
    let training = device.is_autodiff() && norm.training.is_enabled();
    // A frozen layer on an autodiff device would need a backward through fixed
    // statistics, which the fused op does not have.
    if !fused_on(&device) || (device.is_autodiff() && !training) {
        return leaky_relu(norm.forward(x), slope);
    }
    let channels = x.dims()[1];
    let stats: Tensor<2> = if training {
        let stats: Tensor<2> = Tensor::from_dispatch(Dispatch::fused_channel_stats(
            x.clone().detach().into_dispatch(),
        ));
        let batch_row = |row: usize| {
            stats
                .clone()
                .slice([row..row + 1, 0..channels])
                .reshape([channels])
                .detach()
        };
        let momentum = norm.momentum;
        let moved = |running: Tensor<1>, batch: Tensor<1>| {
            running
                .to_device(&device)
                .mul_scalar(1.0 - momentum)
                .add(batch.mul_scalar(momentum))
                .detach()
        };
        norm.running_mean
            .update(moved(norm.running_mean.value_sync(), batch_row(0)));
        norm.running_var
            .update(moved(norm.running_var.value_sync(), batch_row(1)));
        stats
    } else {
        Tensor::stack(
            vec![
                norm.running_mean.value().to_device(&device),
                norm.running_var.value().to_device(&device),
            ],
            0,
        )
    };
    Tensor::from_dispatch(Dispatch::fused_norm_act(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        norm.beta.val().into_dispatch(),
        stats.into_dispatch(),
        norm.epsilon,
        slope,
    ))
}

/// Per-image mean BCE from logits on a flex device (callers route other devices to
/// burn's ops: see `loss::bce_with_logits_per_image`).
pub fn bce_logits_per_image(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    logit_loss(logits, targets, false)
}

/// Per-image mean squared error of `sigmoid(logits)` on a flex device (see
/// `loss::reconstruction_per_image`).
pub fn sigmoid_mse_per_image(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    logit_loss(logits, targets, true)
}

fn logit_loss(logits: Tensor<4>, targets: Tensor<4>, squared: bool) -> Tensor<1> {
    Tensor::from_dispatch(Dispatch::fused_logit_loss(
        logits.into_dispatch(),
        targets.into_dispatch(),
        squared,
    ))
}

/// `leaky_relu(x, slope)`, fused on flex.
pub fn act<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    if fused_on(&x.device()) {
        Tensor::from_dispatch(Dispatch::fused_act(x.into_dispatch(), slope))
    } else {
        leaky_relu(x, slope)
    }
}
