//! Decoding for a component without piling up work: one decode runs at a time and,
//! while it runs, only the newest request waits; older ones are dropped. A slider
//! dragged across its range therefore costs two decodes, not fifty.

use std::cell::RefCell;
use std::rc::Rc;

use latentlab_model::grid::{RgbaGrid, tile_rgba};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::services::engine::{Backend, Engine, is_device_loss, now_ms, yield_to_browser};
use crate::services::test_hook::publish_decode;
use crate::state::Action;

/// A finished decode: the latents, the images, and the engine that made them.
#[derive(Clone, PartialEq)]
pub struct Decoded {
    pub engine: Rc<Engine>,
    pub z: Vec<f32>,
    /// `[count, channels, height, width]` in [0, 1].
    pub pixels: Vec<f32>,
}

type Job = (Rc<Engine>, Vec<f32>);

#[derive(Default)]
struct Queue {
    running: bool,
    waiting: Option<Job>,
}

/// Returns the latest finished decode and a callback that asks for a new one.
/// `activity` names it in the timing panel and on the test hook.
#[hook]
pub fn use_decoder(activity: &'static str) -> (Option<Rc<Decoded>>, Callback<Job>) {
    let result = use_state(|| None::<Rc<Decoded>>);
    let queue = use_mut_ref(Queue::default);
    let app = crate::hooks::use_app();
    let request = {
        let result = result.clone();
        Callback::from(move |job: Job| {
            if queue.borrow().running {
                queue.borrow_mut().waiting = Some(job);
                return;
            }
            queue.borrow_mut().running = true;
            spawn_local(run(
                job,
                queue.clone(),
                result.clone(),
                app.dispatcher(),
                activity,
            ));
        })
    };
    ((*result).clone(), request)
}

async fn run(
    mut job: Job,
    queue: Rc<RefCell<Queue>>,
    result: UseStateHandle<Option<Rc<Decoded>>>,
    dispatcher: UseReducerDispatcher<crate::state::AppState>,
    activity: &'static str,
) {
    loop {
        let (engine, z) = job;
        let started = now_ms();
        match engine.decode(&z).await {
            Ok(pixels) => {
                let ms = now_ms() - started;
                let backend = engine.backend;
                dispatcher.dispatch(Action::Decoded {
                    activity,
                    backend,
                    ms,
                });
                let decoded = Rc::new(Decoded { engine, z, pixels });
                result.set(Some(decoded.clone()));
                // Published once the canvases are painted, so a test that sees the
                // count go up also sees the new pixels.
                yield_to_browser().await;
                publish_decode(activity, backend, &decoded.z, &decoded.pixels, ms);
            }
            // The new CPU engine re-decodes the current view once it has started.
            Err(message) if engine.backend == Backend::WebGpu && is_device_loss(&message) => {
                dispatcher.dispatch(Action::WebGpuLost(message))
            }
            Err(message) => dispatcher.dispatch(Action::LoadFailed(message)),
        }
        let next = queue.borrow_mut().waiting.take();
        match next {
            Some(waiting) => job = waiting,
            None => break,
        }
    }
    queue.borrow_mut().running = false;
}

/// A decode laid out as one picture, `columns` images per row with 2 px gaps.
pub fn picture(decoded: &Option<Rc<Decoded>>, columns: usize) -> Option<Rc<RgbaGrid>> {
    decoded.as_ref().map(|d| {
        Rc::new(tile_rgba(
            &d.pixels,
            d.engine.manifest.image_shape(),
            columns,
            2,
        ))
    })
}
