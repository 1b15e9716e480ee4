//! The fused conv blocks against burn's own ops on flex: forward values and every
//! gradient (input, weight, bias, BatchNorm scale and shift), running statistics,
//! on odd shapes, batch 1, channels 1 and 3, and the strides and paddings the zoo uses.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::leaky_relu;
use latentlab_model::blocks;

/// Autodiff over flex, seeded, and checked to take the fused path (else every
/// comparison below would compare burn with itself).
#[allow(
    clippy::assertions_on_constants,
    reason = "fails a build without the feature"
)]
fn device() -> Device {
    assert!(
        cfg!(feature = "autodiff"),
        "test latentlab-model with --features autodiff (the workspace's `cargo test` does)"
    );
    let device = Device::flex().autodiff();
    device.seed(7);
    assert!(
        blocks::fused_on(&device),
        "flex + autodiff must take the fused path"
    );
    device
}

fn random<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// Within 1e-4 of the reference, relative to the reference's largest magnitude.
fn assert_close<const D: usize>(what: &str, got: Tensor<D>, want: Tensor<D>) {
    assert_eq!(got.dims(), want.dims(), "{what}: shape");
    let (got, want) = (values(got), values(want));
    let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= 1e-4 * scale,
        "{what}: max |fused - burn| = {worst} (scale {scale})"
    );
}

/// `sum(y * r)` for a fixed random `r`, so every output element gets its own gradient.
fn probe<const D: usize>(y: Tensor<D>, r: &Tensor<D>) -> Tensor<1> {
    (y * r.clone()).sum()
}

/// Runs burn's `reference` and the `fused` op on the same input, then compares the
/// outputs and the gradients of the input, `weight` and `bias`.
fn check_layer<const D: usize, const W: usize>(
    what: &str,
    x: Tensor<D>,
    reference: impl Fn(Tensor<D>) -> Tensor<D>,
    fused: impl Fn(Tensor<D>) -> Tensor<D>,
    weight: &Tensor<W>,
    bias: &Tensor<1>,
) {
    let device = x.device();
    let (x_ref, x_fused) = (x.clone().require_grad(), x.require_grad());
    let want = reference(x_ref.clone());
    let got = fused(x_fused.clone());
    let r = random(want.dims(), &device);
    let grads_ref = probe(want.clone(), &r).backward();
    let grads = probe(got.clone(), &r).backward();
    assert_close(&format!("{what} output"), got, want);
    let dx = (
        x_fused.grad(&grads).unwrap(),
        x_ref.grad(&grads_ref).unwrap(),
    );
    assert_close(&format!("{what} dx"), dx.0, dx.1);
    let dw = (
        weight.grad(&grads).unwrap(),
        weight.grad(&grads_ref).unwrap(),
    );
    assert_close(&format!("{what} dw"), dw.0, dw.1);
    let db = (bias.grad(&grads).unwrap(), bias.grad(&grads_ref).unwrap());
    assert_close(&format!("{what} db"), db.0, db.1);
}

fn check_conv(conv: &Conv2d, x_shape: [usize; 4], device: &Device, what: &str) {
    let bias = conv.bias.as_ref().unwrap().val();
    let x = random(x_shape, device);
    check_layer(
        what,
        x,
        |x| conv.forward(x),
        |x| blocks::conv2d(conv, x),
        &conv.weight.val(),
        &bias,
    );
}

