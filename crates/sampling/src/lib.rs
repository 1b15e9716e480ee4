//! latentlab's probability maths, shared by the model crate, the CLI and the page's
//! teaching demos: a seeded generator, the normal CDF and its inverse, discrete and
//! continuous distributions with pdf / cdf / quantile, inverse transform and
//! rejection sampling, histograms, goodness-of-fit statistics, distances between
//! sets of feature vectors (Fréchet, kernel), and projections of high-dimensional
//! points (PCA, t-SNE) for plots.
//!
//! Plain Rust with no dependencies, so the same numbers come out natively and in wasm.

pub mod catalogue;
pub mod continuous;
pub mod discrete;
pub mod fit;
pub mod frechet;
pub mod normal;
pub mod projection;
pub mod rng;
pub mod scale;

pub use catalogue::Named;
pub use continuous::{Continuous, Exponential, Mixture, Normal, PiecewiseLinear, Uniform};
pub use discrete::Discrete;
pub use rng::SeededRng;
