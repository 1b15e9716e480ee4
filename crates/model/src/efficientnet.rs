//! EfficientNet-Lite0, ImageNet-pretrained, as a feature extractor: a 224x224 photo to
//! the 1280-D vector the data-distributions lesson projects (and the 1000 ImageNet
//! logits, which check a port against the reference outputs).
//!
//! Inference only, so every BatchNorm is folded into the convolution before it when
//! the weights are loaded: one conv with a bias per layer, then ReLU6. The weights
//! are the PyTorch-named safetensors file described in the shared data README (f16
//! or f32, widened to f32 here); the network is small (4.7 M parameters) and never
//! ships with the project.

use burn::prelude::*;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use safetensors::{Dtype, SafeTensors};

use crate::weights::WeightsError;

/// Side of the square RGB input.
pub const INPUT_SIDE: usize = 224;
/// Length of the feature vector (the head's channels).
pub const FEATURES: usize = 1280;
/// ImageNet classes of the classifier.
pub const CLASSES: usize = 1000;
/// BatchNorm epsilon of the TensorFlow original.
const BN_EPSILON: f32 = 1e-3;

/// Stages as (repeats, kernel, stride, expansion, in, out).
const STAGES: [(usize, usize, usize, usize, usize, usize); 7] = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
];

/// A convolution with its BatchNorm folded in (`weight * scale`, `beta - mean * scale`).
#[derive(Debug, Clone)]
struct FoldedConv {
    weight: Tensor<4>,
    bias: Tensor<1>,
    kernel: usize,
    stride: usize,
    groups: usize,
}

impl FoldedConv {
    /// TensorFlow "SAME" padding: the output is ceil(input / stride); an odd total pad
    /// puts the extra row and column at the bottom and right.
    fn forward(&self, x: Tensor<4>, relu6: bool) -> Tensor<4> {
        let [_, _, h, w] = x.dims();
        let pads = |size: usize| {
            let out = size.div_ceil(self.stride);
            let total = ((out - 1) * self.stride + self.kernel).saturating_sub(size);
            (total / 2, total - total / 2)
        };
        let options = ConvOptions::new_with_padding(
            [self.stride; 2],
            [pads(h), pads(w)],
            [1, 1],
            self.groups,
        );
        let y = conv2d(x, self.weight.clone(), Some(self.bias.clone()), options);
        if relu6 { y.clamp(0.0, 6.0) } else { y }
    }
}

/// One inverted-residual block: expand (1x1, unless the expansion is 1), depthwise
/// kxk, project (1x1, no activation), and a skip where the shape allows.
#[derive(Debug, Clone)]
struct MbConv {
    expand: Option<FoldedConv>,
    depthwise: FoldedConv,
    project: FoldedConv,
    residual: bool,
}

impl MbConv {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut y = x.clone();
        if let Some(expand) = &self.expand {
            y = expand.forward(y, true);
        }
        y = self.depthwise.forward(y, true);
        y = self.project.forward(y, false);
        if self.residual { y + x } else { y }
    }
}

/// The network, ready for inference on one device.
#[derive(Debug, Clone)]
pub struct EfficientNetLite0 {
    stem: FoldedConv,
    blocks: Vec<MbConv>,
    head: FoldedConv,
    fc_weight: Tensor<2>,
    fc_bias: Tensor<1>,
}

/// The file's tensors by name, widened to f32.
struct Source<'a> {
    file: SafeTensors<'a>,
    device: &'a Device,
}

