//! The page's activities, and the URL that records what is on screen so a view can be
//! shared and reloaded exactly.

use latentlab_model::latent::Interpolation;
use latentlab_model::view::Space;
use latentlab_sampling::catalogue::{DRAWN_KNOTS, NAMES, default_drawing};

use crate::engine::Backend;

/// What the latent statistics page histograms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatentDraw {
    /// z as the VAE draws it: mean + sigma * noise (the seed's plot).
    Sampled,
    /// The encoder's means alone.
    Means,
}

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
}

impl Page {
    pub const ALL: [Page; 13] = [
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
    ];

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
        }
    }

    pub fn from_id(id: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.id() == id)
    }
}

/// One end of a morph: a face by id, or the photo encoded on the "Your photo" page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Face(u64),
    Photo,
}

impl Endpoint {
    fn query_value(self) -> String {
        match self {
            Endpoint::Face(id) => id.to_string(),
            Endpoint::Photo => "photo".into(),
        }
    }

    fn parse(value: &str) -> Option<Self> {
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
    /// Rejection target: `mixture` or `drawn`.
    pub target: String,
    /// Rejection proposal: `uniform` or `gaussian`.
    pub proposal: String,
    pub m: f64,
    /// The GPU-scale page's sampler: `inverse` (of `dist`) or `rejection` (of `target`).
    pub method: String,
    /// Draws per run on the GPU-scale page.
    pub draws: usize,
}

impl Default for Lesson {
    fn default() -> Self {
        Self {
            seed: 0,
            weights: vec![1.0; 6],
            u: 0.7,
            throws: 0,
            dist: "mixture".into(),
            drawn: default_drawing(),
            count: 1000,
            target: "mixture".into(),
            proposal: "uniform".into(),
            m: 4.0,
            method: "inverse".into(),
            draws: 10_000_000,
        }
    }
}

/// Most samples a page draws at once (the GPU-scale page has its own limit).
pub const MAX_COUNT: usize = 1_000_000;

/// Draws per run offered on the GPU-scale page.
pub const SCALE_DRAWS: [usize; 3] = [100_000, 1_000_000, 10_000_000];

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
            lesson: Lesson::default(),
        }
    }
}

pub const MANIFOLD_N: (usize, usize) = (2, 30);

/// Settings from the URL that are not part of the view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub view: View,
    pub backend: Option<Backend>,
    /// `?weights=`: an export to load into the page's model slot instead of the shipped one.
    pub weights: Option<String>,
}

