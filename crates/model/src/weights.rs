//! The one weights format: a safetensors file of f32 tensors plus a JSON manifest.
//!
//! Bytes in, bytes out: the CLI writes the two files, the page fetches them. Loading
//! checks everything a hand-edited, truncated or foreign file can get wrong and says
//! which field or tensor is at fault, because a panic in the browser just kills the page.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use serde::{Deserialize, Serialize};

use crate::conv_vae::{ConvVae, ConvVaeConfig};

/// Value of the manifest's `format` field.
pub const FORMAT_NAME: &str = "latentlab-weights";
/// Bump when a reader of the previous version could misread a new file.
pub const FORMAT_VERSION: u32 = 1;
/// File names inside an export directory (and under the page's weights URL).
pub const MANIFEST_FILE: &str = "manifest.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// Everything the page and the CLI need to know about an export besides the tensors.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// Zoo name, e.g. `fashion-vae`.
    pub name: String,
    pub model: ModelSpec,
    pub dataset: DatasetInfo,
    pub image_size: usize,
    pub channels: usize,
    pub latent_dim: usize,
    pub weights_file: String,
    /// Exact size of the weights file, so a cut-off download is named as such.
    pub weights_bytes: u64,
    #[serde(default)]
    pub training: Option<TrainingSummary>,
}

/// Which module the tensors belong to, with its full config.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", content = "config", rename_all = "kebab-case")]
pub enum ModelSpec {
    ConvVae(ConvVaeConfig),
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
    pub final_loss: f64,
    pub final_reconstruction: f64,
    pub final_kl: f64,
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
}

/// A model ready to use, with the manifest it came from.
#[derive(Debug)]
pub struct LoadedExport {
    pub manifest: Manifest,
    pub model: ConvVae,
}

impl Manifest {
    /// A manifest for `config`, with the sizes copied from it; `weights_bytes` is filled
    /// in by [`export_bytes`].
    pub fn for_conv_vae(name: &str, config: &ConvVaeConfig, dataset: DatasetInfo) -> Self {
        Self {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            name: name.into(),
            model: ModelSpec::ConvVae(config.clone()),
            dataset,
            image_size: config.image_size,
            channels: config.channels,
            latent_dim: config.latent_dim,
            weights_file: WEIGHTS_FILE.into(),
            weights_bytes: 0,
            training: None,
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

    fn check_consistency(&self) -> Result<(), WeightsError> {
        let ModelSpec::ConvVae(config) = &self.model;
        config.validate().map_err(WeightsError::InvalidConfig)?;
        let pairs = [
            ("image_size", self.image_size, config.image_size),
            ("channels", self.channels, config.channels),
            ("latent_dim", self.latent_dim, config.latent_dim),
        ];
        for (field, top, inner) in pairs {
            if top != inner {
                return Err(WeightsError::Inconsistent(format!(
                    "{field} is {top} but the model config says {inner}"
                )));
            }
        }
        Ok(())
    }
}

/// Serialises `model` to safetensors bytes and completes `manifest` with their length.
pub fn export_bytes(
    model: &ConvVae,
    mut manifest: Manifest,
) -> Result<(Manifest, Vec<u8>), WeightsError> {
    let mut store = SafetensorsStore::from_bytes(None);
    model
        .save_into(&mut store)
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
    let ModelSpec::ConvVae(config) = &manifest.model;
    let mut model = config.init(device);
    check_tensors(&model, weights)?;

    let mut store = SafetensorsStore::from_bytes(Some(weights.to_vec()));
    let result = model
        .load_from(&mut store)
        .map_err(|e| WeightsError::Apply(e.to_string()))?;
    if !result.is_success() {
        return Err(WeightsError::Apply(format!("{:?}", result.errors)));
    }
    Ok(LoadedExport { manifest, model })
}

/// Compares the file's tensor table with the freshly built model's parameters.
fn check_tensors(model: &ConvVae, weights: &[u8]) -> Result<(), WeightsError> {
    let file = safetensors::SafeTensors::deserialize(weights)
        .map_err(|e| WeightsError::NotSafetensors(e.to_string()))?;
    let mut found: BTreeMap<String, (Vec<usize>, String)> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, (view.shape().to_vec(), format!("{:?}", view.dtype()))))
        .collect();
    for expected in model.collect(None, None, false) {
        let (shape, dtype) = found
            .remove(&expected.name)
            .ok_or_else(|| WeightsError::MissingTensor(expected.name.clone()))?;
        if dtype != "F32" {
            return Err(WeightsError::WrongDtype {
                name: expected.name,
                found: dtype,
            });
        }
        let expected_shape = expected.shape.to_vec();
        if shape != expected_shape {
            return Err(WeightsError::ShapeMismatch {
                name: expected.name,
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
