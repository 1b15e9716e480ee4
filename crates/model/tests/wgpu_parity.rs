//! The same weights give the same decodes on wgpu as on the CPU backend.
//!
//! On a machine without a GPU this runs on Mesa's lavapipe (installed by
//! `scripts/setup.sh`); failing to find any adapter is a failure, not a skip, because
//! the browser path depends on these kernels. Built without the `wgpu` feature the test
//! fails and says so, rather than compiling to nothing and passing.

#[cfg(not(feature = "wgpu"))]
#[test]
fn wgpu_parity_needs_the_wgpu_feature() {
    panic!(
        "test latentlab-model with --features wgpu (the workspace's `cargo test` does): \
         without it the wgpu parity test cannot run"
    );
}

#[cfg(feature = "wgpu")]
mod parity {
    use latentlab_model::burn::prelude::*;
    use latentlab_model::weights::{DatasetInfo, Manifest, export_bytes, load_export};
    use latentlab_model::{ModelSpec, latent::normal_latents, latent_batch};

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max)
    }

    /// Decoder and encoder of each model kind (plain conv, BatchNorm + LeakyReLU conv,
    /// dense) agree between flex and wgpu.
    #[test]
    fn wgpu_forward_matches_cpu_within_1e_4() {
        let cpu = Device::flex();
        let gpu = Device::wgpu_options()
            .init()
            .expect("no wgpu adapter: install mesa-vulkan-drivers (scripts/setup.sh does)");
        for name in ["fashion-vae", "celeba-vae", "mlp-ae"] {
            let config = ModelSpec::named(name).unwrap();
            let model = config.init(&cpu);
            let dataset = DatasetInfo {
                name: "x".into(),
                classes: vec![],
            };
            let (manifest, weights) =
                export_bytes(&model, Manifest::new(name, &config, dataset)).unwrap();
            let loaded = load_export(manifest.to_json().as_bytes(), &weights, &gpu).unwrap();
            let on_gpu = loaded.autoencoder("encode images").unwrap();

            let dim = config.latent_dim();
            let z = normal_latents(11, 4, dim, 1.0);
            let want = model
                .decode(latent_batch(&z, dim, &cpu))
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            let got = on_gpu
                .decode(latent_batch(&z, dim, &gpu))
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            let diff = max_diff(&want, &got);
            assert!(diff < 1e-4, "{name}: decoder max |cpu - wgpu| = {diff}");

            let [c, h, w] = config.image_shape();
            let images = Tensor::<4>::from_data(TensorData::new(want, [4, c, h, w]), &cpu);
            let (mean_cpu, _) = model.encode(images.clone());
            let (mean_gpu, _) = on_gpu.encode(images.to_device(&gpu));
            let a = mean_cpu.into_data().try_to_vec::<f32>().unwrap();
            let b = mean_gpu.into_data().try_to_vec::<f32>().unwrap();
            let diff = max_diff(&a, &b);
            assert!(diff < 1e-4, "{name}: encoder max |cpu - wgpu| = {diff}");
        }
    }
}
