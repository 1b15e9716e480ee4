//! The page shell: finds a backend, loads the models the current activity needs,
//! keeps the URL in step with the state, and shows the activity.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::backend_switch::BackendSwitch;
use crate::components::export_loader::ExportLoader;
use crate::components::nav::Nav;
use crate::components::timing_panel::TimingPanel;
use crate::hooks::AppHandle;
use crate::hooks::address::use_address_bar;
use crate::pages::ActivityPage;
use crate::route::Query;
use crate::services::engine::{Engine, ExportBytes, WebGpuAdapter, webgpu_adapter};
use crate::state::{Action, AppState, Status};

/// The page URL's query string (`?page=...`), empty outside a browser.
pub(crate) fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Starts whatever the current page's slots still need: a download, or an engine on
/// the current backend. `Busy` is dispatched first so the next render does not start
/// the same work again.
fn load_needed(state: &AppState, dispatcher: &UseReducerDispatcher<AppState>) {
    let Some(backend) = state.backend() else {
        return;
    };
    for slot in state.slots_needed() {
        let s = state.slot(slot);
        if s.busy || s.error.is_some() || state.engine(slot).is_some() {
            continue;
        }
        dispatcher.dispatch(Action::Busy(slot));
        let dispatcher = dispatcher.clone();
        match s.export.clone() {
            None => {
                let url = s.url.clone();
                spawn_local(async move {
                    match ExportBytes::download(&url).await {
                        Ok(export) => {
                            dispatcher.dispatch(Action::Downloaded(slot, Rc::new(export)))
                        }
                        Err(message) => dispatcher.dispatch(Action::SlotFailed(slot, message)),
                    }
                });
            }
            Some(export) => spawn_local(async move {
                let started = Engine::start(backend, &export).await.and_then(|engine| {
                    match slot.rejects(&engine.manifest) {
                        Some(why) => Err(format!("{}: {why}", export.source)),
                        None => Ok(engine),
                    }
                });
                match started {
                    Ok(engine) => dispatcher.dispatch(Action::EngineReady(slot, Rc::new(engine))),
                    Err(message) => dispatcher.dispatch(Action::SlotFailed(slot, message)),
                }
            }),
        }
    }
}

/// Why the page decodes where it does, when that is not the obvious choice.
fn backend_note(state: &AppState) -> Option<String> {
    if let Some(error) = &state.webgpu_lost {
        let first_line = error.lines().next().unwrap_or_default();
        return Some(format!(
            "WebGPU stopped working ({first_line}), so the page switched to the CPU and \
             redrew this view. Reload the page to use WebGPU again."
        ));
    }
    match (&state.webgpu, state.requested) {
        (Some(WebGpuAdapter::Software(name)), None) => Some(format!(
            "This browser's WebGPU is {name}, a software renderer that runs slower than the \
             page's own CPU path, so faces are decoded on the CPU. Press WebGPU to compare."
        )),
        _ => None,
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| AppState::new(Query::parse(&location_search())));

    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            spawn_local(async move {
                dispatcher.dispatch(Action::WebGpuDetected(webgpu_adapter().await));
            });
        });
    }
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.clone(), move |state| load_needed(state, &dispatcher));
    }
    {
        // Back and Forward restore the view the URL holds, without a reload.
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let on_popstate = Closure::<dyn Fn()>::new(move || {
                dispatcher.dispatch(Action::Restore(Query::parse(&location_search())));
            });
            if let Some(window) = web_sys::window() {
                let _ = window.add_event_listener_with_callback(
                    "popstate",
                    on_popstate.as_ref().unchecked_ref(),
                );
            }
            // The page's one App lives as long as the page.
            on_popstate.forget();
        });
    }
    use_address_bar(state.query());

    let on_switch = {
        let dispatcher = state.dispatcher();
        Callback::from(move |backend| dispatcher.dispatch(Action::SwitchBackend(backend)))
    };
    let on_navigate = {
        let dispatcher = state.dispatcher();
        Callback::from(move |page| dispatcher.dispatch(Action::Navigate(page)))
    };
    let (status_kind, status_text) = match state.status() {
        Status::Loading(what) => ("loading", format!("{what}…")),
        Status::Ready => ("ready", "ready".to_string()),
        Status::Failed(message) => ("error", message),
    };
    let models: Vec<String> = state
        .slots_needed()
        .into_iter()
        .filter_map(|slot| state.engine(slot).map(|e| e.manifest.name.clone()))
        .collect();

    html! {
        <ContextProvider<AppHandle> context={state.clone()}>
            <header>
                <h1>{"latentlab"}</h1>
                <p class="lede">{"Generative models you can poke: the faces, digits and clothes on \
                    these pages are decoded live in your browser by the same burn models that were \
                    trained natively, and the small GAN of \"P_model vs P_data\" trains right here."}</p>
                <Nav current={state.view.page} on_navigate={on_navigate} />
            </header>
            <main>
                <section class="controls" aria-label="engine">
                    <BackendSwitch current={state.backend()} webgpu={state.webgpu.clone()}
                                   webgpu_lost={state.webgpu_lost.is_some()} on_switch={on_switch} />
                    <span class="model-name">{models.join(" · ")}</span>
                </section>
                if let Some(note) = backend_note(&state) {
                    <p id="backend-note" class="note">{note}</p>
                }
                <p id="status" class={classes!("status", status_kind)} data-state={status_kind} role="status">
                    {status_text}
                </p>
                if let Some(error) = &state.load_error {
                    <p id="load-error" class="status error" role="alert">{error}</p>
                }
                if state.status() == Status::Ready {
                    <ActivityPage page={state.view.page} />
                }
                <footer>
                    <ExportLoader />
                    <TimingPanel backend={state.backend()} timing={state.timing.clone()} />
                </footer>
            </main>
        </ContextProvider<AppHandle>>
    }
}
