//! The exports the page ships: each loads, its points file matches its manifest, the
//! face model carries the attribute vectors the page's sliders need, and all of them
//! the page loads by default together stay under the 8 MB page-weight budget
//! (fashion-gan and its uniform-prior twin are fetched only when a link asks for them:
//! `?page=gan&weights=weights/fashion-gan`).

use std::path::Path;

use latentlab_model::Decoder;
use latentlab_model::burn::prelude::Device;
use latentlab_model::weights::{
    FEATURED_ATTRIBUTES, MANIFEST_FILE, WEIGHTS_FILE, load_export, load_points,
};

const SHIPPED: [&str; 4] = ["celeba-vae", "fashion-vae", "fashion-ae", "mlp-ae"];
const BUDGET_BYTES: u64 = 8 * 1024 * 1024;

#[test]
fn shipped_exports_load_and_fit_the_budget() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/weights");
    let device = Device::flex();
    let mut total = 0;
    for name in SHIPPED {
        let dir = root.join(name);
        let read = |file: &str| {
            std::fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
        };
        let (manifest_json, weights) = (read(MANIFEST_FILE), read(WEIGHTS_FILE));
        let export = load_export(&manifest_json, &weights, &device)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(export.manifest.name, name);
        total += manifest_json.len() as u64 + weights.len() as u64;
        let info = export
            .manifest
            .points
            .as_ref()
            .unwrap_or_else(|| panic!("{name} ships no encoded points for the page"));
        let points_bytes = read(&info.file);
        total += points_bytes.len() as u64;
        let points = load_points(&export.manifest, &points_bytes).unwrap();
        assert_eq!(points.z.len(), info.count * export.manifest.latent_dim);
        if name == "celeba-vae" {
            let names: Vec<&str> = export
                .manifest
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            for wanted in FEATURED_ATTRIBUTES {
                assert!(names.contains(&wanted), "celeba-vae lacks {wanted}");
            }
        } else {
            assert_eq!(
                points.labels.len(),
                info.count,
                "{name}: points carry labels"
            );
        }
    }
    // The GAN page's generator: no encoder, so no points; it names its prior and
    // decodes the face VAE's 200-D z.
    let dir = root.join("celeba-gan");
    let read = |file: &str| std::fs::read(dir.join(file)).unwrap();
    let (manifest_json, weights) = (read(MANIFEST_FILE), read(WEIGHTS_FILE));
    let gan = load_export(&manifest_json, &weights, &device).unwrap();
    assert!(gan.manifest.model.autoencoder().is_none() && gan.manifest.points.is_none());
    assert_eq!(gan.manifest.latent_dim, 200);
    assert_eq!(
        gan.manifest.model.prior(),
        latentlab_model::gan::Prior::Normal
    );
    total += manifest_json.len() as u64 + weights.len() as u64;
    assert!(total < BUDGET_BYTES, "shipped exports weigh {total} bytes");

    // fashion-gan and its twin trained on uniform z: shipped for the CLI and a GAN-page
    // link (the page shows the two under one prior), outside the budget. Twins differ
    // in the prior alone: same network, same data, as many image-steps.
    let twins = [
        ("fashion-gan", latentlab_model::gan::Prior::Normal),
        ("fashion-gan-uniform", latentlab_model::gan::Prior::Uniform),
    ]
    .map(|(name, prior)| {
        let dir = root.join(name);
        let read = |file: &str| {
            std::fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
        };
        let gan = load_export(&read(MANIFEST_FILE), &read(WEIGHTS_FILE), &device)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(gan.manifest.model.autoencoder().is_none() && gan.manifest.points.is_none());
        assert_eq!(gan.manifest.latent_dim, 64);
        assert_eq!(gan.manifest.image_shape(), [1, 32, 32]);
        assert_eq!(gan.manifest.model.prior(), prior, "{name}'s prior");
        gan.manifest
    });
    let images_seen = |m: &latentlab_model::Manifest| m.training.as_ref().map(|t| t.images_seen);
    assert_eq!(images_seen(&twins[0]), images_seen(&twins[1]));
}

fn shipped_face_model() -> latentlab_model::LoadedExport {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/weights/celeba-vae");
    let read = |file: &str| std::fs::read(dir.join(file)).unwrap();
    load_export(&read(MANIFEST_FILE), &read(WEIGHTS_FILE), &Device::flex()).unwrap()
}

/// Floors for the shipped face model's held-out figures (`latentlab eval`, stored in
/// its manifest): a collapsed VAE (every sample the same average face) fails them.
const MIN_ACTIVE_DIMS: usize = 20;
const MIN_DIVERSITY_RATIO: f64 = 0.5;

#[test]
fn shipped_face_model_meets_its_quality_floors() {
    let export = shipped_face_model();
    let quality = export
        .manifest
        .quality
        .as_ref()
        .expect("celeba-vae's manifest carries the quality figures of `latentlab eval`");
    assert_eq!(quality.kl_per_dim.len(), export.manifest.latent_dim);
    assert!(
        quality.active_dims >= MIN_ACTIVE_DIMS,
        "{} active dimensions",
        quality.active_dims
    );
    assert!(
        quality.diversity_ratio >= MIN_DIVERSITY_RATIO,
        "diversity ratio {}",
        quality.diversity_ratio
    );
}

/// Each of the page's eight main sliders at +2 and -2 moves face 0's pixels by a clear
/// margin: a mean absolute change of at least 0.02 (5 of 255 grey levels) between
/// the two ends.
#[test]
fn slider_attributes_visibly_change_a_face() {
    use latentlab_model::latent::{face_latent, steer};
    use latentlab_model::latent_batch;
    let export = shipped_face_model();
    let dim = export.manifest.latent_dim;
    let device = Device::flex();
    let z = face_latent(0, dim, 1.0);
    for name in FEATURED_ATTRIBUTES {
        let vector = &export
            .manifest
            .attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .vector;
        let decode = |alpha: f32| {
            let moved = steer(&z, [(alpha, vector.as_slice())]);
            export
                .model
                .decode(latent_batch(&moved, dim, &device))
                .into_data()
                .try_to_vec::<f32>()
                .unwrap()
        };
        let (plus, minus) = (decode(2.0), decode(-2.0));
        let change = plus
            .iter()
            .zip(&minus)
            .map(|(a, b)| (a - b).abs())
            .sum::<f32>()
            / plus.len() as f32;
        assert!(
            change >= 0.02,
            "{name}: +-2 changes pixels by only {change}"
        );
    }
}

/// Every shipped export records its training command as anyone can rerun it: the
/// binary as `latentlab` and no absolute path of the machine that trained it.
#[test]
fn shipped_manifests_record_portable_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/weights");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let json = std::fs::read(dir.join(MANIFEST_FILE))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let manifest: latentlab_model::Manifest =
            serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let command = &manifest
            .training
            .unwrap_or_else(|| panic!("{} records no training", dir.display()))
            .command;
        assert!(
            command.starts_with("latentlab "),
            "{}: {command}",
            dir.display()
        );
        let absolute = command
            .split(' ')
            .map(|arg| arg.split_once('=').map_or(arg, |(_, value)| value))
            .find(|arg| arg.starts_with('/'));
        assert_eq!(absolute, None, "{}: {command}", dir.display());
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} shipped exports found");
}
