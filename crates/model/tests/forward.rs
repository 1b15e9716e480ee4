//! Every zoo model: shapes, output range, a finite loss whose parts add up, and that
//! one optimiser step on a batch lowers that batch's loss.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use latentlab_model::loss::objective_loss;
use latentlab_model::{ConvConfig, DenseConfig, Objective, Reconstruction, Zoo};

fn uniform_images(shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::<4>::random(shape, burn::tensor::Distribution::Uniform(0.0, 1.0), device)
}

#[test]
fn every_zoo_model_maps_images_to_latents_and_back() {
    let device = Device::flex();
    for model in Zoo::AUTOENCODERS {
        let (name, spec) = (model.name(), model.spec().unwrap());
        spec.validate().unwrap();
        let [c, h, w] = spec.image_shape();
        let model = spec.init(&device);
        let images = uniform_images([2, c, h, w], &device);
        let out = model.forward(images.clone());
        assert_eq!(out.z_mean.dims(), [2, spec.latent_dim()], "{name}");
        assert_eq!(out.logits.dims(), [2, c, h, w], "{name}");
        assert_eq!(
            out.z_log_var.is_some(),
            spec.objective().variational,
            "{name}"
        );
        let decoded = model.decode(out.z_mean.clone());
        assert_eq!(decoded.dims(), [2, c, h, w], "{name}");
        if name != "linear-ae" {
            let values = decoded.into_data().try_to_vec::<f32>().unwrap();
            assert!(
                values.iter().all(|v| (0.0..=1.0).contains(v)),
                "{name}: sigmoid output stays in [0, 1]"
            );
        }
        let loss = objective_loss(spec.objective(), &out, images);
        let total: f32 = loss.total.into_scalar();
        let parts: f32 = loss.reconstruction.into_scalar::<f32>() + loss.kl.into_scalar::<f32>();
        assert!(total.is_finite(), "{name}: {total}");
        assert!(
            (total - parts).abs() <= 1e-3 * total.abs().max(1.0),
            "{name}"
        );
    }
}

#[test]
fn a_training_step_lowers_the_loss_of_every_model() {
    let device = Device::flex().autodiff();
    device.seed(7);
    for model in Zoo::AUTOENCODERS {
        let (name, spec) = (model.name(), model.spec().unwrap());
        let [c, h, w] = spec.image_shape();
        let images = uniform_images([4, c, h, w], &device);
        let mut model = spec.init(&device);
        let mut optimizer = AdamConfig::new().init();
        let mut losses = Vec::new();
        for _ in 0..5 {
            // The plain objective (no sampling noise) so the comparison is fair.
            let (mean, _) = model.encode(images.clone());
            let recon = model.decode(mean);
            let loss = (recon - images.clone()).square().mean();
            losses.push(loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            // Small steps: Adam moves every weight by about the learning rate, and the
            // linear AE's output sums 784 of them, so 1e-3 can overshoot on some inits
            // (the init depends on how parallel tests share the seeded RNG).
            model = optimizer.step(1e-4, model, grads);
        }
        assert!(
            losses[4] < losses[0],
            "{name}: loss did not fall over 5 steps: {losses:?}"
        );
    }
}

#[test]
fn invalid_configs_are_explained() {
    let vae = Objective::new(true, Reconstruction::Bce, 500.0);
    assert!(
        ConvConfig::new(30, 1, vec![32, 64, 128], 2, vae.clone())
            .validate()
            .unwrap_err()
            .contains("divisible")
    );
    assert!(
        ConvConfig::new(32, 1, vec![], 2, vae.clone())
            .validate()
            .is_err()
    );
    assert!(
        ConvConfig::new(32, 1, vec![8], 0, vae.clone())
            .validate()
            .is_err()
    );
    let negative_beta = Objective::new(true, Reconstruction::Bce, -1.0);
    assert!(
        ConvConfig::new(32, 1, vec![8], 2, negative_beta)
            .validate()
            .is_err()
    );
    let gaussian = Objective::new(true, Reconstruction::Gaussian, 1.0);
    assert!(
        ConvConfig::new(32, 1, vec![8], 2, gaussian)
            .validate()
            .is_err()
    );
    let mut linear_vae = DenseConfig::linear_ae();
    linear_vae.objective = vae;
    assert!(linear_vae.validate().unwrap_err().contains("sigmoid"));
    assert!(
        DenseConfig::new(
            1,
            0,
            28,
            vec![],
            2,
            Objective::new(false, Reconstruction::Mse, 1.0)
        )
        .validate()
        .is_err()
    );
}
