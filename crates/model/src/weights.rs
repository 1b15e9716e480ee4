//! The one weights format: a safetensors file of f32 tensors plus a JSON manifest.
//!
//! Bytes in, bytes out: the CLI writes the two files, the page fetches them. Loading
//! checks everything a hand-edited, truncated or foreign file can get wrong and says
//! which field or tensor is at fault, because a panic in the browser just kills the page.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::store::SafetensorsStore;
use serde::{Deserialize, Serialize};

use crate::exported::{ExportSpec, ExportTensors, ExportedModel};
use crate::zoo::Autoencoder;

/// Value of the manifest's `format` field.
pub const FORMAT_NAME: &str = "latentlab-weights";
/// Bump when a reader of the previous version could misread a new file. Version 2:
/// the model zoo (kinds `conv` and `dense` with an explicit objective), height and
/// width instead of one image size, attribute vectors and encoded points.
pub const FORMAT_VERSION: u32 = 2;
/// File names inside an export directory (and under the page's weights URL).
pub const MANIFEST_FILE: &str = "manifest.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const POINTS_FILE: &str = "points.safetensors";

/// Everything the page and the CLI need to know about an export besides the tensors.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// Zoo name, e.g. `fashion-vae`.
    pub name: String,
    pub model: ExportSpec,
    pub dataset: DatasetInfo,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub latent_dim: usize,
    pub weights_file: String,
    /// Exact size of the weights file, so a cut-off download is named as such.
    pub weights_bytes: u64,
    #[serde(default)]
    pub training: Option<TrainingSummary>,
    /// mean(z | attribute) - mean(z | not attribute) per dataset attribute (CelebA).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeVector>,
    /// Encoded held-out images shipped beside the weights for scatter plots and
    /// histograms (see [`Points`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<PointsInfo>,
    /// Held-out quality figures of a VAE, written by `latentlab eval` (see
    /// [`crate::quality`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<crate::quality::Quality>,
    /// Distances of generated and reconstructed images from real ones in an ImageNet
    /// network's features, written by `latentlab eval` (see [`crate::quality::Fidelity`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<crate::quality::Fidelity>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DatasetInfo {
    pub name: String,
    /// Class names in label order (empty when the data has no labels).
    #[serde(default)]
    pub classes: Vec<String>,
}

/// How the weights were made, so a user can reproduce or judge them.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TrainingSummary {
    pub command: String,
    pub device: String,
    pub epochs: usize,
    pub images_seen: u64,
    pub seconds: f64,
    pub images_per_second: f64,
    /// An autoencoder's last epoch: its objective and the two parts (absent for a GAN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_reconstruction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_kl: Option<f64>,
    /// A GAN's last epoch (absent for an autoencoder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_gan: Option<GanLosses>,
}

impl TrainingSummary {
    /// `epochs` epochs of `(seconds, images)` each, summed; the final figures are left
    /// empty for the caller (an autoencoder's losses or a GAN's).
    pub fn timed(
        command: String,
        device: String,
        epochs: usize,
        per_epoch: impl IntoIterator<Item = (f64, usize)>,
    ) -> Self {
        let (seconds, images) = per_epoch
            .into_iter()
            .fold((0.0, 0usize), |(s, n), (es, en)| (s + es, n + en));
        Self {
            command,
            device,
            epochs,
            images_seen: images as u64,
            seconds,
            images_per_second: images as f64 / seconds.max(1e-9),
            final_loss: None,
            final_reconstruction: None,
            final_kl: None,
            final_gan: None,
        }
    }
}

/// Epoch means of a GAN's training figures.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct GanLosses {
    pub discriminator_loss: f64,
    pub generator_loss: f64,
    /// Mean D(x) on real images and D(G(z)) on generated ones.
    pub d_real: f64,
    pub d_fake: f64,
}

/// The attributes the page's sliders show first (the rest of a manifest's sit under
/// "more"); a shipped face model must carry a vector for each.
pub const FEATURED_ATTRIBUTES: [&str; 8] = [
    "Smiling",
    "Blond_Hair",
    "Eyeglasses",
    "Male",
    "Young",
    "Bald",
    "Wearing_Hat",
    "Mustache",
];

/// A direction in latent space that adds one attribute (e.g. `Smiling`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct AttributeVector {
    pub name: String,
    /// `latent_dim` numbers.
    pub vector: Vec<f32>,
    /// Images with and without the attribute that the means came from.
    pub positives: usize,
    pub negatives: usize,
}

