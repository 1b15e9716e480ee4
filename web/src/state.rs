//! The page's state and every way it can change, in one reducer.

use std::rc::Rc;

use latentlab_model::grid::RgbaGrid;
use yew::Reducible;

use crate::engine::{Backend, Engine, ExportBytes};

/// Milliseconds spent in each stage, shown in the timing panel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings {
    pub download_ms: Option<f64>,
    pub init_ms: Option<f64>,
    pub first_decode_ms: Option<f64>,
    /// Every decode after the first on the current engine.
    pub later_decode_ms: Vec<f64>,
}

impl Timings {
    /// Median of the later decodes, the steady-state figure.
    pub fn later_median_ms(&self) -> Option<f64> {
        let mut sorted = self.later_decode_ms.clone();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(sorted[sorted.len() / 2])
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Loading(&'static str),
    Ready,
    Failed(String),
}

#[derive(Clone, PartialEq)]
pub struct PageState {
    pub weights_url: String,
    /// Backend the user (or `?backend=`) asked for; `None` means "best available".
    pub requested: Option<Backend>,
    pub webgpu_available: Option<bool>,
    pub export: Option<Rc<ExportBytes>>,
    pub engine: Option<Rc<Engine>>,
    pub seed: u64,
    pub grid: Option<Rc<RgbaGrid>>,
    pub phase: Phase,
    pub timings: Timings,
}

pub enum Action {
    WebGpuDetected(bool),
    Downloaded {
        export: Rc<ExportBytes>,
        ms: f64,
    },
    EngineReady {
        engine: Rc<Engine>,
        ms: f64,
    },
    Decoded {
        backend: Backend,
        seed: u64,
        grid: Rc<RgbaGrid>,
        ms: f64,
    },
    Failed(String),
    SwitchBackend(Backend),
    NewSamples,
}

impl PageState {
    pub fn new(weights_url: String, requested: Option<Backend>, seed: u64) -> Self {
        Self {
            weights_url,
            requested,
            webgpu_available: None,
            export: None,
            engine: None,
            seed,
            grid: None,
            phase: Phase::Loading("checking for WebGPU"),
            timings: Timings::default(),
        }
    }

    /// The backend to run on: the requested one, else WebGPU when it has an adapter.
    pub fn backend(&self) -> Option<Backend> {
        self.requested.or_else(|| {
            self.webgpu_available
                .map(|gpu| if gpu { Backend::WebGpu } else { Backend::Cpu })
        })
    }
}

impl Reducible for PageState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::WebGpuDetected(available) => {
                next.webgpu_available = Some(available);
                next.phase = Phase::Loading("downloading weights");
            }
            Action::Downloaded { export, ms } => {
                next.export = Some(export);
                next.timings.download_ms = Some(ms);
                next.phase = Phase::Loading("starting the backend");
            }
            Action::EngineReady { engine, ms } => {
                // A late engine for a backend the user already left is dropped.
                if Some(engine.backend) != next.backend() {
                    return self;
                }
                next.engine = Some(engine);
                next.timings = Timings {
                    download_ms: next.timings.download_ms,
                    init_ms: Some(ms),
                    ..Timings::default()
                };
                next.phase = Phase::Loading("decoding");
            }
            Action::Decoded {
                backend,
                seed,
                grid,
                ms,
            } => {
                if next.engine.as_ref().map(|e| e.backend) != Some(backend) || seed != next.seed {
                    return self;
                }
                if next.timings.first_decode_ms.is_none() {
                    next.timings.first_decode_ms = Some(ms);
                } else {
                    next.timings.later_decode_ms.push(ms);
                }
                next.grid = Some(grid);
                next.phase = Phase::Ready;
            }
            Action::Failed(message) => next.phase = Phase::Failed(message),
            Action::SwitchBackend(backend) => {
                if next.backend() == Some(backend) && next.engine.is_some() {
                    return self;
                }
                next.requested = Some(backend);
                next.engine = None;
                next.phase = Phase::Loading("starting the backend");
            }
            Action::NewSamples => {
                next.seed = next.seed.wrapping_add(1);
                next.phase = Phase::Loading("decoding");
            }
        }
        Rc::new(next)
    }
}
