//! What a URL records: the current activity and every setting, typed, with defaults.

use latentlab_model::gan::Prior;
use latentlab_model::latent::Interpolation;
use latentlab_model::view::Space;
use latentlab_sampling::catalogue::{Named, default_drawing};
use latentlab_sampling::{Normal, Uniform};

use super::limits;
use super::page::Page;

/// A setting with a few named values, and the URL word of each.
pub trait Keyword: Copy + PartialEq + 'static {
    const ALL: &'static [Self];

    fn word(self) -> &'static str;

    fn from_word(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.word() == word)
    }
}

/// What the latent statistics page histograms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatentDraw {
    /// z as the VAE draws it: mean + sigma * noise (the seed's plot).
    Sampled,
    /// The encoder's means alone.
    Means,
}

impl Keyword for LatentDraw {
    const ALL: &'static [Self] = &[LatentDraw::Sampled, LatentDraw::Means];

    fn word(self) -> &'static str {
        match self {
            LatentDraw::Sampled => "sampled",
            LatentDraw::Means => "means",
        }
    }
}

impl Keyword for Interpolation {
    const ALL: &'static [Self] = &[Interpolation::Linear, Interpolation::Spherical];

    fn word(self) -> &'static str {
        match self {
            Interpolation::Linear => "lerp",
            Interpolation::Spherical => "slerp",
        }
    }
}

impl Keyword for Space {
    const ALL: &'static [Self] = &[Space::Z, Space::Phi];

    fn word(self) -> &'static str {
        match self {
            Space::Z => "z",
            Space::Phi => "phi",
        }
    }
}

impl Keyword for Prior {
    const ALL: &'static [Self] = &Prior::ALL;

    fn word(self) -> &'static str {
        match self {
            Prior::Uniform => "uniform",
            Prior::Normal => "gaussian",
        }
    }
}

/// The model the Sample page draws faces from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceModel {
    /// The face VAE's decoder (the `Faces` slot).
    Vae,
    /// The face GAN's generator (the `Gan` slot).
    Gan,
}

impl Keyword for FaceModel {
    const ALL: &'static [Self] = &[FaceModel::Vae, FaceModel::Gan];

    fn word(self) -> &'static str {
        match self {
            FaceModel::Vae => "vae",
            FaceModel::Gan => "gan",
        }
    }
}

/// The shipped projections the data-distributions page shows (`web/projections/<word>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectionSet {
    /// 350 photos of cars and dogs: pixels and EfficientNet-Lite0 features.
    CarsDogs,
    /// 1,000 MNIST test digits: pixels and mlp-ae's 3-D code.
    Mnist,
}

impl Keyword for ProjectionSet {
    const ALL: &'static [Self] = &[ProjectionSet::CarsDogs, ProjectionSet::Mnist];

    fn word(self) -> &'static str {
        match self {
            ProjectionSet::CarsDogs => "cars-dogs",
            ProjectionSet::Mnist => "mnist",
        }
    }
}

/// How many dimensions become three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Pca,
    Tsne,
}

impl Keyword for Method {
    const ALL: &'static [Self] = &[Method::Pca, Method::Tsne];

    fn word(self) -> &'static str {
        match self {
            Method::Pca => "pca",
            Method::Tsne => "tsne",
        }
    }
}

/// The rejection sampler's target p.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The catalogue's two-bump mixture.
    Mixture,
    /// The pdf drawn on the inverse-transform page.
    Drawn,
}

impl Keyword for Target {
    const ALL: &'static [Self] = &[Target::Mixture, Target::Drawn];

    fn word(self) -> &'static str {
        match self {
            Target::Mixture => "mixture",
            Target::Drawn => "drawn",
        }
    }
}

/// The rejection sampler's proposal q.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalChoice {
    Uniform,
    Gaussian,
}

impl Keyword for ProposalChoice {
    const ALL: &'static [Self] = &[ProposalChoice::Uniform, ProposalChoice::Gaussian];

    fn word(self) -> &'static str {
        match self {
            ProposalChoice::Uniform => "uniform",
            ProposalChoice::Gaussian => "gaussian",
        }
    }
}

impl ProposalChoice {
    /// q: uniform over the plotted `range`, or a broad Gaussian.
    pub fn distribution(self, range: (f64, f64)) -> Named {
        match self {
            ProposalChoice::Gaussian => Named::Normal(Normal { mean: 0.0, sd: 2.0 }),
            ProposalChoice::Uniform => Named::Uniform(Uniform {
                low: range.0,
                high: range.1,
            }),
        }
    }
}

/// The GPU-scale page's sampler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampler {
    /// Inverse transform of the lesson's distribution.
    Inverse,
    /// Rejection sampling of the lesson's target.
    Rejection,
}

