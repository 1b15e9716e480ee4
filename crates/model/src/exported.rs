//! What an export holds: an autoencoder (encoder and decoder) or a GAN's generator (a
//! decoder with no encoder, and the prior its z come from).
//!
//! The page and the CLI decode both the same way; whatever needs an encoder (eval,
//! points, attribute vectors, reconstruction) asks [`ExportedModel::autoencoder`] and
//! reports a generator by name instead of failing somewhere inside.

use burn::prelude::*;
use burn::store::{ApplyResult, ModuleSnapshot, ModuleStore};
use serde::{Deserialize, Serialize};

use crate::conv::ConvConfig;
use crate::dense::DenseConfig;
use crate::gan::Prior;
use crate::gan::dcgan::{DcganConfig, Generator};
use crate::zoo::{Autoencoder, ModelSpec};

/// The manifest's `model` field: `{"kind": "conv" | "dense" | "gan", "config": ...}`.
/// A GAN export ships the generator only; its config carries the prior.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(from = "SpecRepr", into = "SpecRepr")]
pub enum ExportSpec {
    Autoencoder(ModelSpec),
    Generator(DcganConfig),
}

/// The wire form: one flat tag for every kind, so a manifest names its kind in one place.
#[derive(Serialize, Deserialize, Clone)]
#[serde(tag = "kind", content = "config", rename_all = "kebab-case")]
enum SpecRepr {
    Conv(ConvConfig),
    Dense(DenseConfig),
    Gan(DcganConfig),
}

impl From<SpecRepr> for ExportSpec {
    fn from(repr: SpecRepr) -> Self {
        match repr {
            SpecRepr::Conv(c) => Self::Autoencoder(ModelSpec::Conv(c)),
            SpecRepr::Dense(c) => Self::Autoencoder(ModelSpec::Dense(c)),
            SpecRepr::Gan(c) => Self::Generator(c),
        }
    }
}

impl From<ExportSpec> for SpecRepr {
    fn from(spec: ExportSpec) -> Self {
        match spec {
            ExportSpec::Autoencoder(ModelSpec::Conv(c)) => Self::Conv(c),
            ExportSpec::Autoencoder(ModelSpec::Dense(c)) => Self::Dense(c),
            ExportSpec::Generator(c) => Self::Gan(c),
        }
    }
}

impl From<&ModelSpec> for ExportSpec {
    fn from(spec: &ModelSpec) -> Self {
        Self::Autoencoder(spec.clone())
    }
}

impl From<&DcganConfig> for ExportSpec {
    fn from(config: &DcganConfig) -> Self {
        Self::Generator(config.clone())
    }
}

impl ExportSpec {
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Autoencoder(spec) => spec.validate(),
            Self::Generator(config) => config.validate(),
        }
    }

    /// Elements of every tensor the weights file stores (a GAN's: the generator's).
    pub fn parameter_count(&self) -> Option<u64> {
        match self {
            Self::Autoencoder(spec) => spec.parameter_count(),
            Self::Generator(config) => config.generator_parameters(),
        }
    }

    /// `[channels, height, width]` of the images the model writes.
    pub fn image_shape(&self) -> [usize; 3] {
        match self {
            Self::Autoencoder(spec) => spec.image_shape(),
            Self::Generator(c) => [c.channels, c.image_size, c.image_size],
        }
    }

    pub fn latent_dim(&self) -> usize {
        match self {
            Self::Autoencoder(spec) => spec.latent_dim(),
            Self::Generator(c) => c.latent_dim,
        }
    }

    /// The autoencoder's spec; `None` for a generator.
    pub fn autoencoder(&self) -> Option<&ModelSpec> {
        match self {
            Self::Autoencoder(spec) => Some(spec),
            Self::Generator(_) => None,
        }
    }

    /// The distribution z is drawn from: a generator's setting; N(0, I) for a VAE
    /// (its prior) and for a plain AE (by convention: its codes have no prior).
    pub fn prior(&self) -> Prior {
        match self {
            Self::Autoencoder(_) => Prior::Normal,
            Self::Generator(c) => c.prior,
        }
    }

    /// A model with fresh random weights; [`Self::validate`] first for untrusted configs.
    pub fn init(&self, device: &Device) -> ExportedModel {
        match self {
            Self::Autoencoder(spec) => ExportedModel::Autoencoder(spec.init(device)),
            Self::Generator(config) => ExportedModel::Generator(config.init_generator(device)),
        }
    }
}

