//! latentlab's model crate: the burn modules, their losses, the latent maths and the
//! weights format, shared unchanged by the native CLI and the browser app.
//!
//! Nothing here touches files or the network: callers hand in bytes and devices, so
//! the crate builds for `wasm32-unknown-unknown` and native alike. This is the only
//! place a model is defined.

pub mod blocks;
pub mod conv;
pub mod dense;
pub mod efficientnet;
pub mod exported;
pub mod gan;
pub mod grid;
pub mod latent;
pub mod loss;
pub mod objective;
#[cfg(feature = "autodiff")]
pub mod optim;
pub mod palette;
pub mod projections;
pub mod quality;
pub mod scale;
pub mod view;
pub mod weights;
pub mod zoo;

pub use burn;
pub use conv::{ConvAutoencoder, ConvConfig};
pub use dense::{DenseAutoencoder, DenseConfig};
pub use exported::{Decoder, ExportSpec, ExportedModel};
pub use objective::{Objective, Reconstruction};
pub use weights::{LoadedExport, Manifest, WeightsError};
pub use zoo::{Autoencoder, ForwardOutput, ModelSpec, Zoo, ZooKind};

use burn::prelude::*;

/// Row-major latent vectors (`z.len() / dim` of them) as a `[count, dim]` tensor.
pub fn latent_batch(z: &[f32], dim: usize, device: &Device) -> Tensor<2> {
    let count = z.len() / dim;
    Tensor::from_data(TensorData::new(z.to_vec(), [count, dim]), device)
}
