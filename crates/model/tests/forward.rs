//! Shapes and basic behaviour of the conv VAE on the CPU backend.

use latentlab_model::ConvVaeConfig;
use latentlab_model::burn::prelude::*;
use latentlab_model::loss::vae_loss;

#[test]
fn fashion_config_maps_32x32_images_to_2d_latents_and_back() {
    let device = Device::flex();
    let config = ConvVaeConfig::fashion_mnist();
    config.validate().unwrap();
    let model = config.init(&device);
    let images = Tensor::<4>::random(
        [3, 1, 32, 32],
        burn::tensor::Distribution::Uniform(0.0, 1.0),
        &device,
    );
    let out = model.forward(images.clone());
    assert_eq!(out.z_mean.dims(), [3, 2]);
    assert_eq!(out.z_log_var.dims(), [3, 2]);
    assert_eq!(out.logits.dims(), [3, 1, 32, 32]);

    let decoded = model
        .decode(out.z_mean.clone())
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    assert!(
        decoded.iter().all(|v| (0.0..=1.0).contains(v)),
        "sigmoid output stays in [0, 1]"
    );

    let loss = vae_loss(out.logits, images, out.z_mean, out.z_log_var, config.beta);
    let total: f32 = loss.total.into_scalar();
    let parts: f32 = loss.reconstruction.into_scalar::<f32>() + loss.kl.into_scalar::<f32>();
    assert!(total.is_finite() && total > 0.0);
    assert!((total - parts).abs() < 1e-3 * total);
}

#[test]
fn invalid_configs_are_explained() {
    assert!(
        ConvVaeConfig::new(30, 1, vec![32, 64, 128], 2)
            .validate()
            .unwrap_err()
            .contains("divisible")
    );
    assert!(ConvVaeConfig::new(32, 1, vec![], 2).validate().is_err());
    assert!(ConvVaeConfig::new(32, 1, vec![8], 0).validate().is_err());
    assert!(
        ConvVaeConfig::new(32, 1, vec![8], 2)
            .with_beta(-1.0)
            .validate()
            .is_err()
    );
}
