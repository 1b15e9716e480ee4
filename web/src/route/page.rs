//! The activities, their URL ids and titles.

/// One activity per page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Sample,
    Morph,
    Attributes,
    Reconstruct,
    Stats,
    Gan,
    Scatter,
    Manifold,
    Latent3d,
    Distributions,
    Die,
    Inverse,
    Rejection,
    Normal,
    Scale,
    PModel,
}

impl Page {
    pub const ALL: [Page; 16] = [
        Page::Sample,
        Page::Morph,
        Page::Attributes,
        Page::Reconstruct,
        Page::Stats,
        Page::Gan,
        Page::Scatter,
        Page::Manifold,
        Page::Latent3d,
        Page::Distributions,
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
            Page::Gan => "gan",
            Page::Scatter => "scatter",
            Page::Manifold => "manifold",
            Page::Latent3d => "latent3d",
            Page::Distributions => "distributions",
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
            Page::Gan => "GAN faces",
            Page::Scatter => "AE vs VAE",
            Page::Manifold => "Manifold",
            Page::Latent3d => "3-D latent",
            Page::Distributions => "Data distributions",
            Page::Die => "The die",
            Page::Inverse => "Inverse transform",
            Page::Rejection => "Rejection sampling",
            Page::Normal => "Uniform vs Gaussian",
            Page::Scale => "Ten million draws",
            Page::PModel => "P_model vs P_data",
        }
    }

    /// The navigation group the activity is listed under.
    pub fn group(self) -> Group {
        match self {
            Page::Sample
            | Page::Morph
            | Page::Attributes
            | Page::Reconstruct
            | Page::Stats
            | Page::Gan => Group::Faces,
            Page::Scatter | Page::Manifold | Page::Latent3d => Group::Latent,
            Page::Distributions
            | Page::Die
            | Page::Inverse
            | Page::Rejection
            | Page::Normal
            | Page::Scale
            | Page::PModel => Group::Probability,
        }
    }

    pub fn from_id(id: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.id() == id)
    }
}

/// The navigation's groups, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Faces,
    Latent,
    Probability,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Faces, Group::Latent, Group::Probability];

    pub fn title(self) -> &'static str {
        match self {
            Group::Faces => "Faces",
            Group::Latent => "Latent spaces",
            Group::Probability => "Probability",
        }
    }

    /// The list's CSS class (the tests and the stylesheet find groups by it).
    pub fn class(self) -> &'static str {
        match self {
            Group::Faces => "faces-nav",
            Group::Latent => "latent-nav",
            Group::Probability => "lesson-nav",
        }
    }
}