impl Query {
    /// Reads `search` (`?page=morph&a=3...`); anything unparsable keeps its default.
    pub fn parse(search: &str) -> Self {
        let params = web_sys::UrlSearchParams::new_with_str(search).ok();
        let get = |key: &str| params.as_ref().and_then(|p| p.get(key));
        let num = |key: &str| {
            get(key)
                .and_then(|v| v.parse::<f32>().ok())
                .filter(|v| v.is_finite())
        };
        let d = View::default();
        let view = View {
            page: get("page")
                .as_deref()
                .and_then(Page::from_id)
                .unwrap_or(d.page),
            seed: get("seed").and_then(|v| v.parse().ok()).unwrap_or(d.seed),
            temperature: num("temp").map_or(d.temperature, |t| t.clamp(0.0, 2.0)),
            face: get("face")
                .as_deref()
                .and_then(Endpoint::parse)
                .unwrap_or(d.face),
            a: get("a").as_deref().and_then(Endpoint::parse).unwrap_or(d.a),
            b: get("b").as_deref().and_then(Endpoint::parse).unwrap_or(d.b),
            alpha: num("alpha").map_or(d.alpha, |a| a.clamp(0.0, 1.0)),
            interpolation: match get("interp").as_deref() {
                Some("lerp") => Interpolation::Linear,
                Some("slerp") => Interpolation::Spherical,
                _ => d.interpolation,
            },
            attributes: get("attrs")
                .map(|v| parse_attributes(&v))
                .unwrap_or_default(),
            space: match get("space").as_deref() {
                Some("phi") => Space::Phi,
                _ => Space::Z,
            },
            manifold_n: get("n")
                .and_then(|v| v.parse().ok())
                .map_or(d.manifold_n, |n: usize| n.clamp(MANIFOLD_N.0, MANIFOLD_N.1)),
            first_dim: get("dim")
                .and_then(|v| v.parse().ok())
                .unwrap_or(d.first_dim),
            latent_draw: match get("hist").as_deref() {
                Some("means") => LatentDraw::Means,
                _ => LatentDraw::Sampled,
            },
            yaw: num("yaw").unwrap_or(d.yaw),
            pitch: num("pitch").unwrap_or(d.pitch),
            picked: get("pick").and_then(|v| v.parse().ok()),
            lesson: {
                let l = Lesson::default();
                let list = |key: &str, len: usize| {
                    get(key)
                        .map(|v| {
                            v.split(',')
                                .filter_map(|x| x.parse::<f64>().ok())
                                .collect::<Vec<_>>()
                        })
                        .filter(|v| v.len() == len && v.iter().all(|x| x.is_finite() && *x >= 0.0))
                };
                let name = |key: &str, allowed: &[&str], default: String| {
                    get(key)
                        .filter(|v| allowed.contains(&v.as_str()))
                        .unwrap_or(default)
                };
                Lesson {
                    seed: get("sseed").and_then(|v| v.parse().ok()).unwrap_or(l.seed),
                    weights: list("pmf", 6)
                        .filter(|w| w.iter().sum::<f64>() > 0.0)
                        .unwrap_or(l.weights),
                    u: num("u").map_or(l.u, |u| f64::from(u).clamp(0.0, 1.0)),
                    throws: get("throws")
                        .and_then(|v| v.parse().ok())
                        .map_or(l.throws, |t: usize| t.min(MAX_COUNT)),
                    dist: name("dist", &NAMES, l.dist),
                    drawn: list("pdf", DRAWN_KNOTS)
                        .filter(|h| h.iter().sum::<f64>() > 0.0)
                        .unwrap_or(l.drawn),
                    count: get("count")
                        .and_then(|v| v.parse().ok())
                        .map_or(l.count, |c: usize| c.clamp(1, MAX_COUNT)),
                    target: name("target", &["mixture", "drawn"], l.target),
                    proposal: name("q", &["uniform", "gaussian"], l.proposal),
                    m: num("m").map_or(l.m, |m| f64::from(m).clamp(0.1, 50.0)),
                    method: name("method", &["inverse", "rejection"], l.method),
                    draws: get("draws")
                        .and_then(|v| v.parse().ok())
                        .filter(|d| SCALE_DRAWS.contains(d))
                        .unwrap_or(l.draws),
                }
            },
        };
        Self {
            view,
            backend: get("backend").as_deref().and_then(Backend::from_query),
            weights: get("weights").filter(|w| !w.is_empty()),
        }
    }