#[test]
fn conv2d_forward_and_gradients_match_burn() {
    let device = device();
    // (batch, in, out, height, width, kernel, stride, padding)
    let cases = [
        (1, 1, 4, 7, 5, 3, 2, 1),
        (3, 3, 5, 9, 9, 3, 1, 1),
        (2, 4, 3, 8, 6, 3, 2, 0),
        (2, 3, 2, 6, 7, 1, 1, 0),
        // Stride 1 into at most 4 channels, fewer than it reads (the output convs),
        // multiplies on the output side: one, three and four channels, valid and
        // wide padding, a 1x1 kernel, the face VAE's 64 -> 3 on one image.
        (3, 6, 1, 9, 7, 3, 1, 1),
        (1, 4, 3, 5, 8, 3, 1, 1),
        (2, 2, 1, 6, 5, 3, 1, 0),
        (2, 5, 4, 6, 7, 3, 1, 2),
        (1, 64, 3, 16, 16, 3, 1, 1),
        (4, 8, 8, 16, 16, 3, 2, 1),
        // Images are dealt into 8 runs (70 images: runs of 8 or 9), and small maps
        // are stacked into one gemm within a run: 2x2 maps 64 at a time (one group
        // per run), 8x8 maps 4 at a time (groups of 4, 4 and a ragged 0 or 1).
        (70, 2, 3, 4, 4, 3, 2, 1),
        (70, 2, 3, 16, 16, 3, 2, 1),
        // Inputs and outputs past 64K values: their buffers are made in parallel.
        (5, 16, 24, 32, 32, 3, 2, 1),
    ];
    for (batch, input, out, h, w, k, stride, pad) in cases {
        let conv = Conv2dConfig::new([input, out], [k, k])
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .init(&device);
        check_conv(
            &conv,
            [batch, input, h, w],
            &device,
            &format!("conv {input}->{out} {h}x{w} k{k} s{stride} p{pad} b{batch}"),
        );
    }
}

fn check_conv_transpose(conv: &ConvTranspose2d, x_shape: [usize; 4], device: &Device, what: &str) {
    let bias = conv.bias.as_ref().unwrap().val();
    let x = random(x_shape, device);
    check_layer(
        what,
        x,
        |x| conv.forward(x),
        |x| blocks::conv_transpose2d(conv, x),
        &conv.weight.val(),
        &bias,
    );
}

/// A 3x3 transposed conv with square stride, padding and output padding.
fn transposed_conv(
    input: usize,
    out: usize,
    stride: usize,
    pad: usize,
    pad_out: usize,
    device: &Device,
) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([input, out], [3, 3])
        .with_stride([stride, stride])
        .with_padding([pad, pad])
        .with_padding_out([pad_out, pad_out])
        .init(device)
}

#[test]
fn conv_transpose2d_forward_and_gradients_match_burn() {
    let device = device();
    // (batch, in, out, height, width, stride, padding, output padding)
    let cases = [
        (1, 1, 3, 3, 4, 2, 1, 1),
        (2, 4, 2, 5, 5, 2, 1, 1),
        (3, 3, 1, 4, 3, 1, 1, 0),
        (2, 2, 3, 3, 3, 2, 0, 0),
        (4, 8, 8, 4, 4, 2, 1, 1),
        (70, 3, 2, 2, 2, 2, 1, 1),
        // An output past 64K values: its buffer is made in parallel.
        (5, 24, 16, 16, 16, 2, 1, 1),
    ];
    for (batch, input, out, h, w, stride, pad, pad_out) in cases {
        let conv = transposed_conv(input, out, stride, pad, pad_out, &device);
        check_conv_transpose(
            &conv,
            [batch, input, h, w],
            &device,
            &format!("conv_transpose {input}->{out} {h}x{w} s{stride} p{pad} op{pad_out} b{batch}"),
        );
    }
}

#[test]
fn conv_transpose2d_with_activation_matches_burn_in_inference() {
    // Outside autodiff, the activation is written by col2im (the fused inference op).
    let device = Device::flex();
    device.seed(11);
    // (batch, in, out, height, width, stride, padding, output padding): halving
    // geometries (the decoders') and others, which activate after col2im.
    let cases = [
        (1, 4, 3, 2, 2, 2, 1, 1),
        (3, 5, 4, 4, 6, 2, 1, 1),
        (2, 3, 2, 5, 5, 2, 1, 1),
        (2, 2, 3, 3, 3, 1, 1, 0),
        (5, 24, 16, 16, 16, 2, 1, 1),
    ];
    for (batch, input, out, h, w, stride, pad, pad_out) in cases {
        let conv = transposed_conv(input, out, stride, pad, pad_out, &device);
        let x = random([batch, input, h, w], &device);
        for slope in [0.0, 0.3] {
            assert_close(
                &format!(
                    "conv_transpose + act {input}->{out} {h}x{w} s{stride} b{batch} slope {slope}"
                ),
                blocks::conv_transpose2d_act(&conv, x.clone(), slope),
                leaky_relu(conv.forward(x.clone()), slope),
            );
        }
    }
}

