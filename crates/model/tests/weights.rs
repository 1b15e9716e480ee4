//! Weights round trip and the errors for files that are not valid for the model.

use latentlab_model::burn::prelude::*;
use latentlab_model::gan::Prior;
use latentlab_model::gan::dcgan::DcganConfig;
use latentlab_model::latent::prior_latents;
use latentlab_model::weights::{DatasetInfo, Manifest, WeightsError, export_bytes, load_export};
use latentlab_model::weights::{Points, PointsInfo, load_points, points_bytes};
use latentlab_model::{
    Autoencoder, ConvConfig, Decoder, ModelSpec, Objective, Reconstruction, latent::normal_latents,
    latent_batch,
};

fn conv(side: usize, filters: Vec<usize>, latent: usize) -> ModelSpec {
    let objective = Objective::new(true, Reconstruction::Bce, 500.0);
    ModelSpec::Conv(ConvConfig::new(side, 1, filters, latent, objective).with_batch_norm(true))
}

fn small_config() -> ModelSpec {
    conv(16, vec![4, 8], 2)
}

/// A fresh model of `config` and its export (manifest completed, weights bytes).
fn export_of(config: &ModelSpec, device: &Device) -> (Autoencoder, Manifest, Vec<u8>) {
    let model = config.init(device);
    let dataset = DatasetInfo {
        name: "none".into(),
        classes: vec![],
    };
    let (manifest, weights) = export_bytes(&model, Manifest::new("tiny", config, dataset)).unwrap();
    (model, manifest, weights)
}