/// Where the encoded points live and how many there are.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PointsInfo {
    pub file: String,
    pub count: usize,
    pub bytes: u64,
    /// What the points are, e.g. "posterior means of the first 3000 test images".
    pub description: String,
}

/// Encoded images: `z` is `[count, latent_dim]` row-major; `log_var` is the
/// posterior's log-variance in the same layout for a VAE (so a page can draw z the way
/// the model samples it, mean + sigma * noise) or empty for a plain AE; `labels` has
/// one class index per point, or is empty for unlabelled data.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    pub z: Vec<f32>,
    pub log_var: Vec<f32>,
    pub labels: Vec<u32>,
}

/// Why bytes could not become a model. Each variant names the part at fault.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WeightsError {
    #[error("manifest is not valid JSON: {0}")]
    ManifestNotJson(String),
    #[error("manifest is not a latentlab manifest: \"format\" is {0:?}, expected {FORMAT_NAME:?}")]
    NotLatentlab(String),
    #[error(
        "weights format version {0} is not supported; this build reads version {FORMAT_VERSION}"
    )]
    UnsupportedVersion(u64),
    #[error("manifest has a missing or malformed field: {0}")]
    ManifestField(String),
    #[error("model config in the manifest is invalid: {0}")]
    InvalidConfig(String),
    #[error("manifest contradicts its model config: {0}")]
    Inconsistent(String),
    #[error("weights file is truncated or padded: the manifest says {expected} bytes, got {found}")]
    WrongLength { expected: u64, found: u64 },
    #[error("weights file is not a safetensors file: {0}")]
    NotSafetensors(String),
    #[error("weights file lacks tensor '{0}' that the model needs")]
    MissingTensor(String),
    #[error("weights file has tensor '{0}' that this model does not have")]
    UnexpectedTensor(String),
    #[error("tensor '{name}' has shape {found:?}, but the model config needs {expected:?}")]
    ShapeMismatch {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("tensor '{name}' is stored as {found}, expected F32")]
    WrongDtype { name: String, found: String },
    #[error("could not serialise the weights: {0}")]
    Save(String),
    #[error("could not apply the weights to the model: {0}")]
    Apply(String),
    #[error("points file is not valid: {0}")]
    Points(String),
    #[error("{0} is a GAN's generator: it has no encoder, so it cannot {1}")]
    NoEncoder(String, &'static str),
}

/// A model ready to use, with the manifest it came from.
#[derive(Debug)]
pub struct LoadedExport {
    pub manifest: Manifest,
    pub model: ExportedModel,
}

impl LoadedExport {
    /// The autoencoder, or an error naming the export when it is a generator and so
    /// cannot do `what` (e.g. "encode images").
    pub fn autoencoder(&self, what: &'static str) -> Result<&Autoencoder, WeightsError> {
        self.model
            .autoencoder()
            .ok_or_else(|| WeightsError::NoEncoder(self.manifest.name.clone(), what))
    }
}

impl Manifest {
    /// A manifest for `model` (an autoencoder's spec or a GAN's config), with the sizes
    /// copied from it; `weights_bytes` is filled in by [`export_bytes`].
    pub fn new(name: &str, model: impl Into<ExportSpec>, dataset: DatasetInfo) -> Self {
        let model = model.into();
        let [channels, height, width] = model.image_shape();
        Self {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            name: name.into(),
            latent_dim: model.latent_dim(),
            model,
            dataset,
            channels,
            height,
            width,
            weights_file: WEIGHTS_FILE.into(),
            weights_bytes: 0,
            training: None,
            attributes: Vec::new(),
            points: None,
            quality: None,
            fidelity: None,
        }
    }

