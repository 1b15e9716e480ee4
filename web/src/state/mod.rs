//! The page's state and every way it can change: one reducer for the shell's and the
//! faces' actions, with the model slots in `slots` and the teaching pages' changes
//! in `lesson`.

mod lesson;
mod slots;

use std::rc::Rc;

use latentlab_model::grid::RgbaGrid;
use latentlab_model::latent::{Interpolation, face_latent};
use latentlab_model::view::Space;
use yew::Reducible;

pub use lesson::LessonChange;
pub use slots::{Slot, SlotState, Status, prior_twin};

use crate::route::limits::{self, clamp};
use crate::route::{Endpoint, FaceModel, LatentDraw, Page, Query, View};
use crate::services::engine::{Backend, Engine, ExportBytes, WebGpuAdapter, choose_backend};

/// A photo cropped to the model's size, and the encoder's mean for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Photo {
    pub crop: RgbaGrid,
    pub z: Vec<f32>,
}

/// The last decode, for the timing panel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timing {
    pub activity: &'static str,
    pub backend: Option<Backend>,
    pub last_ms: Option<f64>,
    /// The last 20 decodes of `activity`.
    pub recent_ms: Vec<f64>,
}

impl Timing {
    pub fn median_ms(&self) -> Option<f64> {
        let mut sorted = self.recent_ms.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied()
    }
}

#[derive(Clone, PartialEq)]
pub struct AppState {
    pub view: View,
    /// Backend the user (or `?backend=`) asked for; `None` means "best available".
    pub requested: Option<Backend>,
    /// What the browser's WebGPU offers, once asked.
    pub webgpu: Option<WebGpuAdapter>,
    /// The WebGPU device was lost (its error): the page moved to the CPU for good,
    /// since burn's WebGPU runtime starts once per page.
    pub webgpu_lost: Option<String>,
    /// `?weights=` as given, kept in the URL.
    pub weights_query: Option<String>,
    pub slots: [SlotState; 6],
    /// The photo from the "Your photo" page: its crop and its encoding.
    pub photo: Option<Rc<Photo>>,
    /// Your own export failed to load; the slot kept its model.
    pub load_error: Option<String>,
    pub timing: Timing,
}

pub enum Action {
    WebGpuDetected(WebGpuAdapter),
    /// A WebGPU decode failed because the device is gone: fall back to the CPU.
    WebGpuLost(String),
    Navigate(Page),
    /// Back or Forward: the view (and a backend the URL names) from the URL.
    Restore(Query),
    SwitchBackend(Backend),
    /// A download or engine start for the slot began.
    Busy(Slot),
    Downloaded(Slot, Rc<ExportBytes>),
    EngineReady(Slot, Rc<Engine>),
    /// Your own export, checked and started: replaces the slot's model.
    Replaced(Slot, Rc<ExportBytes>, Rc<Engine>),
    SlotFailed(Slot, String),
    LoadFailed(String),
    Decoded {
        activity: &'static str,
        backend: Backend,
        ms: f64,
    },
    SetSeed(u64),
    NewSamples,
    SetTemperature(f32),
    SetFace(Endpoint),
    SetA(Endpoint),
    SetB(Endpoint),
    SetAlpha(f32),
    SetInterpolation(Interpolation),
    SetAttribute(String, f32),
    ResetAttributes,
    SetPhoto(Rc<Photo>),
    UsePhoto,
    SetSpace(Space),
    SetManifoldN(usize),
    SetFirstDim(usize),
    SetLatentDraw(LatentDraw),
    Rotate {
        yaw: f32,
        pitch: f32,
    },
    Pick(Option<usize>),
    /// Another shipped projection: its own points, so nothing stays picked.
    SetProjectionSet(crate::route::ProjectionSet),
    SetFeatureSpace(usize),
    SetMethod(crate::route::Method),
    SetPerplexity(f64),
    SetSampleModel(FaceModel),
    SetGanPrior(latentlab_model::gan::Prior),
    SetGanA(u64),
    SetGanB(u64),
    Lesson(LessonChange),
}

impl From<LessonChange> for Action {
    fn from(change: LessonChange) -> Self {
        Action::Lesson(change)
    }
}

/// Faces in the sample grid.
pub const GRID_FACES: u64 = 16;