/// A BatchNorm with random scale, shift and running statistics.
fn norm(channels: usize, gamma: &Tensor<1>, beta: &Tensor<1>, device: &Device) -> BatchNorm {
    let mut norm = BatchNormConfig::new(channels).init(device);
    norm.gamma = Param::from_tensor(gamma.clone());
    norm.beta = Param::from_tensor(beta.clone());
    norm
}

fn check_norm_act<const D: usize>(shape: [usize; D], slope: f64, device: &Device) {
    let what = format!("norm_act {shape:?} slope {slope}");
    let channels = shape[1];
    let gamma = random([channels], device);
    let beta = random([channels], device);
    let (norm_ref, norm_fused) = (
        norm(channels, &gamma, &beta, device),
        norm(channels, &gamma, &beta, device),
    );
    let x = random(shape, device) * 2.0 + 0.5;
    let (x_ref, x_fused) = (x.clone().require_grad(), x.require_grad());
    let want = leaky_relu(norm_ref.forward(x_ref.clone()), slope);
    let got = blocks::norm_act(&norm_fused, x_fused.clone(), slope);
    let r = random(shape, device);
    let grads_ref = probe(want.clone(), &r).backward();
    let grads = probe(got.clone(), &r).backward();
    assert_close(&format!("{what} output"), got, want);
    assert_close(
        &format!("{what} dx"),
        x_fused.grad(&grads).unwrap(),
        x_ref.grad(&grads_ref).unwrap(),
    );
    let (g_ref, g) = (norm_ref.gamma.val(), norm_fused.gamma.val());
    assert_close(
        &format!("{what} dgamma"),
        g.grad(&grads).unwrap(),
        g_ref.grad(&grads_ref).unwrap(),
    );
    let (b_ref, b) = (norm_ref.beta.val(), norm_fused.beta.val());
    assert_close(
        &format!("{what} dbeta"),
        b.grad(&grads).unwrap(),
        b_ref.grad(&grads_ref).unwrap(),
    );
    assert_close(
        &format!("{what} running mean"),
        norm_fused.running_mean.value_sync(),
        norm_ref.running_mean.value_sync(),
    );
    assert_close(
        &format!("{what} running var"),
        norm_fused.running_var.value_sync(),
        norm_ref.running_var.value_sync(),
    );
}

#[test]
fn batch_norm_leaky_relu_training_matches_burn() {
    let device = device();
    check_norm_act([3, 5, 4, 7], 0.3, &device);
    check_norm_act([1, 3, 5, 5], 0.0, &device);
    check_norm_act([6, 4], 0.3, &device);
    check_norm_act([16, 64, 8, 8], 0.3, &device);
}

#[test]
fn batch_norm_leaky_relu_inference_matches_burn() {
    let device = Device::flex();
    device.seed(3);
    assert!(blocks::fused_on(&device));
    let channels = 5;
    let gamma = random([channels], &device);
    let beta = random([channels], &device);
    let mut layer = norm(channels, &gamma, &beta, &device);
    layer.running_mean = burn::module::RunningState::new(random([channels], &device));
    layer.running_var = burn::module::RunningState::new(random([channels], &device).abs() + 0.1);
    let x = random([2, channels, 3, 6], &device);
    let want = leaky_relu(layer.forward(x.clone()), 0.3);
    assert_close("norm_act inference", blocks::norm_act(&layer, x, 0.3), want);
}

