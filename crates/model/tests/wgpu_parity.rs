//! The same weights give the same decodes on wgpu as on the CPU backend.
//!
//! On a machine without a GPU this runs on Mesa's lavapipe (installed by
//! `scripts/setup.sh`); failing to find any adapter is a failure, not a skip, because
//! the browser path depends on these kernels.
#![cfg(feature = "wgpu")]

use latentlab_model::burn::prelude::*;
use latentlab_model::weights::{DatasetInfo, Manifest, export_bytes, load_export};
use latentlab_model::{ModelSpec, latent::normal_latents, latent_batch};

#[test]
fn wgpu_forward_matches_cpu_within_1e_4() {
    let cpu = Device::flex();
    let config = ModelSpec::named("fashion-vae").unwrap();
    let model = config.init(&cpu);
    let manifest = Manifest::new(
        "fashion-vae",
        &config,
        DatasetInfo {
            name: "x".into(),
            classes: vec![],
        },
    );
    let (manifest, weights) = export_bytes(&model, manifest).unwrap();

    let gpu = Device::wgpu_options()
        .init()
        .expect("no wgpu adapter: install mesa-vulkan-drivers (scripts/setup.sh does)");
    let on_gpu = load_export(manifest.to_json().as_bytes(), &weights, &gpu)
        .unwrap()
        .model;

    let z = normal_latents(11, 8, 2, 1.0);
    let want = model
        .decode(latent_batch(&z, 2, &cpu))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let got = on_gpu
        .decode(latent_batch(&z, 2, &gpu))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let max_diff = want
        .iter()
        .zip(&got)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert_eq!(want.len(), got.len());
    assert!(max_diff < 1e-4, "max |cpu - wgpu| = {max_diff}");

    let images = Tensor::<4>::from_data(TensorData::new(want.clone(), [8, 1, 32, 32]), &cpu);
    let (mean_cpu, _) = model.encode(images.clone());
    let (mean_gpu, _) = on_gpu.encode(images.to_device(&gpu));
    let a = mean_cpu.into_data().try_to_vec::<f32>().unwrap();
    let b = mean_gpu.into_data().try_to_vec::<f32>().unwrap();
    let enc_diff = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(enc_diff < 1e-4, "encoder max |cpu - wgpu| = {enc_diff}");
}
