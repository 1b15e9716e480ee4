//! Every setting's limits, in one place: the URL parser and the reducer both clamp
//! with these and the sliders take their ranges from them, so a value typed into a
//! link and one set by a slider obey the same rule.

/// Face temperature (the scale of z).
pub const TEMPERATURE: (f32, f32) = (0.0, 2.0);
/// The morph's alpha.
pub const ALPHA: (f32, f32) = (0.0, 1.0);
/// One attribute slider.
pub const ATTRIBUTE: (f32, f32) = (-3.0, 3.0);
/// The manifold's n x n grid.
pub const MANIFOLD_N: (usize, usize) = (2, 30);
/// The 3-D view's turn (radians; [`yaw`] wraps any angle into it).
pub const YAW: (f32, f32) = (0.0, std::f32::consts::TAU);
/// The 3-D view's tilt (radians; just short of straight down or up).
pub const PITCH: (f32, f32) = (-1.5, 1.5);
/// The live t-SNE's perplexity (about the number of neighbours each point keeps).
pub const PERPLEXITY: (f64, f64) = (5.0, 50.0);
/// The die's u.
pub const U: (f64, f64) = (0.0, 1.0);
/// One face weight of the die (the weights are normalised when used).
pub const DIE_WEIGHT: (f64, f64) = (0.0, 100.0);
/// Most samples a page draws at once (the GPU-scale page has its own choices).
pub const MAX_COUNT: usize = 1_000_000;
/// Samples (or proposals) per draw.
pub const COUNT: (usize, usize) = (1, MAX_COUNT);
/// Rejection sampling's envelope constant M (below 1 it is too small for any pdf,
/// which the pages show as bias).
pub const M: (f64, f64) = (0.5, 12.0);
/// Draws per run offered on the GPU-scale page.
pub const SCALE_DRAWS: [usize; 3] = [100_000, 1_000_000, 10_000_000];

/// Learning rates offered for the live GAN's generator and discriminator.
pub const GAN_LEARNING_RATES: [f64; 6] = [1e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2];
/// Training steps the live GAN takes per animation tick.
pub const GAN_STEPS_PER_TICK: [usize; 5] = [1, 2, 5, 10, 20];

/// `value` inside `(low, high)`.
pub fn clamp<T: PartialOrd>(value: T, (low, high): (T, T)) -> T {
    if value < low {
        low
    } else if value > high {
        high
    } else {
        value
    }
}

/// The 3-D view's turn, as an angle in [0, 2 pi).
pub fn yaw(value: f32) -> f32 {
    value.rem_euclid(YAW.1)
}

/// Die weights as given, if they can weigh a die: every one finite, none negative,
/// some positive (each capped at [`DIE_WEIGHT`]'s top).
pub fn die_weights(weights: Vec<f64>) -> Option<Vec<f64>> {
    let valid = weights.iter().all(|w| w.is_finite() && *w >= 0.0);
    let weights: Vec<f64> = weights.into_iter().map(|w| clamp(w, DIE_WEIGHT)).collect();
    (valid && weights.iter().sum::<f64>() > 0.0).then_some(weights)
}
