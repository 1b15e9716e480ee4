//! The teaching pages' settings: every change to them, and how it applies.

use crate::route::limits::{self, clamp};
use latentlab_model::gan::Prior;

use crate::route::{Lesson, ProposalChoice, Sampler, Target, fair_die};

/// Changes to the teaching pages' settings.
pub enum LessonChange {
    Seed(u64),
    Weight(usize, f64),
    Fair,
    U(f64),
    /// Throw the die this many more times; u becomes the last throw's.
    Throw(usize, f64),
    ResetThrows,
    Dist(String),
    Drawn(Vec<f64>),
    Count(usize),
    Target(Target),
    Proposal(ProposalChoice),
    M(f64),
    Sampler(Sampler),
    Draws(usize),
    Prior(Prior),
    GeneratorLr(f64),
    DiscriminatorLr(f64),
    StepsPerTick(usize),
}

/// Applies `change` within the limits the URL obeys too. A new seed or die restarts
/// the throws, which are the seed's first draws.
pub fn apply(l: &mut Lesson, change: LessonChange) {
    match change {
        LessonChange::Seed(seed) => {
            l.seed = seed;
            l.throws = 0;
        }
        LessonChange::Weight(face, w) => {
            let mut weights = l.weights.clone();
            if let Some(slot) = weights.get_mut(face) {
                *slot = w;
            }
            l.weights = limits::die_weights(weights).unwrap_or_else(fair_die);
            l.throws = 0;
        }
        LessonChange::Fair => {
            l.weights = fair_die();
            l.throws = 0;
        }
        LessonChange::U(u) => l.u = clamp(u, limits::U),
        LessonChange::Throw(more, last_u) => {
            l.throws = (l.throws + more).min(limits::MAX_COUNT);
            l.u = clamp(last_u, limits::U);
        }
        LessonChange::ResetThrows => l.throws = 0,
        LessonChange::Dist(name) => l.dist = name,
        LessonChange::Drawn(heights) => l.drawn = heights,
        LessonChange::Count(n) => l.count = clamp(n, limits::COUNT),
        LessonChange::Target(target) => l.target = target,
        LessonChange::Proposal(proposal) => l.proposal = proposal,
        LessonChange::M(m) => l.m = clamp(m, limits::M),
        LessonChange::Sampler(sampler) => l.sampler = sampler,
        LessonChange::Draws(n) => {
            if limits::SCALE_DRAWS.contains(&n) {
                l.draws = n;
            }
        }
        LessonChange::Prior(prior) => l.prior = prior,
        LessonChange::GeneratorLr(lr) => {
            if limits::GAN_LEARNING_RATES.contains(&lr) {
                l.generator_lr = lr;
            }
        }
        LessonChange::DiscriminatorLr(lr) => {
            if limits::GAN_LEARNING_RATES.contains(&lr) {
                l.discriminator_lr = lr;
            }
        }
        LessonChange::StepsPerTick(n) => {
            if limits::GAN_STEPS_PER_TICK.contains(&n) {
                l.steps_per_tick = n;
            }
        }
    }
}
