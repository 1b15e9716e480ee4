//! The page: detect a backend, download the export, start the engine, decode samples.

use std::rc::Rc;

use latentlab_model::grid::tile_rgba;
use latentlab_model::latent::normal_latents;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend_switch::BackendSwitch;
use crate::engine::{Engine, ExportBytes, now_ms, webgpu_adapter_available};
use crate::query::PageQuery;
use crate::sample_grid::SampleGrid;
use crate::state::{Action, PageState, Phase};
use crate::test_hook::publish_decode;
use crate::timing_panel::TimingPanel;

/// Samples per grid and grid columns.
const SAMPLES: usize = 64;
const COLUMNS: usize = 8;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let query = PageQuery::from_location();
        PageState::new(query.weights, query.backend, query.seed)
    });

    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            spawn_local(async move {
                dispatcher.dispatch(Action::WebGpuDetected(webgpu_adapter_available().await));
            });
        });
    }

    {
        let dispatcher = state.dispatcher();
        let url = state.weights_url.clone();
        use_effect_with(state.webgpu_available.is_some(), move |detected| {
            if *detected {
                spawn_local(async move {
                    let started = now_ms();
                    match ExportBytes::download(&url).await {
                        Ok(export) => dispatcher.dispatch(Action::Downloaded {
                            export: Rc::new(export),
                            ms: now_ms() - started,
                        }),
                        Err(message) => dispatcher.dispatch(Action::Failed(message)),
                    }
                });
            }
        });
    }

    {
        let dispatcher = state.dispatcher();
        use_effect_with(
            (state.backend(), state.export.clone()),
            move |(backend, export)| {
                if let (Some(backend), Some(export)) = (*backend, export.clone()) {
                    spawn_local(async move {
                        let started = now_ms();
                        match Engine::start(backend, &export).await {
                            Ok(engine) => dispatcher.dispatch(Action::EngineReady {
                                engine: Rc::new(engine),
                                ms: now_ms() - started,
                            }),
                            Err(message) => dispatcher.dispatch(Action::Failed(message)),
                        }
                    });
                }
            },
        );
    }

    {
        let dispatcher = state.dispatcher();
        use_effect_with((state.engine.clone(), state.seed), move |(engine, seed)| {
            if let Some(engine) = engine.clone() {
                let seed = *seed;
                spawn_local(async move {
                    let m = &engine.manifest;
                    let z = normal_latents(seed, SAMPLES, m.latent_dim, 1.0);
                    let started = now_ms();
                    match engine.decode(&z).await {
                        Ok(pixels) => {
                            let ms = now_ms() - started;
                            let grid = Rc::new(tile_rgba(&pixels, m.image_shape(), COLUMNS, 2));
                            publish_decode(engine.backend, seed, &z, &pixels);
                            dispatcher.dispatch(Action::Decoded {
                                backend: engine.backend,
                                seed,
                                grid,
                                ms,
                            });
                        }
                        Err(message) => dispatcher.dispatch(Action::Failed(message)),
                    }
                });
            }
        });
    }

    let on_switch = {
        let dispatcher = state.dispatcher();
        Callback::from(move |backend| dispatcher.dispatch(Action::SwitchBackend(backend)))
    };
    let on_new_samples = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::NewSamples))
    };
    let (status_kind, status_text) = match &state.phase {
        Phase::Loading(what) => ("loading", format!("{what}…")),
        Phase::Ready => (
            "ready",
            format!("{SAMPLES} samples from seed {}", state.seed),
        ),
        Phase::Failed(message) => ("error", message.clone()),
    };
    let model_name = state
        .engine
        .as_ref()
        .map(|e| e.manifest.name.clone())
        .unwrap_or_default();

    html! {
        <main>
            <header>
                <h1>{"latentlab"}</h1>
                <p class="lede">
                    {"A variational autoencoder trained on Fashion-MNIST maps each image to a \
                      distribution in a 2-D latent space. Draw z from N(0, I), decode it, and \
                      you get new clothes — computed right here in your browser."}
                </p>
            </header>
            <section class="controls">
                <BackendSwitch current={state.backend()} webgpu_available={state.webgpu_available}
                               on_switch={on_switch} />
                <button id="new-samples" onclick={on_new_samples} disabled={state.engine.is_none()}>
                    {"New samples"}
                </button>
                <span class="model-name">{model_name}</span>
            </section>
            <p id="status" class={classes!("status", status_kind)} data-state={status_kind} role="status">
                {status_text}
            </p>
            <SampleGrid grid={state.grid.clone()} />
            <TimingPanel backend={state.engine.as_ref().map(|e| e.backend)} timings={state.timings.clone()} />
        </main>
    }
}
