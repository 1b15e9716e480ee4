//! The URL's keys, each written once: its name, the activities whose links always
//! carry it, and how it reads into a [`View`] (validated with the shared limits) and
//! writes out of one. A value that does not parse leaves that setting at its default
//! and the rest of the link still applies.

use latentlab_sampling::catalogue::{DRAWN_KNOTS, NAMES};

use super::limits::{self, clamp};
use super::page::Page;
use super::view::{Endpoint, Keyword, View};

pub struct Key {
    pub name: &'static str,
    /// Activities whose links always carry this key, so a shared link means the same
    /// view even if a later version changes a default; elsewhere it appears only when
    /// it differs from its default.
    pub shown_on: &'static [Page],
    /// Sets the view's setting from a URL value; `None` (value unusable) leaves it.
    pub read: fn(&mut View, &str) -> Option<()>,
    pub write: fn(&View) -> String,
}

fn float<T: std::str::FromStr + Into<f64> + Copy>(value: &str) -> Option<T> {
    value.parse::<T>().ok().filter(|v| (*v).into().is_finite())
}

/// `len` comma-separated numbers, all finite and none negative.
fn list(value: &str, len: usize) -> Option<Vec<f64>> {
    let values: Vec<f64> = value.split(',').filter_map(|x| x.parse().ok()).collect();
    (values.len() == len && values.iter().all(|x| x.is_finite() && *x >= 0.0)).then_some(values)
}

/// Numbers to three decimals, comma-separated.
fn join(values: &[f64]) -> String {
    let rounded: Vec<String> = values
        .iter()
        .map(|x| format!("{}", (x * 1000.0).round() / 1000.0))
        .collect();
    rounded.join(",")
}

/// `Smiling:1.5,Male:-1` to name/value pairs; zero and unparsable entries are skipped.
fn attributes(value: &str) -> Vec<(String, f32)> {
    value
        .split(',')
        .filter_map(|pair| {
            let (name, amount) = pair.split_once(':')?;
            let amount: f32 = float(amount).filter(|a: &f32| *a != 0.0)?;
            Some((name.to_string(), clamp(amount, limits::ATTRIBUTE)))
        })
        .collect()
}

const FACES: &[Page] = &[Page::Sample, Page::Morph, Page::Attributes, Page::Gan];
/// Pages with a 3-D cloud: they share its camera and picked point.
const CLOUDS: &[Page] = &[Page::Latent3d, Page::Distributions];
const LESSONS: &[Page] = &[
    Page::Die,
    Page::Inverse,
    Page::Rejection,
    Page::Normal,
    Page::Scale,
    Page::PModel,
];

/// `value` if it is one of `choices` (compared as written in a URL).
fn one_of<T: std::str::FromStr + PartialEq + Copy>(value: &str, choices: &[T]) -> Option<T> {
    let value = value.parse().ok()?;
    choices.contains(&value).then_some(value)
}