impl Source<'_> {
    fn floats(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, WeightsError> {
        let view = self
            .file
            .tensor(name)
            .map_err(|_| WeightsError::MissingTensor(name.into()))?;
        if view.shape() != shape {
            return Err(WeightsError::ShapeMismatch {
                name: name.into(),
                expected: shape.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        let bytes = view.data();
        match view.dtype() {
            Dtype::F32 => Ok(bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            Dtype::F16 => Ok(bytes
                .chunks_exact(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect()),
            other => Err(WeightsError::WrongDtype {
                name: name.into(),
                found: format!("{other:?}"),
            }),
        }
    }

    /// `conv` (weights `[out, in / groups, k, k]`, no bias) with BatchNorm `bn` folded in.
    fn conv(
        &self,
        conv: &str,
        bn: &str,
        [out, per_group, kernel]: [usize; 3],
        stride: usize,
        groups: usize,
    ) -> Result<FoldedConv, WeightsError> {
        let mut weight =
            self.floats(&format!("{conv}.weight"), &[out, per_group, kernel, kernel])?;
        let part = |p: &str| self.floats(&format!("{bn}.{p}"), &[out]);
        let (gamma, beta, mean, var) = (
            part("weight")?,
            part("bias")?,
            part("running_mean")?,
            part("running_var")?,
        );
        let per_out = per_group * kernel * kernel;
        let mut bias = Vec::with_capacity(out);
        for o in 0..out {
            let scale = gamma[o] / (var[o] + BN_EPSILON).sqrt();
            weight[o * per_out..(o + 1) * per_out]
                .iter_mut()
                .for_each(|w| *w *= scale);
            bias.push(beta[o] - mean[o] * scale);
        }
        Ok(FoldedConv {
            weight: Tensor::from_data(
                TensorData::new(weight, [out, per_group, kernel, kernel]),
                self.device,
            ),
            bias: Tensor::from_data(TensorData::new(bias, [out]), self.device),
            kernel,
            stride,
            groups,
        })
    }
}

impl EfficientNetLite0 {
    /// Builds the network from the bytes of its safetensors file, checking every
    /// tensor's name, shape and dtype.
    pub fn from_safetensors(bytes: &[u8], device: &Device) -> Result<Self, WeightsError> {
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| WeightsError::NotSafetensors(e.to_string()))?;
        let src = Source { file, device };
        let stem = src.conv("_conv_stem", "_bn0", [32, 3, 3], 2, 1)?;
        let mut blocks = Vec::new();
        for (repeats, kernel, stride, expansion, input, output) in STAGES {
            for r in 0..repeats {
                let (inp, stride) = if r == 0 { (input, stride) } else { (output, 1) };
                let hidden = inp * expansion;
                let name = |part: &str| format!("_blocks.{}.{part}", blocks.len());
                let expand = if expansion == 1 {
                    None
                } else {
                    Some(src.conv(&name("_expand_conv"), &name("_bn0"), [hidden, inp, 1], 1, 1)?)
                };
                blocks.push(MbConv {
                    expand,
                    depthwise: src.conv(
                        &name("_depthwise_conv"),
                        &name("_bn1"),
                        [hidden, 1, kernel],
                        stride,
                        hidden,
                    )?,
                    project: src.conv(
                        &name("_project_conv"),
                        &name("_bn2"),
                        [output, hidden, 1],
                        1,
                        1,
                    )?,
                    residual: stride == 1 && inp == output,
                });
            }
        }
        let head = src.conv("_conv_head", "_bn1", [FEATURES, 320, 1], 1, 1)?;
        let fc_weight = src.floats("_fc.weight", &[CLASSES, FEATURES])?;
        let fc_bias = src.floats("_fc.bias", &[CLASSES])?;
        let expected = expected_names(&blocks);
        if let Some(extra) = src
            .file
            .names()
            .into_iter()
            .find(|n| !expected.iter().any(|e| e == n))
        {
            return Err(WeightsError::UnexpectedTensor(extra.to_string()));
        }
        Ok(Self {
            stem,
            blocks,
            head,
            // Stored [classes, features]; used as x W^T.
            fc_weight: Tensor::<2>::from_data(
                TensorData::new(fc_weight, [CLASSES, FEATURES]),
                device,
            )
            .transpose(),
            fc_bias: Tensor::from_data(TensorData::new(fc_bias, [CLASSES]), device),
        })
    }

    /// Pixels `[batch, 3, 224, 224]` as bytes 0..=255 (RGB) to the network's input.
    pub fn normalise(pixels: Tensor<4>) -> Tensor<4> {
        (pixels - 127.0) / 128.0
    }

    /// Normalised images `[batch, 3, 224, 224]` to features `[batch, 1280]`: the global
    /// average of the head's activations.
    pub fn features(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x, true);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let x = self.head.forward(x, true);
        let [batch, channels, h, w] = x.dims();
        x.reshape([batch, channels, h * w])
            .mean_dim(2)
            .reshape([batch, channels])
    }

    /// Features to ImageNet logits `[batch, 1000]`.
    pub fn logits(&self, features: Tensor<2>) -> Tensor<2> {
        features.matmul(self.fc_weight.clone()) + self.fc_bias.clone().unsqueeze()
    }
}

/// Every tensor name the file should hold (for the error that names an extra one).
fn expected_names(blocks: &[MbConv]) -> Vec<String> {
    let bn = |prefix: &str| {
        ["weight", "bias", "running_mean", "running_var"].map(|p| format!("{prefix}.{p}"))
    };
    let mut names = vec![
        "_conv_stem.weight".to_string(),
        "_conv_head.weight".into(),
        "_fc.weight".into(),
        "_fc.bias".into(),
    ];
    names.extend(bn("_bn0"));
    names.extend(bn("_bn1"));
    for (b, block) in blocks.iter().enumerate() {
        let mut parts = vec![("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2")];
        if block.expand.is_some() {
            parts.push(("_expand_conv", "_bn0"));
        }
        for (conv, norm) in parts {
            names.push(format!("_blocks.{b}.{conv}.weight"));
            names.extend(bn(&format!("_blocks.{b}.{norm}")));
        }
    }
    names
}

/// IEEE 754 half to single precision (subnormals, infinities and NaN included).
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exponent = u32::from((h >> 10) & 0x1f);
    let mantissa = u32::from(h & 0x3ff);
    let bits = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: value = m * 2^-24.
            let value = m as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -value } else { value };
        }
        (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_widen_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn same_padding_keeps_ceil_of_input_over_stride() {
        let device = Device::flex();
        for (size, kernel, stride) in [(224usize, 3, 2), (28, 5, 2), (14, 5, 1), (7, 3, 1)] {
            let conv = FoldedConv {
                weight: Tensor::ones([1, 1, kernel, kernel], &device),
                bias: Tensor::zeros([1], &device),
                kernel,
                stride,
                groups: 1,
            };
            let out = conv.forward(Tensor::ones([1, 1, size, size], &device), false);
            assert_eq!(
                out.dims(),
                [1, 1, size.div_ceil(stride), size.div_ceil(stride)]
            );
        }
    }
}
