//! The model zoo: every named model, one enum the CLI and the page hold, and the
//! single forward/decode path they all share.

use burn::module::Module;
use burn::prelude::*;
use burn::store::{ApplyResult, ModuleSnapshot, ModuleStore};
use burn::tensor::Distribution;
use burn::tensor::activation::sigmoid;
use serde::{Deserialize, Serialize};

use crate::conv::{ConvAutoencoder, ConvConfig};
use crate::dense::{DenseAutoencoder, DenseConfig};
use crate::gan::dcgan::DcganConfig;
use crate::objective::{Objective, Reconstruction};

/// Every named model, in the order `--help` lists them: the one list the CLI's
/// `--model`, its presets and the tests walk. Adding a variant fails to compile until
/// it has a name, a config and (in the CLI) a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoo {
    MlpAe,
    LinearAe,
    MnistVae,
    FashionAe,
    FashionVae,
    CelebaVae,
    FreyVae,
    FashionGan,
    CelebaGan,
}

/// A zoo model's config: an autoencoder's spec, or a GAN's.
#[derive(Debug, Clone, PartialEq)]
pub enum ZooKind {
    Autoencoder(ModelSpec),
    Gan(DcganConfig),
}

impl Zoo {
    pub const ALL: [Zoo; 9] = [
        Zoo::MlpAe,
        Zoo::LinearAe,
        Zoo::MnistVae,
        Zoo::FashionAe,
        Zoo::FashionVae,
        Zoo::CelebaVae,
        Zoo::FreyVae,
        Zoo::FashionGan,
        Zoo::CelebaGan,
    ];

    /// The autoencoders and VAEs (every model with an encoder).
    pub const AUTOENCODERS: [Zoo; 7] = [
        Zoo::MlpAe,
        Zoo::LinearAe,
        Zoo::MnistVae,
        Zoo::FashionAe,
        Zoo::FashionVae,
        Zoo::CelebaVae,
        Zoo::FreyVae,
    ];

    /// The name manifests, run folders and `--model` use.
    pub fn name(self) -> &'static str {
        match self {
            Zoo::MlpAe => "mlp-ae",
            Zoo::LinearAe => "linear-ae",
            Zoo::MnistVae => "mnist-vae",
            Zoo::FashionAe => "fashion-ae",
            Zoo::FashionVae => "fashion-vae",
            Zoo::CelebaVae => "celeba-vae",
            Zoo::FreyVae => "frey-vae",
            Zoo::FashionGan => "fashion-gan",
            Zoo::CelebaGan => "celeba-gan",
        }
    }

    pub fn from_name(name: &str) -> Option<Zoo> {
        Zoo::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The model's config; Frey gets a 2-D latent and the Gaussian decoder of the VAE
    /// paper.
    pub fn kind(self) -> ZooKind {
        let ae = ZooKind::Autoencoder;
        match self {
            Zoo::MlpAe => ae(ModelSpec::Dense(DenseConfig::mlp_ae())),
            Zoo::LinearAe => ae(ModelSpec::Dense(DenseConfig::linear_ae())),
            Zoo::MnistVae => ae(ModelSpec::Dense(DenseConfig::mnist_vae())),
            Zoo::FashionAe => ae(ModelSpec::Conv(ConvConfig::fashion_ae())),
            Zoo::FashionVae => ae(ModelSpec::Conv(ConvConfig::fashion_vae())),
            Zoo::CelebaVae => ae(ModelSpec::Conv(ConvConfig::celeba_vae())),
            Zoo::FreyVae => ae(ModelSpec::Dense(DenseConfig::frey_vae(
                2,
                Reconstruction::Gaussian,
            ))),
            Zoo::FashionGan => ZooKind::Gan(DcganConfig::fashion_gan()),
            Zoo::CelebaGan => ZooKind::Gan(DcganConfig::celeba_gan()),
        }
    }

    /// The autoencoder spec, for the models that have one.
    pub fn spec(self) -> Option<ModelSpec> {
        match self.kind() {
            ZooKind::Autoencoder(spec) => Some(spec),
            ZooKind::Gan(_) => None,
        }
    }

    /// `[channels, height, width]` of the model's images.
    pub fn image_shape(self) -> [usize; 3] {
        match self.kind() {
            ZooKind::Autoencoder(spec) => spec.image_shape(),
            ZooKind::Gan(c) => [c.channels, c.image_size, c.image_size],
        }
    }
}

/// Which module an export holds, with its full config.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", content = "config", rename_all = "kebab-case")]
pub enum ModelSpec {
    Conv(ConvConfig),
    Dense(DenseConfig),
}

impl ModelSpec {
    /// The zoo's autoencoder config for `name` (a [`Zoo::name`]).
    pub fn named(name: &str) -> Option<Self> {
        Zoo::from_name(name).and_then(Zoo::spec)
    }

    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Conv(c) => c.validate(),
            Self::Dense(c) => c.validate(),
        }
    }

    /// Elements of every tensor the model holds (what its weights file stores), or
    /// `None` when that overflows.
    pub fn parameter_count(&self) -> Option<u64> {
        match self {
            Self::Conv(c) => c.parameter_count(),
            Self::Dense(c) => c.parameter_count(),
        }
    }

    pub fn objective(&self) -> &Objective {
        match self {
            Self::Conv(c) => &c.objective,
            Self::Dense(c) => &c.objective,
        }
    }

    /// `[channels, height, width]` of the images the model reads and writes.
    pub fn image_shape(&self) -> [usize; 3] {
        match self {
            Self::Conv(c) => [c.channels, c.image_size, c.image_size],
            Self::Dense(c) => [c.channels, c.height, c.width],
        }
    }

    pub fn latent_dim(&self) -> usize {
        match self {
            Self::Conv(c) => c.latent_dim,
            Self::Dense(c) => c.latent_dim,
        }
    }

    /// A model with fresh random weights; [`Self::validate`] first for untrusted configs.
    pub fn init(&self, device: &Device) -> Autoencoder {
        match self {
            Self::Conv(c) => Autoencoder::Conv(c.init(device)),
            Self::Dense(c) => Autoencoder::Dense(c.init(device)),
        }
    }
}

