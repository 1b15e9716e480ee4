//! The one-pass Adam against burn's Adam on flex: equal steps bit for bit, on a
//! parameter large enough to be split across threads, and burn's optimizer records
//! (checkpoints written before it) resume under it unchanged.

#[cfg(not(feature = "autodiff"))]
#[test]
fn needs_the_autodiff_feature() {
    panic!("test latentlab-model with --features autodiff (the workspace's `cargo test` does)");
}

#[cfg(feature = "autodiff")]
mod with_autodiff {
    use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, Optimizer};
    use burn::prelude::*;
    use burn::tensor::Distribution;
    use latentlab_model::optim::{FusedAdam, adam};
    use latentlab_model::{Autoencoder, Zoo};

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn fused_steps_equal_burns_adam_bit_for_bit() {
        let device = Device::flex();
        device.seed(3);
        // 70,001 values: several parallel chunks and a ragged last one.
        let shape = [7, 10_001];
        let mut ours = Tensor::<2>::random(shape, Distribution::Normal(0.0, 1.0), &device);
        let mut theirs = ours.clone();
        let (fused, reference) = (
            FusedAdam::new(0.5),
            AdamConfig::new().with_beta_1(0.5).build(),
        );
        let (mut our_state, mut their_state) = (None, None);
        for step in 0..4 {
            let grad = Tensor::<2>::random(shape, Distribution::Normal(0.0, 1.0), &device)
                .mul_scalar(10f32.powi(-step));
            assert!(
                FusedAdam::takes(&ours, &grad, our_state.as_ref()),
                "flex tensors take the one-pass path"
            );
            let (p, s) = fused.step_flex(2e-3, ours.clone(), grad.clone(), our_state.clone());
            (ours, our_state) = (p, Some(s));
            let (p, s) = reference.step(2e-3, theirs, grad, their_state);
            (theirs, their_state) = (p, s);
            assert_eq!(values(ours.clone()), values(theirs.clone()), "step {step}");
        }
        let (ours, theirs) = (our_state.unwrap().momentum, their_state.unwrap().momentum);
        assert_eq!(ours.time, theirs.time);
        assert_eq!(values(ours.moment_1), values(theirs.moment_1));
        assert_eq!(values(ours.moment_2), values(theirs.moment_2));
    }

    /// Three steps of mnist-vae from `model` on one batch; `switch` names the step
    /// from which the run goes on under the one-pass Adam, its optimizer loaded from
    /// burn's record. The model and images are made once by the caller: parallel tests
    /// share the seeded generator, so two inits could differ.
    fn train(mut model: Autoencoder, images: &Tensor<4>, switch: Option<usize>) -> Vec<f32> {
        let mut optimizer: ModuleOptimizer = AdamConfig::new().init();
        for step in 0..3 {
            if switch == Some(step) {
                optimizer = if step == 0 {
                    adam(0.9)
                } else {
                    adam(0.9)
                        .from_bytes(optimizer.into_bytes().unwrap())
                        .unwrap()
                };
            }
            let (mean, _) = model.encode(images.clone());
            let loss = (model.decode(mean) - images.clone()).square().mean();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-3, model, grads);
        }
        let (mean, _) = model.encode(images.clone());
        values(model.decode(mean).inner())
    }

    fn assert_same(got: &[f32], want: &[f32], what: &str) {
        let differing = got.iter().zip(want).filter(|(a, b)| a != b).count();
        assert_eq!(
            differing,
            0,
            "{what}: {differing} of {} values differ",
            want.len()
        );
    }

    #[test]
    fn a_run_resumes_from_burns_adam_record_under_the_fused_adam() {
        let device = Device::flex().autodiff();
        let model = Zoo::MnistVae.spec().unwrap().init(&device);
        let images = Tensor::<4>::random([8, 1, 28, 28], Distribution::Uniform(0.0, 1.0), &device);
        let reference = train(model.clone(), &images, None);
        let fused = train(model.clone(), &images, Some(0));
        assert_same(&fused, &reference, "fused from the first step");
        let resumed = train(model, &images, Some(2));
        assert_same(
            &resumed,
            &reference,
            "burn's record resumed after two steps",
        );
    }
}