fn decode(model: &impl Decoder, device: &Device) -> Vec<f32> {
    let z = latent_batch(&normal_latents(3, 5, 2, 1.0), 2, device);
    model.decode(z).into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn save_then_load_gives_identical_outputs() {
    let device = Device::flex();
    let config = small_config();
    let (model, manifest, weights) = export_of(&config, &device);
    let loaded = load_export(manifest.to_json().as_bytes(), &weights, &device).unwrap();
    assert_eq!(loaded.manifest, manifest);
    let before = decode(&model, &device);
    assert_eq!(before, decode(&loaded.model, &device));
    // A freshly initialised model differs, so the equality above is not vacuous.
    assert_ne!(before, decode(&config.init(&device), &device));
}

fn edit_manifest(json: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

fn load_err(manifest: &[u8], weights: &[u8], device: &Device) -> WeightsError {
    load_export(manifest, weights, device).expect_err("bad input must be rejected")
}

#[test]
fn rejects_bad_files_with_distinct_messages() {
    let device = Device::flex();
    let (_, manifest, weights) = export_of(&small_config(), &device);
    let json = manifest.to_json();
    let mut messages = Vec::new();

    let err = load_err(b"{ not json", &weights, &device);
    assert!(matches!(err, WeightsError::ManifestNotJson(_)), "{err}");
    messages.push(err.to_string());

    let err = load_err(
        &edit_manifest(&json, |v| v["format"] = "onnx".into()),
        &weights,
        &device,
    );
    assert!(
        matches!(err, WeightsError::NotLatentlab(ref f) if f == "onnx"),
        "{err}"
    );
    messages.push(err.to_string());

    let err = load_err(
        &edit_manifest(&json, |v| v["format_version"] = 99.into()),
        &weights,
        &device,
    );
    assert_eq!(err, WeightsError::UnsupportedVersion(99));
    messages.push(err.to_string());

    let err = load_err(
        &edit_manifest(&json, |v| v["model"]["kind"] = "transformer".into()),
        &weights,
        &device,
    );
    assert!(
        matches!(err, WeightsError::ManifestField(ref m) if m.contains("transformer")),
        "{err}"
    );
    messages.push(err.to_string());

    let err = load_err(
        &edit_manifest(&json, |v| v["model"]["config"]["image_size"] = 15.into()),
        &weights,
        &device,
    );
    assert!(matches!(err, WeightsError::InvalidConfig(_)), "{err}");
    messages.push(err.to_string());

    let err = load_err(
        &edit_manifest(&json, |v| v["latent_dim"] = 7.into()),
        &weights,
        &device,
    );
    assert!(matches!(err, WeightsError::Inconsistent(_)), "{err}");
    messages.push(err.to_string());

    let truncated = &weights[..weights.len() / 2];
    let err = load_err(json.as_bytes(), truncated, &device);
    assert!(
        matches!(err, WeightsError::WrongLength { found, .. } if found == truncated.len() as u64),
        "{err}"
    );
    messages.push(err.to_string());

    // Right length, wrong bytes: a file that merely claims the right size.
    let garbage = vec![0xAB; weights.len()];
    let err = load_err(json.as_bytes(), &garbage, &device);
    assert!(matches!(err, WeightsError::NotSafetensors(_)), "{err}");
    messages.push(err.to_string());

    // Valid safetensors for a different shape of the same model kind.
    let (_, _, other_weights) = export_of(&conv(16, vec![4, 8], 3), &device);
    let manifest = edit_manifest(&json, |v| v["weights_bytes"] = other_weights.len().into());
    let err = load_err(&manifest, &other_weights, &device);
    assert!(
        matches!(err, WeightsError::ShapeMismatch { ref expected, ref found, .. } if expected != found),
        "{err}"
    );
    messages.push(err.to_string());

    // Weights of a model with fewer layers: a tensor the config needs is missing.
    let (_, _, shallow_weights) = export_of(&conv(16, vec![4], 2), &device);
    let manifest = edit_manifest(&json, |v| v["weights_bytes"] = shallow_weights.len().into());
    let err = load_err(&manifest, &shallow_weights, &device);
    assert!(matches!(err, WeightsError::MissingTensor(_)), "{err}");
    messages.push(err.to_string());

    let unique: std::collections::BTreeSet<_> = messages.iter().collect();
    assert_eq!(
        unique.len(),
        messages.len(),
        "messages must differ: {messages:#?}"
    );
}

#[test]
fn every_zoo_model_round_trips() {
    let device = Device::flex();
    for model in latentlab_model::Zoo::AUTOENCODERS {
        let (name, spec) = (model.name(), model.spec().unwrap());
        let (model, manifest, weights) = export_of(&spec, &device);
        let loaded = load_export(manifest.to_json().as_bytes(), &weights, &device).unwrap();
        let z = latent_batch(
            &normal_latents(1, 3, spec.latent_dim(), 1.0),
            spec.latent_dim(),
            &device,
        );
        let a = model
            .decode(z.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let b = loaded
            .model
            .decode(z)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn parameter_counts_match_the_built_models() {
    let device = Device::flex();
    let mut specs: Vec<ModelSpec> = latentlab_model::Zoo::AUTOENCODERS
        .map(|m| m.spec().unwrap())
        .to_vec();
    let plain = Objective::new(false, Reconstruction::Mse, 1.0);
    specs.push(ModelSpec::Conv(ConvConfig::new(
        8,
        3,
        vec![2, 5],
        3,
        plain.clone(),
    )));
    specs.push(ModelSpec::Dense(latentlab_model::DenseConfig::frey_vae(
        4,
        Reconstruction::Gaussian,
    )));
    for spec in specs {
        let elements: u64 = spec
            .init(&device)
            .tensor_shapes()
            .iter()
            .map(|(_, shape)| shape.iter().product::<usize>() as u64)
            .sum();
        assert_eq!(spec.parameter_count(), Some(elements), "{spec:?}");
    }
}

#[test]
fn a_manifest_claiming_a_huge_model_is_refused_before_it_is_built() {
    let device = Device::flex();
    let (_, manifest, weights) = export_of(&small_config(), &device);
    let json = manifest.to_json();
    for (field, value) in [
        ("latent_dim", serde_json::json!(1_000_000_000_000u64)),
        ("image_size", serde_json::json!(1u64 << 40)),
    ] {
        let edited = edit_manifest(&json, |m| {
            m["model"]["config"][field] = value.clone();
            if field == "latent_dim" {
                m["latent_dim"] = value.clone();
            } else {
                m["height"] = value.clone();
                m["width"] = value.clone();
            }
        });
        let err = load_err(&edited, &weights, &device).to_string();
        assert!(
            err.contains("bytes of f32 weights") || err.contains("too large"),
            "{field}: {err}"
        );
    }
    // More layers than a shift can count is an error, not an overflow.
    let edited = edit_manifest(&json, |m| {
        m["model"]["config"]["filters"] = serde_json::json!(vec![1; 70]);
    });
    let err = load_err(&edited, &weights, &device).to_string();
    assert!(err.contains("too large"), "{err}");
}

#[test]
fn points_round_trip_and_bad_points_are_named() {
    let device = Device::flex();
    let (_, mut manifest, _) = export_of(&small_config(), &device);
    let points = Points {
        z: vec![0.5, -1.0, 2.0, 0.25, 3.0, -3.0],
        log_var: vec![-1.0, 0.0, -2.5, 0.5, 0.0, -0.25],
        labels: vec![7, 0, 9],
    };
    let bytes = points_bytes(&points, 2).unwrap();
    manifest.points = Some(PointsInfo {
        file: "points.safetensors".into(),
        count: 3,
        bytes: bytes.len() as u64,
        description: "test".into(),
    });
    assert_eq!(load_points(&manifest, &bytes).unwrap(), points);
    let err = load_points(&manifest, &bytes[..bytes.len() - 1]).unwrap_err();
    assert!(err.to_string().contains("bytes"), "{err}");
    manifest.latent_dim = 3;
    let err = load_points(&manifest, &bytes).unwrap_err();
    assert!(err.to_string().contains("expected F32 [3, 3]"), "{err}");

    // A plain AE's points (and exports from before log_var) carry no log-variances.
    manifest.latent_dim = 2;
    let codes = Points {
        log_var: Vec::new(),
        ..points.clone()
    };
    let bytes = points_bytes(&codes, 2).unwrap();
    manifest.points.as_mut().unwrap().bytes = bytes.len() as u64;
    assert_eq!(load_points(&manifest, &bytes).unwrap(), codes);

    // log_var whose shape disagrees with z is named.
    let short = safetensors::serialize(
        [
            ("z", f32_view(&points.z, vec![3, 2])),
            ("log_var", f32_view(&points.log_var[..4], vec![2, 2])),
        ],
        None,
    )
    .unwrap();
    manifest.points.as_mut().unwrap().bytes = short.len() as u64;
    let err = load_points(&manifest, &short).unwrap_err();
    assert!(err.to_string().contains("log_var"), "{err}");
}

fn f32_view(values: &[f32], shape: Vec<usize>) -> safetensors::tensor::TensorView<'static> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape, bytes.leak()).unwrap()
}

fn no_dataset() -> DatasetInfo {
    DatasetInfo {
        name: "none".into(),
        classes: vec![],
    }
}

/// A small uniform-prior generator and its export.
fn generator_export(device: &Device) -> (DcganConfig, Vec<f32>, Manifest, Vec<u8>) {
    let config = DcganConfig::new(8, 1, 3, vec![4, 8]).with_prior(Prior::Uniform);
    let generator = config.init_generator(device);
    let z = prior_latents(Prior::Uniform, 0, 4, 3, 1.0);
    let pixels = generator
        .forward(latent_batch(&z, 3, device))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let (manifest, weights) =
        export_bytes(&generator, Manifest::new("tiny-gan", &config, no_dataset())).unwrap();
    (config, pixels, manifest, weights)
}

#[test]
fn a_generator_export_round_trips_names_its_prior_and_has_no_encoder() {
    let device = Device::flex();
    let (config, pixels, manifest, weights) = generator_export(&device);
    let json = manifest.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["model"]["kind"], "gan");
    assert_eq!(value["model"]["config"]["prior"], "uniform");
    // The file holds the generator alone (f32 tensors plus a small header).
    let tensor_bytes = config.generator_parameters().unwrap() * 4;
    assert!((tensor_bytes..tensor_bytes + 4096).contains(&(weights.len() as u64)));
    let loaded = load_export(json.as_bytes(), &weights, &device).unwrap();
    assert_eq!(loaded.manifest.model.prior(), Prior::Uniform);
    let z = prior_latents(Prior::Uniform, 0, 4, 3, 1.0);
    let decoded = loaded
        .model
        .decode(latent_batch(&z, 3, &device))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    assert_eq!(decoded, pixels);
    let err = loaded.autoencoder("encode images").unwrap_err();
    assert!(
        err.to_string().contains("tiny-gan is a GAN's generator"),
        "{err}"
    );
}

#[test]
fn bad_generator_exports_are_rejected_with_the_reason() {
    let device = Device::flex();
    let (_, _, manifest, weights) = generator_export(&device);
    let json = manifest.to_json();

    let err = load_err(
        &edit_manifest(&json, |v| v["model"]["config"]["prior"] = "cauchy".into()),
        &weights,
        &device,
    );
    assert!(
        matches!(err, WeightsError::ManifestField(ref m) if m.contains("cauchy")),
        "{err}"
    );

    let err = load_err(
        &edit_manifest(&json, |v| {
            v["points"] = serde_json::json!({
                "file": "points.safetensors", "count": 4, "bytes": 48, "description": "z"
            })
        }),
        &weights,
        &device,
    );
    assert!(
        matches!(err, WeightsError::Inconsistent(ref m) if m.contains("no encoder")),
        "{err}"
    );

    // An autoencoder's weights under a generator's manifest, and the other way round.
    let (_, ae_manifest, ae_weights) = export_of(&small_config(), &device);
    let relabelled = edit_manifest(&json, |v| v["weights_bytes"] = ae_weights.len().into());
    let err = load_err(&relabelled, &ae_weights, &device);
    assert!(
        matches!(
            err,
            WeightsError::MissingTensor(_) | WeightsError::Inconsistent(_)
        ),
        "{err}"
    );
    let relabelled = edit_manifest(&ae_manifest.to_json(), |v| {
        v["weights_bytes"] = weights.len().into()
    });
    let err = load_err(&relabelled, &weights, &device);
    assert!(
        matches!(
            err,
            WeightsError::MissingTensor(_) | WeightsError::Inconsistent(_)
        ),
        "{err}"
    );
}