/// Any zoo model. Both variants map images `[batch, c, h, w]` in [0, 1] to latents and back.
#[derive(Module, Debug)]
pub enum Autoencoder {
    Conv(ConvAutoencoder),
    Dense(DenseAutoencoder),
}

/// What the loss needs from one training forward pass.
#[derive(Debug, Clone)]
pub struct ForwardOutput {
    /// Decoder output before the sigmoid (the raw output of a linear decoder).
    pub logits: Tensor<4>,
    /// Per-pixel log variance of a Gaussian decoder.
    pub pixel_log_var: Option<Tensor<4>>,
    pub z_mean: Tensor<2>,
    /// Absent for a plain autoencoder.
    pub z_log_var: Option<Tensor<2>>,
    /// Whether `logits` go through a sigmoid to become the image.
    pub sigmoid_output: bool,
}

impl Autoencoder {
    /// z's mean (the code, for a plain AE) and, for a VAE, its log variance.
    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Option<Tensor<2>>) {
        match self {
            Self::Conv(m) => m.encode(images),
            Self::Dense(m) => m.encode(images),
        }
    }

    fn decode_parts(&self, z: Tensor<2>) -> (Tensor<4>, Option<Tensor<4>>) {
        match self {
            Self::Conv(m) => (m.decode_logits(z), None),
            Self::Dense(m) => m.decode_parts(z),
        }
    }

    /// The network for inference: the conv model's BatchNorms folded into the layers
    /// before them (see [`ConvAutoencoder::fold_batch_norm`]); the dense models have none.
    pub fn fold_batch_norm(self) -> Self {
        match self {
            Self::Conv(m) => Self::Conv(m.fold_batch_norm()),
            dense => dense,
        }
    }

    /// Whether the decoder ends in a sigmoid (all but the linear AE).
    fn squashes(&self) -> bool {
        match self {
            Self::Conv(_) => true,
            Self::Dense(m) => m.sigmoid_output(),
        }
    }

    /// Latent vectors `[batch, latent_dim]` to images; values in [0, 1] except for the
    /// linear AE, whose raw output callers clamp when drawing.
    pub fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        let (logits, _) = self.decode_parts(z);
        if self.squashes() {
            sigmoid(logits)
        } else {
            logits
        }
    }

    /// Encode, sample z by reparameterisation (VAE) or take the code (AE), decode.
    pub fn forward(&self, images: Tensor<4>) -> ForwardOutput {
        let (z_mean, z_log_var) = self.encode(images);
        let z = match &z_log_var {
            Some(log_var) => reparameterize(z_mean.clone(), log_var.clone()),
            None => z_mean.clone(),
        };
        let (logits, pixel_log_var) = self.decode_parts(z);
        ForwardOutput {
            logits,
            pixel_log_var,
            z_mean,
            z_log_var,
            sigmoid_output: self.squashes(),
        }
    }

    /// Writes the tensors into `store` under the inner module's names (no enum variant
    /// prefix), so a file reads the same however the zoo enum is arranged.
    pub fn save_to<P: ModuleStore>(&self, store: &mut P) -> Result<(), P::Error> {
        match self {
            Self::Conv(m) => m.save_into(store),
            Self::Dense(m) => m.save_into(store),
        }
    }

    /// Fills the model from `store` (names as written by [`Self::save_to`]).
    pub fn load_from_store<P: ModuleStore>(
        &mut self,
        store: &mut P,
    ) -> Result<ApplyResult, P::Error> {
        match self {
            Self::Conv(m) => m.load_from(store),
            Self::Dense(m) => m.load_from(store),
        }
    }

    /// Name and shape of every tensor [`Self::save_to`] writes.
    pub fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let snapshots = match self {
            Self::Conv(m) => m.collect(None, None, false),
            Self::Dense(m) => m.collect(None, None, false),
        };
        snapshots
            .into_iter()
            .map(|t| (t.name.clone(), t.shape.to_vec()))
            .collect()
    }

    /// Encode then decode the mean: the deterministic reconstruction eval shows.
    pub fn reconstruct(&self, images: Tensor<4>) -> Tensor<4> {
        let (z_mean, _) = self.encode(images);
        self.decode(z_mean)
    }
}

/// z = mean + exp(log_var / 2) * eps with eps ~ N(0, I), so gradients flow through
/// mean and log_var while the randomness stays outside the graph.
pub fn reparameterize(z_mean: Tensor<2>, z_log_var: Tensor<2>) -> Tensor<2> {
    let eps = z_mean.random_like(Distribution::Normal(0.0, 1.0));
    z_mean + (z_log_var * 0.5).exp() * eps
}

#[cfg(test)]
mod tests {
    use super::Zoo;

    #[test]
    fn every_zoo_name_is_unique_and_finds_its_model() {
        for model in Zoo::ALL {
            assert_eq!(Zoo::from_name(model.name()), Some(model));
            let valid = match model.kind() {
                super::ZooKind::Autoencoder(spec) => spec.validate(),
                super::ZooKind::Gan(config) => config.validate(),
            };
            assert!(valid.is_ok(), "{}", model.name());
        }
        for model in Zoo::AUTOENCODERS {
            assert!(model.spec().is_some(), "{}", model.name());
        }
        assert_eq!(Zoo::from_name("no-such-model"), None);
    }
}