    /// The query string (with `?`) for this state.
    pub fn to_search(&self) -> String {
        let d = View::default();
        let v = &self.view;
        let mut pairs: Vec<(&str, String)> = vec![("page", v.page.id().into())];
        if let Some(backend) = self.backend {
            pairs.push(("backend", backend.query_value().into()));
        }
        if let Some(weights) = &self.weights {
            pairs.push(("weights", weights.clone()));
        }
        // The current page's settings are always written, so a shared link means the
        // same view even if a later version changes a default; others only when set.
        let shown: &[&str] = match v.page {
            Page::Sample => &["seed", "temp", "face"],
            Page::Morph => &["a", "b", "alpha", "interp", "temp"],
            Page::Attributes => &["face", "attrs", "temp"],
            Page::Reconstruct => &[],
            Page::Stats => &["dim", "hist"],
            Page::Scatter => &["space"],
            Page::Manifold => &["n"],
            Page::Latent3d => &["yaw", "pitch", "pick"],
            Page::Die => &["sseed", "pmf", "u", "throws"],
            Page::Inverse => &["sseed", "dist", "count"],
            Page::Rejection => &["sseed", "target", "q", "m", "count"],
            Page::Normal => &["sseed", "count"],
            Page::Scale => &["sseed", "method", "dist", "target", "q", "m", "draws"],
        };
        let mut differs = |key: &'static str, value: String, default: String| {
            if value != default || (shown.contains(&key) && !value.is_empty()) {
                pairs.push((key, value));
            }
        };
        differs("seed", v.seed.to_string(), d.seed.to_string());
        differs("temp", v.temperature.to_string(), d.temperature.to_string());
        differs("face", v.face.query_value(), d.face.query_value());
        differs("a", v.a.query_value(), d.a.query_value());
        differs("b", v.b.query_value(), d.b.query_value());
        differs("alpha", v.alpha.to_string(), d.alpha.to_string());
        let interp = |i: Interpolation| match i {
            Interpolation::Linear => "lerp".to_string(),
            Interpolation::Spherical => "slerp".to_string(),
        };
        differs("interp", interp(v.interpolation), interp(d.interpolation));
        let attrs: Vec<String> = v
            .attributes
            .iter()
            .map(|(n, a)| format!("{n}:{a}"))
            .collect();
        differs("attrs", attrs.join(","), String::new());
        let space = |s: Space| if s == Space::Phi { "phi" } else { "z" }.to_string();
        differs("space", space(v.space), space(d.space));
        differs("n", v.manifold_n.to_string(), d.manifold_n.to_string());
        differs("dim", v.first_dim.to_string(), d.first_dim.to_string());
        let draw = |l: LatentDraw| {
            if l == LatentDraw::Means {
                "means"
            } else {
                "sampled"
            }
            .to_string()
        };
        differs("hist", draw(v.latent_draw), draw(d.latent_draw));
        differs("yaw", format!("{:.2}", v.yaw), format!("{:.2}", d.yaw));
        differs(
            "pitch",
            format!("{:.2}", v.pitch),
            format!("{:.2}", d.pitch),
        );
        differs(
            "pick",
            v.picked.map(|p| p.to_string()).unwrap_or_default(),
            String::new(),
        );
        let (l, dl) = (&v.lesson, Lesson::default());
        let join = |values: &[f64]| {
            let rounded: Vec<String> = values
                .iter()
                .map(|x| format!("{}", (x * 1000.0).round() / 1000.0))
                .collect();
            rounded.join(",")
        };
        differs("sseed", l.seed.to_string(), dl.seed.to_string());
        differs("pmf", join(&l.weights), join(&dl.weights));
        differs("u", l.u.to_string(), dl.u.to_string());
        differs("throws", l.throws.to_string(), dl.throws.to_string());
        differs("dist", l.dist.clone(), dl.dist.clone());
        differs("pdf", join(&l.drawn), join(&dl.drawn));
        differs("count", l.count.to_string(), dl.count.to_string());
        differs("target", l.target.clone(), dl.target.clone());
        differs("q", l.proposal.clone(), dl.proposal.clone());
        differs("m", l.m.to_string(), dl.m.to_string());
        differs("method", l.method.clone(), dl.method.clone());
        differs("draws", l.draws.to_string(), dl.draws.to_string());
        let params = web_sys::UrlSearchParams::new().expect("URLSearchParams exists");
        for (key, value) in pairs {
            params.append(key, &value);
        }
        format!("?{}", String::from(params.to_string()))
    }
}

/// `Smiling:1.5,Male:-1` to name/value pairs; zero and unparsable entries are skipped.
fn parse_attributes(value: &str) -> Vec<(String, f32)> {
    value
        .split(',')
        .filter_map(|pair| {
            let (name, amount) = pair.split_once(':')?;
            let amount: f32 = amount
                .parse()
                .ok()
                .filter(|a: &f32| a.is_finite() && *a != 0.0)?;
            Some((name.to_string(), amount.clamp(-3.0, 3.0)))
        })
        .collect()
}