impl AppState {
    pub fn new(query: Query) -> Self {
        let page_slot = Slot::for_page(query.view.page).first().copied();
        let url_of = |slot: Slot| match &query.weights {
            Some(url) if Some(slot) == page_slot => url.clone(),
            _ => slot.default_url().to_string(),
        };
        let twin = prior_twin(&url_of(Slot::Gan)).unwrap_or_default();
        let slots = Slot::ALL.map(|slot| match slot {
            Slot::GanTwin => SlotState::new(twin.to_string()),
            _ => SlotState::new(url_of(slot)),
        });
        Self {
            view: query.view,
            requested: query.backend,
            webgpu: None,
            webgpu_lost: None,
            weights_query: query.weights,
            slots,
            photo: None,
            load_error: None,
            timing: Timing::default(),
        }
    }

    /// The slots the current page shows: its own, and on the GAN page the generator's
    /// twin trained on the other prior where one ships.
    pub fn slots_needed(&self) -> Vec<Slot> {
        let mut slots = Slot::for_page(self.view.page).to_vec();
        if self.view.page == Page::Gan && !self.slot(Slot::GanTwin).url.is_empty() {
            slots.push(Slot::GanTwin);
        }
        slots
    }

    /// The backend to run on: the requested one, else WebGPU on a hardware adapter.
    pub fn backend(&self) -> Option<Backend> {
        choose_backend(self.requested, self.webgpu.as_ref())
    }

    pub fn slot(&self, slot: Slot) -> &SlotState {
        &self.slots[slot.index()]
    }

    /// The slot's engine if it runs on the current backend (a stale one is hidden).
    pub fn engine(&self, slot: Slot) -> Option<Rc<Engine>> {
        self.slot(slot)
            .engine
            .clone()
            .filter(|e| Some(e.backend) == self.backend())
    }

    /// The state in URL form.
    pub fn query(&self) -> Query {
        Query {
            view: self.view.clone(),
            backend: self.requested,
            weights: self.weights_query.clone(),
        }
    }

    fn slot_mut(&mut self, slot: Slot) -> &mut SlotState {
        &mut self.slots[slot.index()]
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let view = &mut next.view;
        match action {
            Action::WebGpuDetected(adapter) => next.webgpu = Some(adapter),
            Action::WebGpuLost(message) => {
                next.webgpu_lost = Some(message);
                next.requested = Some(Backend::Cpu);
            }
            Action::Navigate(page) => view.page = page,
            Action::Restore(query) => {
                *view = query.view;
                if query.backend == Some(Backend::Cpu) || next.webgpu_lost.is_none() {
                    next.requested = query.backend.or(next.requested);
                }
            }
            Action::SwitchBackend(backend) => {
                if backend == Backend::Cpu || next.webgpu_lost.is_none() {
                    next.requested = Some(backend);
                }
            }
            Action::Busy(slot) => next.slot_mut(slot).busy = true,
            Action::Downloaded(slot, export) => {
                let s = next.slot_mut(slot);
                s.export = Some(export);
                s.busy = false;
            }
            Action::EngineReady(slot, engine) => {
                let s = next.slot_mut(slot);
                s.busy = false;
                // An engine started from an export that was replaced meanwhile is dropped.
                if s.export.is_some() {
                    s.engine = Some(engine);
                    s.error = None;
                }
            }
            Action::Replaced(slot, export, engine) => {
                if slot == Slot::Gan {
                    // Your own generator has no shipped twin.
                    *next.slot_mut(Slot::GanTwin) = SlotState::new(String::new());
                }
                let s = next.slot_mut(slot);
                s.export = Some(export);
                s.engine = Some(engine);
                s.error = None;
                s.busy = false;
                next.load_error = None;
                // Another model's attributes and points do not carry over, and the
                // Sample page shows the faces of the model just loaded.
                if slot == Slot::Faces {
                    next.view.sample_model = Some(FaceModel::Vae);
                }
                next.view.attributes.clear();
                next.view.picked = None;
            }
            Action::SlotFailed(slot, message) => {
                let s = next.slot_mut(slot);
                s.busy = false;
                s.error = Some(message);
            }
            Action::LoadFailed(message) => next.load_error = Some(message),
            Action::Decoded {
                activity,
                backend,
                ms,
            } => {
                let t = &mut next.timing;
                if t.activity != activity || t.backend != Some(backend) {
                    t.recent_ms.clear();
                }
                t.activity = activity;
                t.backend = Some(backend);
                t.last_ms = Some(ms);
                t.recent_ms.push(ms);
                if t.recent_ms.len() > 20 {
                    t.recent_ms.remove(0);
                }
            }
            Action::SetSeed(seed) => view.seed = seed,
            Action::NewSamples => view.seed = view.seed.wrapping_add(GRID_FACES),
            Action::SetTemperature(t) => view.temperature = clamp(t, limits::TEMPERATURE),
            Action::SetFace(face) => view.face = face,
            Action::SetA(a) => view.a = a,
            Action::SetB(b) => view.b = b,
            Action::SetAlpha(alpha) => view.alpha = clamp(alpha, limits::ALPHA),
            Action::SetInterpolation(how) => view.interpolation = how,
            Action::SetAttribute(name, value) => {
                let value = clamp(value, limits::ATTRIBUTE);
                match view.attributes.iter().position(|(n, _)| *n == name) {
                    Some(i) if value == 0.0 => {
                        view.attributes.remove(i);
                    }
                    Some(i) => view.attributes[i].1 = value,
                    None if value != 0.0 => view.attributes.push((name, value)),
                    None => {}
                }
            }
            Action::ResetAttributes => view.attributes.clear(),
            Action::SetPhoto(z) => next.photo = Some(z),
            Action::UsePhoto => {
                if next.photo.is_some() {
                    view.face = Endpoint::Photo;
                    view.a = Endpoint::Photo;
                }
            }
            Action::SetSpace(space) => view.space = space,
            Action::SetManifoldN(n) => view.manifold_n = clamp(n, limits::MANIFOLD_N),
            Action::SetFirstDim(dim) => view.first_dim = dim,
            Action::SetLatentDraw(draw) => view.latent_draw = draw,
            Action::Rotate { yaw, pitch } => {
                view.yaw = limits::yaw(yaw);
                view.pitch = clamp(pitch, limits::PITCH);
            }
            Action::Pick(index) => view.picked = index,
            Action::SetProjectionSet(set) => {
                view.projection_set = set;
                view.picked = None;
            }
            Action::SetFeatureSpace(index) => view.feature_space = index,
            Action::SetMethod(method) => view.method = method,
            Action::SetPerplexity(p) => view.perplexity = clamp(p, limits::PERPLEXITY),
            Action::SetGanPrior(prior) => view.gan_prior = Some(prior),
            Action::SetSampleModel(model) => view.sample_model = Some(model),
            Action::SetGanA(id) => view.gan_a = id,
            Action::SetGanB(id) => view.gan_b = id,
            Action::Lesson(change) => lesson::apply(&mut view.lesson, change),
        }
        Rc::new(next)
    }
}