    /// Parses and checks a manifest. Format and version are read before the rest so a
    /// file from a newer build is reported as such, not as a confusing missing field.
    pub fn from_json(bytes: &[u8]) -> Result<Self, WeightsError> {
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| WeightsError::ManifestNotJson(e.to_string()))?;
        let format = value
            .get("format")
            .and_then(|f| f.as_str())
            .unwrap_or("<absent>");
        if format != FORMAT_NAME {
            return Err(WeightsError::NotLatentlab(format.into()));
        }
        match value.get("format_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) => return Err(WeightsError::UnsupportedVersion(v)),
            None => {
                return Err(WeightsError::ManifestField(
                    "format_version: absent or not a number".into(),
                ));
            }
        }
        let manifest: Manifest = serde_json::from_value(value)
            .map_err(|e| WeightsError::ManifestField(e.to_string()))?;
        manifest.check_consistency()?;
        Ok(manifest)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serialises")
    }

    /// `[channels, height, width]` of the images the model reads and writes.
    pub fn image_shape(&self) -> [usize; 3] {
        [self.channels, self.height, self.width]
    }

    /// Pixels per image (`channels * height * width`).
    pub fn pixels(&self) -> usize {
        self.image_shape().iter().product()
    }

    fn check_consistency(&self) -> Result<(), WeightsError> {
        self.model.validate().map_err(WeightsError::InvalidConfig)?;
        let [channels, height, width] = self.model.image_shape();
        let pairs = [
            ("channels", self.channels, channels),
            ("height", self.height, height),
            ("width", self.width, width),
            ("latent_dim", self.latent_dim, self.model.latent_dim()),
        ];
        for (field, top, inner) in pairs {
            if top != inner {
                return Err(WeightsError::Inconsistent(format!(
                    "{field} is {top} but the model config says {inner}"
                )));
            }
        }
        if self.model.autoencoder().is_none() {
            let encoded = [
                ("attribute vectors", !self.attributes.is_empty()),
                ("encoded points", self.points.is_some()),
                ("held-out quality figures", self.quality.is_some()),
            ];
            if let Some((what, _)) = encoded.into_iter().find(|(_, present)| *present) {
                return Err(WeightsError::Inconsistent(format!(
                    "it lists {what}, but a GAN's generator has no encoder to make them"
                )));
            }
        }
        for attribute in &self.attributes {
            if attribute.vector.len() != self.latent_dim {
                return Err(WeightsError::Inconsistent(format!(
                    "attribute vector '{}' has {} numbers, latent_dim is {}",
                    attribute.name,
                    attribute.vector.len(),
                    self.latent_dim
                )));
            }
        }
        Ok(())
    }
}

/// Serialises `model` (an autoencoder or a generator) to safetensors bytes and
/// completes `manifest` with their length.
pub fn export_bytes(
    model: &impl ExportTensors,
    mut manifest: Manifest,
) -> Result<(Manifest, Vec<u8>), WeightsError> {
    let mut store = SafetensorsStore::from_bytes(None);
    model
        .save_to(&mut store)
        .map_err(|e| WeightsError::Save(e.to_string()))?;
    let weights = store
        .get_bytes()
        .map_err(|e| WeightsError::Save(e.to_string()))?;
    manifest.weights_bytes = weights.len() as u64;
    Ok((manifest, weights))
}

/// Builds the model a manifest describes and fills it with `weights`, checking every
/// tensor's name, dtype and shape first.
pub fn load_export(
    manifest_json: &[u8],
    weights: &[u8],
    device: &Device,
) -> Result<LoadedExport, WeightsError> {
    let manifest = Manifest::from_json(manifest_json)?;
    if weights.len() as u64 != manifest.weights_bytes {
        return Err(WeightsError::WrongLength {
            expected: manifest.weights_bytes,
            found: weights.len() as u64,
        });
    }
    // Built only once the file can hold it: a manifest that claims a huge model is an
    // error here, before the model's memory is allocated.
    let needed = manifest
        .model
        .parameter_count()
        .and_then(|n| n.checked_mul(4));
    if needed.is_none_or(|bytes| bytes > weights.len() as u64) {
        return Err(WeightsError::Inconsistent(format!(
            "the model config needs {} bytes of f32 weights, the weights file has {}",
            needed.map_or("more than 2^64".to_string(), |n| n.to_string()),
            weights.len()
        )));
    }
    let mut model = manifest.model.init(device);
    check_tensors(model.tensor_shapes(), weights)?;

    let mut store = SafetensorsStore::from_bytes(Some(weights.to_vec()));
    let result = model.load_from_store(&mut store);
    let result = result.map_err(|e| WeightsError::Apply(e.to_string()))?;
    if !result.is_success() {
        return Err(WeightsError::Apply(format!("{:?}", result.errors)));
    }
    Ok(LoadedExport { manifest, model })
}