impl Keyword for Sampler {
    const ALL: &'static [Self] = &[Sampler::Inverse, Sampler::Rejection];

    fn word(self) -> &'static str {
        match self {
            Sampler::Inverse => "inverse",
            Sampler::Rejection => "rejection",
        }
    }
}

/// One end of a morph: a face by id, or the photo encoded on the "Your photo" page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Face(u64),
    Photo,
}

impl Endpoint {
    pub fn query_value(self) -> String {
        match self {
            Endpoint::Face(id) => id.to_string(),
            Endpoint::Photo => "photo".into(),
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "photo" => Some(Endpoint::Photo),
            id => id.parse().ok().map(Endpoint::Face),
        }
    }
}

/// The teaching pages' settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Seed of every random draw on these pages.
    pub seed: u64,
    /// The die's face weights (normalised when used).
    pub weights: Vec<f64>,
    /// The die's u in [0, 1].
    pub u: f64,
    /// How many times the die has been thrown (the throws are the seed's first draws).
    pub throws: usize,
    /// Distribution of the inverse-transform page (a `catalogue::NAMES` entry).
    pub dist: String,
    /// Heights of the hand-drawn pdf (`catalogue::DRAWN_KNOTS` of them).
    pub drawn: Vec<f64>,
    /// Samples (or proposals) per draw.
    pub count: usize,
    pub target: Target,
    pub proposal: ProposalChoice,
    pub m: f64,
    pub sampler: Sampler,
    /// Draws per run on the GPU-scale page (one of [`limits::SCALE_DRAWS`]).
    pub draws: usize,
    /// The live GAN's z distribution (its P_data is `dist`).
    pub prior: Prior,
    /// The live GAN's generator and discriminator learning rates.
    pub generator_lr: f64,
    pub discriminator_lr: f64,
    /// The live GAN's training steps per tick.
    pub steps_per_tick: usize,
}

/// A fair die.
pub fn fair_die() -> Vec<f64> {
    vec![1.0; 6]
}

impl Default for Lesson {
    fn default() -> Self {
        Self {
            seed: 0,
            weights: fair_die(),
            u: 0.7,
            throws: 0,
            dist: "mixture".into(),
            drawn: default_drawing(),
            count: 1000,
            target: Target::Mixture,
            proposal: ProposalChoice::Uniform,
            m: 4.0,
            sampler: Sampler::Inverse,
            draws: limits::SCALE_DRAWS[2],
            prior: Prior::Uniform,
            generator_lr: 5e-4,
            discriminator_lr: 5e-4,
            steps_per_tick: 5,
        }
    }
}

/// Everything a shared link restores.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub page: Page,
    /// First face of the sample grid.
    pub seed: u64,
    pub temperature: f32,
    /// The current face (`Photo` after "use this face" on the photo page).
    pub face: Endpoint,
    pub a: Endpoint,
    pub b: Endpoint,
    pub alpha: f32,
    pub interpolation: Interpolation,
    /// Non-zero attribute slider values, in the order they were first moved.
    pub attributes: Vec<(String, f32)>,
    pub space: Space,
    pub manifold_n: usize,
    pub first_dim: usize,
    pub latent_draw: LatentDraw,
    pub yaw: f32,
    pub pitch: f32,
    /// Index of the picked point in the 3-D cloud.
    pub picked: Option<usize>,
    pub projection_set: ProjectionSet,
    /// Index of the feature space in the projections file (clamped when shown).
    pub feature_space: usize,
    pub method: Method,
    /// The live t-SNE's perplexity.
    pub perplexity: f64,
    /// The Sample page's model; `None`: the one `AppState::sample_model` picks.
    pub sample_model: Option<FaceModel>,
    /// The GAN page's z distribution; `None`: the prior the generator trained with.
    pub gan_prior: Option<Prior>,
    /// The GAN page's interpolation ends (face ids).
    pub gan_a: u64,
    pub gan_b: u64,
    pub lesson: Lesson,
}

impl Default for View {
    fn default() -> Self {
        Self {
            page: Page::Sample,
            seed: 0,
            temperature: 1.0,
            face: Endpoint::Face(0),
            a: Endpoint::Face(0),
            b: Endpoint::Face(1),
            alpha: 0.5,
            interpolation: Interpolation::Spherical,
            attributes: Vec::new(),
            space: Space::Z,
            manifold_n: 12,
            first_dim: 0,
            latent_draw: LatentDraw::Sampled,
            yaw: 0.6,
            pitch: 0.35,
            picked: None,
            projection_set: ProjectionSet::CarsDogs,
            feature_space: 1,
            method: Method::Tsne,
            perplexity: 30.0,
            sample_model: None,
            gan_prior: None,
            gan_a: 0,
            gan_b: 1,
            lesson: Lesson::default(),
        }
    }
}
