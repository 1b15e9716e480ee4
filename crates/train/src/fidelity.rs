//! How close a model's images are to real ones, as two numbers `eval` can steer runs
//! by: the Fréchet and kernel distances between EfficientNet-Lite0 features (the
//! ImageNet network beside the shared data, ported in `latentlab_model::efficientnet`)
//! of N generated images and N held-out real ones, with the floor a perfect model
//! would reach at the same N (N training images against the same held-out ones).
//!
//! Images reach the network as it was trained to see photos: RGB (grey replicated),
//! resized bilinearly to 224x224 (half-pixel centres), bytes normalised. Every set
//! goes through that one path, so the resize costs every set alike.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use latentlab_model::Decoder;
use latentlab_model::burn::prelude::*;
use latentlab_model::burn::tensor::module::interpolate;
use latentlab_model::burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use latentlab_model::efficientnet::{EfficientNetLite0, FEATURES, INPUT_SIDE};
use latentlab_model::gan::Prior;
use latentlab_model::latent::prior_latents;
use latentlab_model::quality::{Distances, Fidelity};
use latentlab_model::{Autoencoder, latent_batch};
use latentlab_sampling::SeededRng;
use latentlab_sampling::frechet::{Features, frechet_distance, kernel_distance};

use crate::data::{Dataset, shuffled};
use crate::sample::to_vec;

/// Where the network's weights sit under the data folder.
pub const CNN_FILE: &str = "efficientnet-lite0/efficientnet_lite0_f16.safetensors";

/// Images per set by default: the count the project's published figures use.
pub const DEFAULT_IMAGES: usize = 1000;

/// Images the network sees at once (its activations at 224x224 are large).
const CHUNK: usize = 16;

/// The feature network, ready to turn images into 1280-D vectors.
pub struct FeatureNet {
    net: EfficientNetLite0,
    device: Device,
}

impl FeatureNet {
    /// Loads the weights at `path`, naming the file when it is missing or is not
    /// EfficientNet-Lite0's.
    pub fn open(path: &Path, device: &Device) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| {
            format!(
                "cannot read the feature network {} (EfficientNet-Lite0's weights, {CNN_FILE} in the shared data; pass --cnn)",
                path.display()
            )
        })?;
        let net = EfficientNetLite0::from_safetensors(&bytes, device).with_context(|| {
            format!(
                "{} is not EfficientNet-Lite0's weights ({CNN_FILE} in the shared data)",
                path.display()
            )
        })?;
        Ok(Self {
            net,
            device: device.clone(),
        })
    }

    /// Features of images `[n, c, h, w]` in [0, 1] (1 or 3 channels), one row each.
    pub fn features(&self, pixels: &[f32], shape: [usize; 3]) -> Result<Vec<f64>> {
        let [channels, h, w] = shape;
        ensure!(
            channels == 1 || channels == 3,
            "the feature network reads grey or RGB images, not {channels} channels"
        );
        let per_image = channels * h * w;
        let mut out = Vec::with_capacity(pixels.len() / per_image.max(1) * FEATURES);
        for chunk in pixels.chunks(CHUNK * per_image) {
            let n = chunk.len() / per_image;
            let x = Tensor::<4>::from_data(
                TensorData::new(chunk.to_vec(), [n, channels, h, w]),
                &self.device,
            );
            let x = if channels == 1 { x.repeat_dim(1, 3) } else { x };
            let x = if [h, w] == [INPUT_SIDE; 2] {
                x
            } else {
                let options = InterpolateOptions::new(InterpolateMode::Bilinear)
                    .with_align_corners(false)
                    .with_output_size([INPUT_SIDE; 2]);
                interpolate(x, options)
            };
            let x = EfficientNetLite0::normalise(x.clamp(0.0, 1.0) * 255.0);
            out.extend(to_vec(self.net.features(x))?.into_iter().map(f64::from));
        }
        Ok(out)
    }
}

/// The default network path under the data folder `data_root`.
pub fn default_cnn(data_root: &Path) -> PathBuf {
    data_root.join(CNN_FILE)
}

/// Both distances between two sets of features.
pub fn distances(a: &[f64], b: &[f64]) -> Distances {
    let (a, b) = (Features::new(a, FEATURES), Features::new(b, FEATURES));
    Distances {
        frechet: frechet_distance(a, b),
        kernel: kernel_distance(a, b),
    }
}

/// What [`measure`] generates images with.
pub struct Model<'a> {
    pub decoder: &'a dyn Decoder,
    /// The encoder too, for reconstructions (autoencoders).
    pub autoencoder: Option<&'a Autoencoder>,
    pub latent_dim: usize,
    pub prior: Prior,
}

/// The fidelity figures of `model` with `images` per set: its prior samples (faces
/// `seed ..`, as `sample` and the page draw them) and, for an autoencoder, its
/// reconstructions of `images` held-out images, each against `images` other held-out
/// images; the floor is `images` training images against those same held-out ones.
pub fn measure(
    net: &FeatureNet,
    model: Model,
    (held_out, training): (&Dataset, &Dataset),
    images: usize,
    seed: u64,
    device: &Device,
) -> Result<Fidelity> {
    let sets = if model.autoencoder.is_some() { 2 } else { 1 };
    ensure!(images >= 2, "--fidelity-images must be at least 2");
    ensure!(
        held_out.len() >= sets * images,
        "{} held-out images are too few for {sets} sets of {images} (pass a smaller --fidelity-images)",
        held_out.len()
    );
    ensure!(
        training.len() >= images,
        "{} training images are too few for a floor of {images} (pass a smaller --fidelity-images)",
        training.len()
    );
    let shape = held_out.shape;
    let held = shuffled(held_out.len(), &mut SeededRng::new(seed));
    let train = shuffled(training.len(), &mut SeededRng::new(seed ^ 0x5eed));
    let timed = |what: &str, pixels: &[f32]| -> Result<Vec<f64>> {
        let started = std::time::Instant::now();
        let features = net.features(pixels, shape)?;
        eprintln!(
            "features of {images} {what} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(features)
    };
    let reference = timed("held-out images", &held_out.floats(&held[..images]))?;
    let floor = timed("training images", &training.floats(&train[..images]))?;
    let z = prior_latents(model.prior, seed, images, model.latent_dim, 1.0);
    let mut generated = Vec::with_capacity(images * held_out.per_image());
    for rows in z.chunks(100 * model.latent_dim) {
        let batch = latent_batch(rows, model.latent_dim, device);
        generated.extend(to_vec(model.decoder.decode(batch))?);
    }
    let samples = timed("samples", &generated)?;
    let reconstructions = match model.autoencoder {
        Some(autoencoder) => {
            let mut pixels = Vec::with_capacity(generated.len());
            for chunk in held[images..2 * images].chunks(100) {
                pixels.extend(to_vec(
                    autoencoder.reconstruct(held_out.batch(chunk, device)),
                )?);
            }
            Some(distances(&timed("reconstructions", &pixels)?, &reference))
        }
        None => None,
    };
    Ok(Fidelity {
        features: format!(
            "EfficientNet-Lite0 (ImageNet) {FEATURES}-D, images resized to {INPUT_SIDE}x{INPUT_SIDE}"
        ),
        images,
        reference: format!("{} held-out {} images", images, held_out.name),
        samples: distances(&samples, &reference),
        reconstructions,
        floor: distances(&floor, &reference),
        seed,
    })
}