pub const KEYS: &[Key] = &[
    Key {
        name: "seed",
        shown_on: &[Page::Sample, Page::Gan],
        read: |v, s| s.parse().ok().map(|x| v.seed = x),
        write: |v| v.seed.to_string(),
    },
    Key {
        name: "temp",
        shown_on: FACES,
        read: |v, s| float(s).map(|t| v.temperature = clamp(t, limits::TEMPERATURE)),
        write: |v| v.temperature.to_string(),
    },
    Key {
        name: "face",
        shown_on: &[Page::Sample, Page::Attributes],
        read: |v, s| Endpoint::parse(s).map(|e| v.face = e),
        write: |v| v.face.query_value(),
    },
    Key {
        name: "a",
        shown_on: &[Page::Morph],
        read: |v, s| Endpoint::parse(s).map(|e| v.a = e),
        write: |v| v.a.query_value(),
    },
    Key {
        name: "b",
        shown_on: &[Page::Morph],
        read: |v, s| Endpoint::parse(s).map(|e| v.b = e),
        write: |v| v.b.query_value(),
    },
    Key {
        name: "alpha",
        shown_on: &[Page::Morph],
        read: |v, s| float(s).map(|a| v.alpha = clamp(a, limits::ALPHA)),
        write: |v| v.alpha.to_string(),
    },
    Key {
        name: "interp",
        shown_on: &[Page::Morph, Page::Gan],
        read: |v, s| Keyword::from_word(s).map(|k| v.interpolation = k),
        write: |v| v.interpolation.word().into(),
    },
    Key {
        name: "attrs",
        shown_on: &[Page::Attributes],
        read: |v, s| {
            v.attributes = attributes(s);
            Some(())
        },
        write: |v| {
            let pairs: Vec<String> = v
                .attributes
                .iter()
                .map(|(n, a)| format!("{n}:{a}"))
                .collect();
            pairs.join(",")
        },
    },
    Key {
        name: "model",
        shown_on: &[],
        read: |v, s| Keyword::from_word(s).map(|k| v.sample_model = Some(k)),
        write: |v| v.sample_model.map(|m| m.word()).unwrap_or_default().into(),
    },
    Key {
        name: "zprior",
        shown_on: &[],
        read: |v, s| Keyword::from_word(s).map(|k| v.gan_prior = Some(k)),
        write: |v| v.gan_prior.map(|p| p.word()).unwrap_or_default().into(),
    },
    Key {
        name: "ga",
        shown_on: &[Page::Gan],
        read: |v, s| s.parse().ok().map(|x| v.gan_a = x),
        write: |v| v.gan_a.to_string(),
    },
    Key {
        name: "gb",
        shown_on: &[Page::Gan],
        read: |v, s| s.parse().ok().map(|x| v.gan_b = x),
        write: |v| v.gan_b.to_string(),
    },
    Key {
        name: "space",
        shown_on: &[Page::Scatter],
        read: |v, s| Keyword::from_word(s).map(|k| v.space = k),
        write: |v| v.space.word().into(),
    },
    Key {
        name: "n",
        shown_on: &[Page::Manifold],
        read: |v, s| {
            s.parse()
                .ok()
                .map(|n| v.manifold_n = clamp(n, limits::MANIFOLD_N))
        },
        write: |v| v.manifold_n.to_string(),
    },
    Key {
        name: "dim",
        shown_on: &[Page::Stats],
        read: |v, s| s.parse().ok().map(|d| v.first_dim = d),
        write: |v| v.first_dim.to_string(),
    },
    Key {
        name: "hist",
        shown_on: &[Page::Stats],
        read: |v, s| Keyword::from_word(s).map(|k| v.latent_draw = k),
        write: |v| v.latent_draw.word().into(),
    },
    Key {
        name: "yaw",
        shown_on: CLOUDS,
        read: |v, s| float(s).map(|y| v.yaw = limits::yaw(y)),
        write: |v| format!("{:.2}", v.yaw),
    },
    Key {
        name: "pitch",
        shown_on: CLOUDS,
        read: |v, s| float(s).map(|p| v.pitch = clamp(p, limits::PITCH)),
        write: |v| format!("{:.2}", v.pitch),
    },
    Key {
        name: "pick",
        shown_on: CLOUDS,
        read: |v, s| s.parse().ok().map(|p| v.picked = Some(p)),
        write: |v| v.picked.map(|p| p.to_string()).unwrap_or_default(),
    },
    Key {
        name: "pset",
        shown_on: &[Page::Distributions],
        read: |v, s| Keyword::from_word(s).map(|k| v.projection_set = k),
        write: |v| v.projection_set.word().into(),
    },
    Key {
        name: "feat",
        shown_on: &[Page::Distributions],
        read: |v, s| s.parse().ok().map(|f| v.feature_space = f),
        write: |v| v.feature_space.to_string(),
    },
    Key {
        name: "proj",
        shown_on: &[Page::Distributions],
        read: |v, s| Keyword::from_word(s).map(|k| v.method = k),
        write: |v| v.method.word().into(),
    },
    Key {
        name: "perp",
        shown_on: &[Page::Distributions],
        read: |v, s| float(s).map(|p| v.perplexity = clamp(p, limits::PERPLEXITY)),
        write: |v| v.perplexity.to_string(),
    },
    Key {
        name: "sseed",
        shown_on: LESSONS,
        read: |v, s| s.parse().ok().map(|x| v.lesson.seed = x),
        write: |v| v.lesson.seed.to_string(),
    },
    Key {
        name: "pmf",
        shown_on: &[Page::Die],
        read: |v, s| {
            list(s, 6)
                .and_then(limits::die_weights)
                .map(|w| v.lesson.weights = w)
        },
        write: |v| join(&v.lesson.weights),
    },
    Key {
        name: "u",
        shown_on: &[Page::Die],
        read: |v, s| float(s).map(|u| v.lesson.u = clamp(u, limits::U)),
        write: |v| v.lesson.u.to_string(),
    },
    Key {
        name: "throws",
        shown_on: &[Page::Die],
        read: |v, s| {
            s.parse::<usize>()
                .ok()
                .map(|t| v.lesson.throws = t.min(limits::MAX_COUNT))
        },
        write: |v| v.lesson.throws.to_string(),
    },
    Key {
        name: "dist",
        shown_on: &[Page::Inverse, Page::Scale, Page::PModel],
        read: |v, s| NAMES.contains(&s).then(|| v.lesson.dist = s.to_string()),
        write: |v| v.lesson.dist.clone(),
    },
    Key {
        name: "pdf",
        shown_on: &[],
        read: |v, s| {
            list(s, DRAWN_KNOTS)
                .filter(|h| h.iter().sum::<f64>() > 0.0)
                .map(|h| v.lesson.drawn = h)
        },
        write: |v| join(&v.lesson.drawn),
    },
    Key {
        name: "count",
        shown_on: &[Page::Inverse, Page::Rejection, Page::Normal],
        read: |v, s| {
            s.parse()
                .ok()
                .map(|n| v.lesson.count = clamp(n, limits::COUNT))
        },
        write: |v| v.lesson.count.to_string(),
    },
    Key {
        name: "target",
        shown_on: &[Page::Rejection, Page::Scale],
        read: |v, s| Keyword::from_word(s).map(|k| v.lesson.target = k),
        write: |v| v.lesson.target.word().into(),
    },
    Key {
        name: "q",
        shown_on: &[Page::Rejection, Page::Scale],
        read: |v, s| Keyword::from_word(s).map(|k| v.lesson.proposal = k),
        write: |v| v.lesson.proposal.word().into(),
    },
    Key {
        name: "m",
        shown_on: &[Page::Rejection, Page::Scale],
        read: |v, s| float(s).map(|m| v.lesson.m = clamp(m, limits::M)),
        write: |v| v.lesson.m.to_string(),
    },
    Key {
        name: "method",
        shown_on: &[Page::Scale],
        read: |v, s| Keyword::from_word(s).map(|k| v.lesson.sampler = k),
        write: |v| v.lesson.sampler.word().into(),
    },
    Key {
        name: "draws",
        shown_on: &[Page::Scale],
        read: |v, s| {
            s.parse()
                .ok()
                .filter(|d| limits::SCALE_DRAWS.contains(d))
                .map(|d| v.lesson.draws = d)
        },
        write: |v| v.lesson.draws.to_string(),
    },
    Key {
        name: "prior",
        shown_on: &[Page::PModel],
        read: |v, s| Keyword::from_word(s).map(|k| v.lesson.prior = k),
        write: |v| v.lesson.prior.word().into(),
    },
    Key {
        name: "glr",
        shown_on: &[Page::PModel],
        read: |v, s| one_of(s, &limits::GAN_LEARNING_RATES).map(|lr| v.lesson.generator_lr = lr),
        write: |v| v.lesson.generator_lr.to_string(),
    },
    Key {
        name: "dlr",
        shown_on: &[Page::PModel],
        read: |v, s| {
            one_of(s, &limits::GAN_LEARNING_RATES).map(|lr| v.lesson.discriminator_lr = lr)
        },
        write: |v| v.lesson.discriminator_lr.to_string(),
    },
    Key {
        name: "spf",
        shown_on: &[Page::PModel],
        read: |v, s| one_of(s, &limits::GAN_STEPS_PER_TICK).map(|n| v.lesson.steps_per_tick = n),
        write: |v| v.lesson.steps_per_tick.to_string(),
    },
];
