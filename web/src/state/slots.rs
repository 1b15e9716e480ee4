//! The models the page holds, one slot each, and what the status line says of them.

use std::rc::Rc;

use latentlab_model::Manifest;

use crate::route::Page;
use crate::services::engine::{Engine, ExportBytes};

/// The models the page holds at once; each activity uses one or two of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// celeba-vae: sample (beside celeba-gan), morph, attributes, photo, statistics.
    Faces,
    /// fashion-vae: the VAE scatter and the manifold.
    Vae2d,
    /// fashion-ae: the AE scatter beside the VAE's.
    Ae2d,
    /// mlp-ae: the 3-D latent.
    Ae3d,
    /// celeba-gan: the GAN page (beside celeba-vae for the side-by-side) and the
    /// Sample page's other model.
    Gan,
    /// The GAN page's generator trained on the other prior (see [`prior_twin`]),
    /// loaded only where one ships.
    GanTwin,
}

/// Shipped generators that differ only in the prior they trained on (same data,
/// network and steps), so the GAN page can show, under one prior, the generator that
/// trained on it beside the one that did not.
const PRIOR_TWINS: &[(&str, &str)] = &[("weights/fashion-gan", "weights/fashion-gan-uniform")];

/// The twin of the generator at `url`, either way round (a trailing `/` is ignored).
pub fn prior_twin(url: &str) -> Option<&'static str> {
    let url = url.trim_end_matches('/');
    PRIOR_TWINS.iter().find_map(|&(a, b)| {
        if url == a {
            Some(b)
        } else if url == b {
            Some(a)
        } else {
            None
        }
    })
}

impl Slot {
    pub const ALL: [Slot; 6] = [
        Slot::Faces,
        Slot::Vae2d,
        Slot::Ae2d,
        Slot::Ae3d,
        Slot::Gan,
        Slot::GanTwin,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn default_url(self) -> &'static str {
        match self {
            Slot::Faces => "weights/celeba-vae",
            Slot::Vae2d => "weights/fashion-vae",
            Slot::Ae2d => "weights/fashion-ae",
            Slot::Ae3d => "weights/mlp-ae",
            Slot::Gan => "weights/celeba-gan",
            // Follows the GAN slot's model: `prior_twin`.
            Slot::GanTwin => "",
        }
    }

    /// Why `manifest` cannot serve this slot, if it cannot.
    pub fn rejects(self, manifest: &Manifest) -> Option<String> {
        let generator = manifest.model.autoencoder().is_none();
        if matches!(self, Slot::Gan | Slot::GanTwin) {
            return (!generator).then(|| {
                format!(
                    "{} is an autoencoder; this page shows a GAN's generator",
                    manifest.name
                )
            });
        }
        if generator {
            return Some(format!(
                "{} is a GAN's generator: it has no encoder, which this page needs",
                manifest.name
            ));
        }
        let needed = match self {
            Slot::Faces | Slot::Gan | Slot::GanTwin => return None,
            Slot::Vae2d | Slot::Ae2d => 2,
            Slot::Ae3d => 3,
        };
        (manifest.latent_dim != needed).then(|| {
            format!(
                "{} has a {}-D latent; this page plots {needed}-D latents",
                manifest.name, manifest.latent_dim
            )
        })
    }

    /// The slots `page` always shows (`AppState::slots_needed` adds a GAN's twin); the
    /// first is where `?weights=` and your own files go (the teaching pages use none).
    pub fn for_page(page: Page) -> &'static [Slot] {
        match page {
            Page::Sample => &[Slot::Faces, Slot::Gan],
            Page::Morph | Page::Attributes | Page::Reconstruct | Page::Stats => &[Slot::Faces],
            Page::Gan => &[Slot::Gan, Slot::Faces],
            Page::Scatter => &[Slot::Vae2d, Slot::Ae2d],
            Page::Manifold => &[Slot::Vae2d],
            Page::Latent3d => &[Slot::Ae3d],
            Page::Distributions
            | Page::Die
            | Page::Inverse
            | Page::Rejection
            | Page::Normal
            | Page::Scale
            | Page::PModel => &[],
        }
    }
}

/// One model slot: where its export comes from and the engine built from it.
#[derive(Clone, PartialEq)]
pub struct SlotState {
    pub url: String,
    pub export: Option<Rc<ExportBytes>>,
    pub engine: Option<Rc<Engine>>,
    /// A download or engine start is under way.
    pub busy: bool,
    /// Why the slot has no model (shown as the page's status).
    pub error: Option<String>,
}

impl SlotState {
    pub fn new(url: String) -> Self {
        Self {
            url,
            export: None,
            engine: None,
            busy: false,
            error: None,
        }
    }
}

/// What the status line says about the models the current page needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Loading(&'static str),
    Ready,
    Failed(String),
}