/// Compares the file's tensor table with the freshly built model's parameters.
fn check_tensors(expected: Vec<(String, Vec<usize>)>, weights: &[u8]) -> Result<(), WeightsError> {
    let file = safetensors::SafeTensors::deserialize(weights)
        .map_err(|e| WeightsError::NotSafetensors(e.to_string()))?;
    let mut found: BTreeMap<String, (Vec<usize>, String)> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, (view.shape().to_vec(), format!("{:?}", view.dtype()))))
        .collect();
    for (name, expected_shape) in expected {
        let (shape, dtype) = found
            .remove(&name)
            .ok_or_else(|| WeightsError::MissingTensor(name.clone()))?;
        if dtype != "F32" {
            return Err(WeightsError::WrongDtype { name, found: dtype });
        }
        if shape != expected_shape {
            return Err(WeightsError::ShapeMismatch {
                name,
                expected: expected_shape,
                found: shape,
            });
        }
    }
    match found.into_keys().next() {
        Some(extra) => Err(WeightsError::UnexpectedTensor(extra)),
        None => Ok(()),
    }
}

/// Serialises encoded points (`z` and, when present, `log_var` as F32 `[count, dim]`;
/// `labels` as U32 `[count]`).
pub fn points_bytes(points: &Points, latent_dim: usize) -> Result<Vec<u8>, WeightsError> {
    use safetensors::tensor::{Dtype, TensorView};
    let count = points.z.len() / latent_dim.max(1);
    let z: Vec<u8> = points.z.iter().flat_map(|v| v.to_le_bytes()).collect();
    let log_var: Vec<u8> = points
        .log_var
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let labels: Vec<u8> = points.labels.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut tensors = vec![(
        "z",
        TensorView::new(Dtype::F32, vec![count, latent_dim], &z)
            .map_err(|e| WeightsError::Save(e.to_string()))?,
    )];
    if !points.log_var.is_empty() {
        tensors.push((
            "log_var",
            TensorView::new(Dtype::F32, vec![count, latent_dim], &log_var)
                .map_err(|e| WeightsError::Save(e.to_string()))?,
        ));
    }
    if !points.labels.is_empty() {
        tensors.push((
            "labels",
            TensorView::new(Dtype::U32, vec![points.labels.len()], &labels)
                .map_err(|e| WeightsError::Save(e.to_string()))?,
        ));
    }
    safetensors::serialize(tensors, None).map_err(|e| WeightsError::Save(e.to_string()))
}

/// Reads a points file and checks it against the manifest that names it.
pub fn load_points(manifest: &Manifest, bytes: &[u8]) -> Result<Points, WeightsError> {
    let bad = |why: String| WeightsError::Points(why);
    let info = manifest
        .points
        .as_ref()
        .ok_or_else(|| bad("the manifest lists no points file".into()))?;
    if bytes.len() as u64 != info.bytes {
        return Err(bad(format!(
            "the manifest says {} bytes, got {}",
            info.bytes,
            bytes.len()
        )));
    }
    let file = safetensors::SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
    let z = file
        .tensor("z")
        .map_err(|e| bad(format!("tensor z: {e}")))?;
    if z.dtype() != safetensors::Dtype::F32 || z.shape() != [info.count, manifest.latent_dim] {
        return Err(bad(format!(
            "z is {:?} {:?}, expected F32 [{}, {}]",
            z.dtype(),
            z.shape(),
            info.count,
            manifest.latent_dim
        )));
    }
    let z = f32s(z.data());
    let log_var = match file.tensor("log_var") {
        Ok(view) => {
            if view.dtype() != safetensors::Dtype::F32
                || view.shape() != [info.count, manifest.latent_dim]
            {
                return Err(bad(format!(
                    "log_var is {:?} {:?}, expected F32 [{}, {}]",
                    view.dtype(),
                    view.shape(),
                    info.count,
                    manifest.latent_dim
                )));
            }
            f32s(view.data())
        }
        Err(_) => Vec::new(),
    };
    let labels = match file.tensor("labels") {
        Ok(view) => {
            if view.dtype() != safetensors::Dtype::U32 || view.shape() != [info.count] {
                return Err(bad(format!(
                    "labels are {:?} {:?}, expected U32 [{}]",
                    view.dtype(),
                    view.shape(),
                    info.count
                )));
            }
            view.data()
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        }
        Err(_) => Vec::new(),
    };
    Ok(Points { z, log_var, labels })
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}
