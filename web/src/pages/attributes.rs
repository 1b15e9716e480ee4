//! Attributes: move the current face along attribute vectors (mean latent of faces
//! with the attribute minus mean of faces without it).

use latentlab_model::latent::steer;
use latentlab_model::weights::FEATURED_ATTRIBUTES;
use yew::prelude::*;

use super::shared::input_number;
use crate::components::current_face::CurrentFace;
use crate::components::image_canvas::ImageCanvas;
use crate::hooks::decoder::picture;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::route::limits;
use crate::state::{Action, Slot};

#[function_component(AttributesPage)]
pub fn attributes_page() -> Html {
    let app = use_app();
    let (decoded, request) = use_decoder("attributes");
    let view = &app.view;
    let engine = app.engine(Slot::Faces);
    let z = engine.as_ref().map(|engine| {
        let manifest = &engine.manifest;
        let base = app.latent_of(view.face, manifest.latent_dim);
        let moves = view.attributes.iter().filter_map(|(name, amount)| {
            let attribute = manifest.attributes.iter().find(|a| a.name == *name)?;
            Some((*amount, attribute.vector.as_slice()))
        });
        steer(&base, moves)
    });
    use_effect_with((engine.clone(), z), move |(engine, z)| {
        if let (Some(engine), Some(z)) = (engine, z) {
            request.emit((engine.clone(), z.clone()));
        }
    });

    let dispatcher = app.dispatcher();
    let slider = |name: &str| {
        let value = view
            .attributes
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, v)| *v);
        let d = dispatcher.clone();
        let owned = name.to_string();
        let oninput = Callback::from(move |e: InputEvent| {
            if let Some(v) = input_number(&e) {
                d.dispatch(Action::SetAttribute(owned.clone(), v));
            }
        });
        html! {
            <label class="slider">{name.replace('_', " ")}
                <input id={format!("attr-{name}")} type="range" min={limits::ATTRIBUTE.0.to_string()} max={limits::ATTRIBUTE.1.to_string()} step="0.1"
                       value={value.to_string()} oninput={oninput} />
                <output>{format!("{value:+.1}")}</output></label>
        }
    };
    let names: Vec<String> = engine
        .as_ref()
        .map(|e| {
            e.manifest
                .attributes
                .iter()
                .map(|a| a.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let featured: Vec<&String> = names
        .iter()
        .filter(|n| FEATURED_ATTRIBUTES.contains(&n.as_str()))
        .collect();
    let others: Vec<&String> = names
        .iter()
        .filter(|n| !FEATURED_ATTRIBUTES.contains(&n.as_str()))
        .collect();
    let on_reset = {
        let d = dispatcher.clone();
        Callback::from(move |_| d.dispatch(Action::ResetAttributes))
    };
    html! {
        <section class="activity" aria-labelledby="attributes-title">
            <h2 id="attributes-title">{"Steer with attribute vectors"}</h2>
            <p class="explain">{"Encode every training face that is smiling and every face that is not; \
                the difference of their mean latents is a direction that means \"smiling\". Adding \
                alpha times it to any face's z and decoding shows the same face, smiling more (or, \
                with negative alpha, less). Each slider is one such vector, shipped in the model's \
                manifest."}</p>
            <CurrentFace />
            if names.is_empty() {
                <p>{"This export has no attribute vectors (add them with `latentlab attributes`)."}</p>
            }
            <div class="attributes-layout">
                <ImageCanvas id="attributes-face" class="big" picture={picture(&decoded, 1)} label="the steered face" />
                <div class="sliders">
                    { for featured.iter().map(|n| slider(n)) }
                    if !others.is_empty() {
                        <details><summary>{format!("{} more attributes", others.len())}</summary>
                            { for others.iter().map(|n| slider(n)) }
                        </details>
                    }
                    <button id="attr-reset" onclick={on_reset}>{"Reset"}</button>
                </div>
            </div>
        </section>
    }
}