#[test]
fn linear_forward_and_gradients_match_burn() {
    let device = device();
    for (batch, input, output) in [(1, 3, 2), (7, 33, 17), (128, 64, 20)] {
        let layer = nn::LinearConfig::new(input, output).init(&device);
        let bias = layer.bias.as_ref().unwrap().val();
        check_layer(
            &format!("linear {batch}x{input}->{output}"),
            random([batch, input], &device),
            |x| layer.forward(x),
            |x| blocks::linear(&layer, x),
            &layer.weight.val(),
            &bias,
        );
    }
}

#[test]
fn leaky_relu_and_its_gradient_match_burn() {
    let device = device();
    // One block, and several parallel blocks with a ragged last one.
    for shape in [[2, 3, 5, 5], [3, 7, 41, 37]] {
        for slope in [0.0, 0.3] {
            let x = random(shape, &device);
            let (x_ref, x_fused) = (x.clone().require_grad(), x.require_grad());
            let want = leaky_relu(x_ref.clone(), slope);
            let got = blocks::act(x_fused.clone(), slope);
            let r = random(shape, &device);
            let grads_ref = probe(want.clone(), &r).backward();
            let grads = probe(got.clone(), &r).backward();
            let what = format!("act {shape:?} {slope}");
            assert_close(&what, got, want);
            assert_close(
                &format!("{what} dx"),
                x_fused.grad(&grads).unwrap(),
                x_ref.grad(&grads_ref).unwrap(),
            );
        }
    }
}

#[test]
fn losses_from_logits_and_their_gradients_match_burn() {
    use burn::tensor::activation::{sigmoid, softplus};
    let device = device();
    // Odd image sizes, batch 1, and logits far out in both tails.
    for squared in [false, true] {
        for (shape, spread) in [
            ([1, 1, 5, 3], 1.0),
            ([4, 3, 7, 9], 1.0),
            ([3, 1, 8, 8], 12.0),
        ] {
            let logits = random(shape, &device).mul_scalar(spread);
            let targets = Tensor::<4>::random(shape, Distribution::Uniform(0.0, 1.0), &device);
            let track = |t: &Tensor<4>| t.clone().require_grad();
            let (l_ref, t_ref, l_fused, t_fused) = (
                track(&logits),
                track(&targets),
                track(&logits),
                track(&targets),
            );
            let (per_pixel, got) = if squared {
                (
                    (sigmoid(l_ref.clone()) - t_ref.clone()).square(),
                    blocks::sigmoid_mse_per_image(l_fused.clone(), t_fused.clone()),
                )
            } else {
                (
                    softplus(l_ref.clone(), 1.0) - t_ref.clone() * l_ref.clone(),
                    blocks::bce_logits_per_image(l_fused.clone(), t_fused.clone()),
                )
            };
            let want: Tensor<1> = per_pixel.flatten::<2>(1, 3).mean_dim(1).flatten(0, 1);
            let r = random([shape[0]], &device);
            let grads_ref = probe(want.clone(), &r).backward();
            let grads = probe(got.clone(), &r).backward();
            let what = format!(
                "{} {shape:?} x{spread}",
                if squared { "sigmoid mse" } else { "bce" }
            );
            assert_close(&what, got, want);
            let pairs = [
                (&l_fused, &l_ref, "dlogits"),
                (&t_fused, &t_ref, "dtargets"),
            ];
            for (fused, reference, name) in pairs {
                assert_close(
                    &format!("{what} {name}"),
                    fused.grad(&grads).unwrap(),
                    reference.grad(&grads_ref).unwrap(),
                );
            }
        }
    }
}

#[test]
fn fused_gradients_are_bit_identical_from_run_to_run() {
    let device = device();
    let conv = Conv2dConfig::new([3, 16], [3, 3])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(&device);
    let x = random([37, 3, 16, 16], &device);
    let weight_grad = || {
        let grads = blocks::conv2d(&conv, x.clone()).sum().backward();
        values(conv.weight.val().grad(&grads).unwrap())
    };
    assert_eq!(weight_grad(), weight_grad());
}
