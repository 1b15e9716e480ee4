//! Sample: faces decoded from z ~ N(0, I), scaled by a temperature.

use std::rc::Rc;

use latentlab_model::grid::tile_rgba;
use latentlab_model::latent::normal_latents;
use yew::prelude::*;

use super::shared::input_number;
use crate::components::current_face::CurrentFace;
use crate::components::image_canvas::ImageCanvas;
use crate::components::model_quality::ModelQuality;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::route::Endpoint;
use crate::state::{Action, GRID_FACES, Slot};

#[function_component(SamplePage)]
pub fn sample_page() -> Html {
    let app = use_app();
    let (decoded, request) = use_decoder("sample");
    let view = &app.view;
    use_effect_with(
        (app.engine(Slot::Faces), view.seed, view.temperature),
        move |(engine, seed, temperature)| {
            let Some(engine) = engine else { return };
            let dim = engine.manifest.latent_dim;
            let z = normal_latents(*seed, GRID_FACES as usize, dim, f64::from(*temperature));
            request.emit((engine.clone(), z));
        },
    );
    let faces = use_memo(decoded, |decoded| {
        decoded.as_ref().map(|d| {
            let shape = d.engine.manifest.image_shape();
            d.pixels
                .chunks(d.engine.manifest.pixels())
                .map(|image| Rc::new(tile_rgba(image, shape, 1, 0)))
                .collect::<Vec<_>>()
        })
    });

    let dispatcher = app.dispatcher();
    let on_seed = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |e: Event| {
            if let Some(seed) = input_number(&e) {
                dispatcher.dispatch(Action::SetSeed(seed));
            }
        })
    };
    let on_temperature = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = input_number(&e) {
                dispatcher.dispatch(Action::SetTemperature(t));
            }
        })
    };
    let on_new = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |_| dispatcher.dispatch(Action::NewSamples))
    };
    let manifest = app
        .engine(Slot::Faces)
        .map(|engine| engine.manifest.clone());
    let (quality, fidelity, training, latent_dim) = match &manifest {
        Some(m) => (
            m.quality.clone(),
            m.fidelity.clone(),
            m.training.clone(),
            m.latent_dim,
        ),
        None => (None, None, None, 0),
    };
    let cell = |index: u64| {
        let id = view.seed.wrapping_add(index);
        let picture = faces
            .as_ref()
            .as_ref()
            .and_then(|f| f.get(index as usize).cloned());
        let pressed = view.face == Endpoint::Face(id);
        let dispatcher = dispatcher.clone();
        let onclick =
            Callback::from(move |_| dispatcher.dispatch(Action::SetFace(Endpoint::Face(id))));
        html! {
            <button class="face" data-face={id.to_string()} aria-pressed={pressed.to_string()}
                    title={format!("make face {id} the current face")} onclick={onclick}>
                <ImageCanvas id={format!("face-{id}")} picture={picture} label={format!("face {id}")} />
            </button>
        }
    };
    html! {
        <section class="activity" aria-labelledby="sample-title">
            <h2 id="sample-title">{"Sample faces"}</h2>
            <p class="explain">{"A variational autoencoder learns to map each training face to a small \
                cloud of points in a 200-dimensional latent space, and is pushed (by the KL term) to \
                keep those clouds overlapping a standard normal. So any z drawn from N(0, I) lands \
                somewhere the decoder knows, and decodes to a face nobody photographed. Temperature \
                scales z: near 0 every face becomes the average face; above 1 they grow stranger."}</p>
            <div class="controls">
                <label>{"first face "}<input id="seed" type="number" min="0" value={view.seed.to_string()} onchange={on_seed} /></label>
                <label>{"temperature "}<input id="temperature" type="range" min="0" max="2" step="0.05"
                    value={view.temperature.to_string()} oninput={on_temperature} />
                    <output>{format!("{:.2}", view.temperature)}</output></label>
                <button id="new-samples" onclick={on_new}>{"New samples"}</button>
            </div>
            <CurrentFace />
            <div class="faces">{ for (0..GRID_FACES).map(cell) }</div>
            <ModelQuality quality={quality} fidelity={fidelity} training={training} latent_dim={latent_dim} />
        </section>
    }
}
