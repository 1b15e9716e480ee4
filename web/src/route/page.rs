//! The activities, their URL ids and titles.

/// One activity per page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Sample,
    Morph,
    Attributes,
    Reconstruct,
    Stats,
    Scatter,
    Manifold,
    Latent3d,
    Die,
    Inverse,
    Rejection,
    Normal,
    Scale,
    PModel,
}

impl Page {
    pub const ALL: [Page; 14] = [
        Page::Sample,
        Page::Morph,
        Page::Attributes,
        Page::Reconstruct,
        Page::Stats,
        Page::Scatter,
        Page::Manifold,
        Page::Latent3d,
        Page::Die,
        Page::Inverse,
        Page::Rejection,
        Page::Normal,
        Page::Scale,
        Page::PModel,
    ];

    /// The `?page=` value.
    pub fn id(self) -> &'static str {
        match self {
            Page::Sample => "sample",
            Page::Morph => "morph",
            Page::Attributes => "attributes",
            Page::Reconstruct => "reconstruct",
            Page::Stats => "stats",
            Page::Scatter => "scatter",
            Page::Manifold => "manifold",
            Page::Latent3d => "latent3d",
            Page::Die => "die",
            Page::Inverse => "inverse",
            Page::Rejection => "rejection",
            Page::Normal => "normal",
            Page::Scale => "scale",
            Page::PModel => "pmodel",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Page::Sample => "Sample",
            Page::Morph => "Morph",
            Page::Attributes => "Attributes",
            Page::Reconstruct => "Your photo",
            Page::Stats => "Latent statistics",
            Page::Scatter => "AE vs VAE",
            Page::Manifold => "Manifold",
            Page::Latent3d => "3-D latent",
            Page::Die => "The die",
            Page::Inverse => "Inverse transform",
            Page::Rejection => "Rejection sampling",
            Page::Normal => "Uniform vs Gaussian",
            Page::Scale => "Ten million draws",
            Page::PModel => "P_model vs P_data",
        }
    }

    pub fn from_id(id: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.id() == id)
    }
}