impl AppState {
    /// The latent of a face or of the encoded photo (face 0 when there is no photo yet,
    /// e.g. after reloading a link that named it).
    pub fn latent_of(&self, endpoint: Endpoint, dim: usize) -> Vec<f32> {
        match (endpoint, &self.photo) {
            (Endpoint::Photo, Some(photo)) if photo.z.len() == dim => photo.z.clone(),
            (Endpoint::Face(id), _) => face_latent(id, dim, f64::from(self.view.temperature)),
            (Endpoint::Photo, _) => face_latent(0, dim, f64::from(self.view.temperature)),
        }
    }
}

impl AppState {
    /// The model the Sample page draws from: the visitor's choice; else the VAE when the
    /// faces slot holds a model they supplied (a `?weights=` link); else whichever
    /// shipped model's samples lie closer to real faces (the lower Fréchet distance
    /// `latentlab eval` stored), a model never evaluated losing to one that was, the
    /// VAE on a tie. `None` until both models are in, so the page never decodes with a
    /// model it is about to drop.
    pub fn sample_model(&self) -> Option<FaceModel> {
        if let Some(model) = self.view.sample_model {
            return Some(model);
        }
        if self.slot(Slot::Faces).url != Slot::Faces.default_url() {
            return Some(FaceModel::Vae);
        }
        let frechet = |slot: Slot| {
            let engine = self.engine(slot)?;
            Some(engine.manifest.fidelity.as_ref().map(|f| f.samples.frechet))
        };
        let (vae, gan) = (frechet(Slot::Faces)?, frechet(Slot::Gan)?);
        Some(match (vae, gan) {
            (Some(vae), Some(gan)) if gan < vae => FaceModel::Gan,
            (None, Some(_)) => FaceModel::Gan,
            _ => FaceModel::Vae,
        })
    }
}

impl AppState {
    pub fn status(&self) -> Status {
        let Some(_) = self.backend() else {
            return Status::Loading("checking for WebGPU");
        };
        for slot in self.slots_needed() {
            let s = self.slot(slot);
            if self.engine(slot).is_some() {
                continue;
            }
            if let Some(error) = &s.error {
                return Status::Failed(error.clone());
            }
            return Status::Loading(if s.export.is_none() {
                "downloading weights"
            } else {
                "starting the backend"
            });
        }
        Status::Ready
    }
}
