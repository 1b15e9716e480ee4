//! The EfficientNet-Lite0 port against the reference outputs that come with its
//! weights (computed with the f32 PyTorch original on four `cars-dogs` photos).

use std::path::{Path, PathBuf};

use latentlab_model::burn::prelude::*;
use latentlab_model::efficientnet::{EfficientNetLite0, INPUT_SIDE};
use latentlab_model::weights::WeightsError;
use latentlab_train::fidelity::{FeatureNet, distances};

fn data_root() -> PathBuf {
    std::env::var_os("LATENTLAB_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "NO TEST DATA: {} ({e}); set LATENTLAB_DATA to the shared data folder",
            path.display()
        )
    })
}

/// A 224x224 JPEG as `[1, 3, 224, 224]` bytes 0..=255 in f32.
fn photo(path: &Path, device: &Device) -> Tensor<4> {
    let image = image::load_from_memory(&read(path)).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (INPUT_SIDE as u32, INPUT_SIDE as u32));
    let side = INPUT_SIDE * INPUT_SIDE;
    let mut planar = vec![0.0f32; 3 * side];
    for (i, pixel) in image.pixels().enumerate() {
        for c in 0..3 {
            planar[c * side + i] = f32::from(pixel[c]);
        }
    }
    Tensor::from_data(
        TensorData::new(planar, [1, 3, INPUT_SIDE, INPUT_SIDE]),
        device,
    )
}

#[test]
fn the_port_matches_the_reference_features_and_classes() {
    let root = data_root();
    let dir = root.join("efficientnet-lite0");
    let device = Device::flex();
    let net = EfficientNetLite0::from_safetensors(
        &read(&dir.join("efficientnet_lite0_f16.safetensors")),
        &device,
    )
    .unwrap();
    let reference: serde_json::Value =
        serde_json::from_slice(&read(&dir.join("reference_outputs.json"))).unwrap();
    let cases = reference["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let x = EfficientNetLite0::normalise(photo(&root.join(file), &device));
        let features = net.features(x);
        let logits: Vec<f32> = net
            .logits(features.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let features: Vec<f32> = features.into_data().try_to_vec::<f32>().unwrap();
        let l2 = features.iter().map(|v| v * v).sum::<f32>().sqrt();
        let mean = features.iter().sum::<f32>() / features.len() as f32;
        let expected_l2 = case["feature_l2"].as_f64().unwrap() as f32;
        let expected_mean = case["feature_mean"].as_f64().unwrap() as f32;
        // JPEG decoders differ by a level here and there, and the weights are f16.
        assert!(
            (l2 - expected_l2).abs() < 0.01 * expected_l2,
            "{file}: |f| {l2} vs {expected_l2}"
        );
        assert!(
            (mean - expected_mean).abs() < 0.01 * expected_mean,
            "{file}: mean {mean} vs {expected_mean}"
        );
        let first8: Vec<f32> = case["feature_first8"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        for (i, (&got, &want)) in features.iter().zip(&first8).enumerate() {
            assert!(
                (got - want).abs() < 0.02 + 0.02 * want.abs(),
                "{file}: feature {i}: {got} vs {want}"
            );
        }
        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
        let expected_top: Vec<usize> = case["top5"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(order[0], expected_top[0], "{file}: top class");
        let shared = order[..5]
            .iter()
            .filter(|c| expected_top.contains(c))
            .count();
        assert!(
            shared >= 4,
            "{file}: top 5 {:?} vs {expected_top:?}",
            &order[..5]
        );
    }
}

#[test]
fn a_file_that_is_not_the_network_is_refused_by_name() {
    let device = Device::flex();
    let err = EfficientNetLite0::from_safetensors(b"not safetensors", &device).unwrap_err();
    assert!(matches!(err, WeightsError::NotSafetensors(_)), "{err}");
    // A valid safetensors file of something else: the first tensor it lacks is named.
    let other = safetensors::serialize(
        [(
            "encoder.weight",
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![1], &[0u8; 4])
                .unwrap(),
        )],
        None,
    )
    .unwrap();
    let err = EfficientNetLite0::from_safetensors(&other, &device).unwrap_err();
    assert_eq!(err, WeightsError::MissingTensor("_conv_stem.weight".into()));
}

/// `count` celeba64 validation faces from image `first` on, `[n, 3, 64, 64]` in [0, 1].
fn faces(first: usize, count: usize) -> Vec<f32> {
    let dir = data_root().join("celeba64/img_align_celeba");
    let mut out = Vec::new();
    for i in first..first + count {
        let image = image::load_from_memory(&read(&dir.join(format!("{i:06}.jpg"))))
            .unwrap()
            .to_rgb8();
        assert_eq!(image.dimensions(), (64, 64));
        for c in 0..3 {
            out.extend(image.pixels().map(|p| f32::from(p[c]) / 255.0));
        }
    }
    out
}

/// A Gaussian blur of standard deviation `sigma` pixels (edges clamped), each plane.
fn blurred(pixels: &[f32], side: usize, sigma: f32) -> Vec<f32> {
    let reach = (3.0 * sigma).ceil() as isize;
    let weights: Vec<f32> = (-reach..=reach)
        .map(|d| (-(d * d) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = weights.iter().sum();
    let at = |i: isize| i.clamp(0, side as isize - 1) as usize;
    let mut out = pixels.to_vec();
    for plane in out.chunks_exact_mut(side * side) {
        for pass in 0..2 {
            let source = plane.to_vec();
            for y in 0..side {
                for x in 0..side {
                    let mut sum = 0.0;
                    for (k, w) in weights.iter().enumerate() {
                        let d = k as isize - reach;
                        let (sy, sx) = match pass {
                            0 => (y, at(x as isize + d)),
                            _ => (at(y as isize + d), x),
                        };
                        sum += w * source[sy * side + sx];
                    }
                    plane[y * side + x] = sum / total;
                }
            }
        }
    }
    out
}

#[test]
fn the_frechet_distance_from_real_faces_grows_with_blur() {
    let device = Device::flex();
    let path = latentlab_train::fidelity::default_cnn(&data_root());
    let net = FeatureNet::open(&path, &device).unwrap();
    let count = 40;
    let shape = [3, 64, 64];
    let reference = net.features(&faces(162_771, count), shape).unwrap();
    let others = faces(162_771 + count, count);
    let same = net.features(&others, shape).unwrap();
    assert_eq!(distances(&same, &same).frechet, 0.0, "a set against itself");
    let mut previous = distances(&reference, &same).frechet;
    for sigma in [1.0, 2.0, 3.0] {
        let fd = distances(
            &reference,
            &net.features(&blurred(&others, 64, sigma), shape).unwrap(),
        )
        .frechet;
        assert!(fd > previous, "blur {sigma} px: {fd} after {previous}");
        previous = fd;
    }
}

#[test]
fn a_missing_feature_network_is_named() {
    let missing = Path::new("/nonexistent/efficientnet_lite0_f16.safetensors");
    let err = FeatureNet::open(missing, &Device::flex()).err().unwrap();
    assert!(
        format!("{err:#}").contains("/nonexistent/efficientnet_lite0_f16.safetensors"),
        "{err:#}"
    );
}
