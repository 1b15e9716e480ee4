//! The exports the page ships: each loads, its points file matches its manifest, the
//! face model carries the attribute vectors the page's sliders need, and all of them
//! together stay under the 8 MB page-weight budget.

use std::path::Path;

use latentlab_model::burn::prelude::Device;
use latentlab_model::weights::{MANIFEST_FILE, WEIGHTS_FILE, load_export, load_points};

const SHIPPED: [&str; 4] = ["celeba-vae", "fashion-vae", "fashion-ae", "mlp-ae"];
const BUDGET_BYTES: u64 = 8 * 1024 * 1024;
const SLIDER_ATTRIBUTES: [&str; 8] = [
    "Smiling",
    "Blond_Hair",
    "Eyeglasses",
    "Male",
    "Young",
    "Bald",
    "Wearing_Hat",
    "Mustache",
];

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
            for wanted in SLIDER_ATTRIBUTES {
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
    assert!(total < BUDGET_BYTES, "shipped exports weigh {total} bytes");
}
