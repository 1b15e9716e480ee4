//! Sample: faces decoded from z drawn from the model's prior and scaled by a
//! temperature, by the face VAE's decoder or the face GAN's generator, whichever the
//! visitor picks (the page opens on the one closer to real faces).

use std::rc::Rc;

use latentlab_model::Manifest;
use latentlab_model::grid::tile_rgba;
use latentlab_model::latent::prior_latents;
use yew::prelude::*;

use super::shared::input_number;
use crate::components::current_face::CurrentFace;
use crate::components::image_canvas::ImageCanvas;
use crate::components::model_quality::ModelQuality;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::route::limits;
use crate::route::{Endpoint, FaceModel, Keyword};
use crate::state::{Action, GRID_FACES, Slot};

fn slot_of(model: FaceModel) -> Slot {
    match model {
        FaceModel::Vae => Slot::Faces,
        FaceModel::Gan => Slot::Gan,
    }
}

/// The switch's label: the kind of model and, when `latentlab eval` measured it, the
/// Fréchet distance of its samples from real faces.
fn switch_label(model: FaceModel, manifest: Option<&Manifest>) -> String {
    let kind = match model {
        FaceModel::Vae => "VAE",
        FaceModel::Gan => "GAN",
    };
    match manifest.and_then(|m| m.fidelity.as_ref()) {
        Some(f) => format!("{kind} (Fréchet distance {:.1})", f.samples.frechet),
        None => kind.to_string(),
    }
}

fn explanation(model: FaceModel) -> &'static str {
    match model {
        FaceModel::Vae => {
            "A variational autoencoder learns to map each training face to a small cloud of \
             points in a 200-dimensional latent space, and is pushed (by the KL term) to keep \
             those clouds overlapping a standard normal. So any z drawn from N(0, I) lands \
             somewhere the decoder knows, and decodes to a face nobody photographed. \
             Temperature scales z: at 0 every face becomes the decoder's face for z = 0, which \
             is not the average of the faces (the decoder is not linear); above 1 they grow \
             stranger. Clicking a face makes it the current face of the morph and the \
             attribute sliders."
        }
        FaceModel::Gan => {
            "A generative adversarial network's generator turns z drawn from its prior into a \
             face. It never saw a photo: it learned only from a second network, trained to \
             tell its faces from real ones, so it commits to sharp detail where the VAE, \
             trained to reconstruct photos, hedges towards blur. It has no encoder, so the \
             morph, the attribute sliders and your photo use the VAE; clicking a face makes \
             it face A of the GAN page's interpolation. Temperature scales z as for the VAE."
        }
    }
}

#[function_component(SamplePage)]
pub fn sample_page() -> Html {
    let app = use_app();
    let (decoded, request) = use_decoder("sample");
    let view = &app.view;
    let model = app.sample_model();
    let engine = model.and_then(|m| app.engine(slot_of(m)));
    use_effect_with(
        (engine.clone(), view.seed, view.temperature),
        move |(engine, seed, temperature)| {
            let Some(engine) = engine else { return };
            let m = &engine.manifest;
            let z = prior_latents(
                m.model.prior(),
                *seed,
                GRID_FACES as usize,
                m.latent_dim,
                f64::from(*temperature),
            );
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
    let model_radio = |choice: FaceModel| {
        let d = dispatcher.clone();
        let onchange = Callback::from(move |_: Event| d.dispatch(Action::SetSampleModel(choice)));
        let engine = app.engine(slot_of(choice));
        html! {
            <label><input type="radio" name="sample-model" id={format!("sample-model-{}", choice.word())}
                checked={model == Some(choice)} onchange={onchange} />
                {switch_label(choice, engine.as_ref().map(|e| &e.manifest))}</label>
        }
    };
    // The figures alone: the manifest also holds the attribute vectors (40 x 200 floats).
    let (quality, fidelity, training, latent_dim) = match engine.as_ref().map(|e| &e.manifest) {
        Some(m) => (
            m.quality.clone(),
            m.fidelity.clone(),
            m.training.clone(),
            m.latent_dim,
        ),
        None => (None, None, None, 0),
    };
    let shown = model.unwrap_or(FaceModel::Vae);
    let cell = |index: u64| {
        let id = view.seed.wrapping_add(index);
        let picture = faces
            .as_ref()
            .as_ref()
            .and_then(|f| f.get(index as usize).cloned());
        let dispatcher = dispatcher.clone();
        let (pressed, title, onclick) = if shown == FaceModel::Gan {
            (
                view.gan_a == id,
                format!("make face {id} face A of the GAN page's interpolation"),
                Callback::from(move |_| dispatcher.dispatch(Action::SetGanA(id))),
            )
        } else {
            (
                view.face == Endpoint::Face(id),
                format!("make face {id} the current face"),
                Callback::from(move |_| dispatcher.dispatch(Action::SetFace(Endpoint::Face(id)))),
            )
        };
        html! {
            <button class="face" data-face={id.to_string()} aria-pressed={pressed.to_string()}
                    title={title} onclick={onclick}>
                <ImageCanvas id={format!("face-{id}")} picture={picture} label={format!("face {id}")} />
            </button>
        }
    };
    html! {
        <section class="activity" aria-labelledby="sample-title">
            <h2 id="sample-title">{"Sample faces"}</h2>
            <div class="controls" role="radiogroup" aria-label="model">
                {model_radio(FaceModel::Vae)}
                {model_radio(FaceModel::Gan)}
            </div>
            <p class="explain" id="sample-explain">{explanation(shown)}</p>
            <div class="controls">
                <label>{"first face "}<input id="seed" type="number" min="0" value={view.seed.to_string()} onchange={on_seed} /></label>
                <label>{"temperature "}<input id="temperature" type="range" min={limits::TEMPERATURE.0.to_string()} max={limits::TEMPERATURE.1.to_string()} step="0.05"
                    value={view.temperature.to_string()} oninput={on_temperature} />
                    <output>{format!("{:.2}", view.temperature)}</output></label>
                <button id="new-samples" onclick={on_new}>{"New samples"}</button>
            </div>
            if shown == FaceModel::Vae { <CurrentFace /> }
            <div class="faces">{ for (0..GRID_FACES).map(cell) }</div>
            <ModelQuality quality={quality} fidelity={fidelity} training={training} latent_dim={latent_dim} />
        </section>
    }
}