/// A loaded export's network.
#[derive(Debug)]
pub enum ExportedModel {
    Autoencoder(Autoencoder),
    Generator(Generator),
}

/// The modules an export file holds, written under their own tensor names (no enum
/// variant prefix), so a file reads the same however the enums are arranged.
pub trait ExportTensors {
    fn save_to<P: ModuleStore>(&self, store: &mut P) -> Result<(), P::Error>;
}

impl ExportTensors for Autoencoder {
    fn save_to<P: ModuleStore>(&self, store: &mut P) -> Result<(), P::Error> {
        Autoencoder::save_to(self, store)
    }
}

impl ExportTensors for Generator {
    fn save_to<P: ModuleStore>(&self, store: &mut P) -> Result<(), P::Error> {
        self.save_into(store)
    }
}

impl ExportTensors for ExportedModel {
    fn save_to<P: ModuleStore>(&self, store: &mut P) -> Result<(), P::Error> {
        match self {
            Self::Autoencoder(m) => m.save_to(store),
            Self::Generator(m) => m.save_into(store),
        }
    }
}

/// Latent vectors `[batch, latent_dim]` to images: what sampling, grids and the page
/// need of any model.
pub trait Decoder {
    fn decode(&self, z: Tensor<2>) -> Tensor<4>;
}

impl Decoder for Autoencoder {
    fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        Autoencoder::decode(self, z)
    }
}

impl Decoder for Generator {
    fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        self.forward(z)
    }
}

impl Decoder for ExportedModel {
    fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        match self {
            Self::Autoencoder(m) => m.decode(z),
            Self::Generator(m) => m.forward(z),
        }
    }
}

impl ExportedModel {
    /// The autoencoder, for what needs an encoder; `None` for a generator.
    pub fn autoencoder(&self) -> Option<&Autoencoder> {
        match self {
            Self::Autoencoder(m) => Some(m),
            Self::Generator(_) => None,
        }
    }

    /// The network for decoding and encoding only, with BatchNorm folded where that
    /// is implemented (the conv autoencoders; a GAN's generator keeps its norms).
    /// Such a model must not be trained or exported.
    pub fn for_inference(self) -> Self {
        match self {
            Self::Autoencoder(m) => Self::Autoencoder(m.fold_batch_norm()),
            generator => generator,
        }
    }

    pub(crate) fn load_from_store<P: ModuleStore>(
        &mut self,
        store: &mut P,
    ) -> Result<ApplyResult, P::Error> {
        match self {
            Self::Autoencoder(m) => m.load_from_store(store),
            Self::Generator(m) => m.load_from(store),
        }
    }

    /// Name and shape of every tensor the export's weights file must hold.
    pub(crate) fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        match self {
            Self::Autoencoder(m) => m.tensor_shapes(),
            Self::Generator(m) => m
                .collect(None, None, false)
                .into_iter()
                .map(|t| (t.name.clone(), t.shape.to_vec()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_through_the_flat_kind_tag() {
        let specs = [
            ExportSpec::Autoencoder(ModelSpec::Conv(ConvConfig::fashion_vae())),
            ExportSpec::Autoencoder(ModelSpec::Dense(DenseConfig::mlp_ae())),
            ExportSpec::Generator(DcganConfig::fashion_gan().with_prior(Prior::Uniform)),
        ];
        for (spec, kind) in specs.into_iter().zip(["conv", "dense", "gan"]) {
            let json = serde_json::to_value(&spec).unwrap();
            assert_eq!(json["kind"], kind);
            let back: ExportSpec = serde_json::from_value(json).unwrap();
            assert_eq!(back, spec);
        }
        let gan = serde_json::to_value(ExportSpec::from(&DcganConfig::celeba_gan())).unwrap();
        assert_eq!(gan["config"]["prior"], "normal");
    }

    #[test]
    fn a_generator_counts_only_the_generator_and_has_no_autoencoder() {
        let config = DcganConfig::fashion_gan();
        let spec = ExportSpec::from(&config);
        assert_eq!(spec.parameter_count(), config.generator_parameters());
        assert!(spec.autoencoder().is_none());
        let model = spec.init(&Device::flex());
        assert!(model.autoencoder().is_none());
        let elements: usize = model
            .tensor_shapes()
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        assert_eq!(Some(elements as u64), config.generator_parameters());
    }
}
