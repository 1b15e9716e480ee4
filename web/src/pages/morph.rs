//! Morph: walk from face A to face B through the latent space.

use latentlab_model::latent::{Interpolation, interpolate};
use yew::prelude::*;

use super::shared::input_number;
use crate::components::current_face::CurrentFace;
use crate::components::image_canvas::ImageCanvas;
use crate::hooks::decoder::picture;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::route::Endpoint;
use crate::route::limits;
use crate::state::{Action, Slot};

/// Frames in the strip, A first and B last.
const FRAMES: usize = 8;

#[derive(Properties, PartialEq)]
struct EndpointFieldProps {
    id: AttrValue,
    label: AttrValue,
    value: Endpoint,
    on_change: Callback<Endpoint>,
}

/// A face id field, with a button to use the current face (which may be the photo).
#[function_component(EndpointField)]
fn endpoint_field(props: &EndpointFieldProps) -> Html {
    let app = use_app();
    let value = match props.value {
        Endpoint::Face(id) => id.to_string(),
        Endpoint::Photo => String::new(),
    };
    let on_input = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            if let Some(id) = input_number(&e) {
                on_change.emit(Endpoint::Face(id));
            }
        })
    };
    let on_current = {
        let on_change = props.on_change.clone();
        let face = app.view.face;
        Callback::from(move |_| on_change.emit(face))
    };
    html! {
        <span class="endpoint">
            <label>{format!("{} face ", props.label)}
                <input id={props.id.clone()} type="number" min="0" value={value}
                       placeholder="your photo" onchange={on_input} /></label>
            <button id={format!("{}-current", props.id)} onclick={on_current}>{"use current face"}</button>
        </span>
    }
}

#[function_component(MorphPage)]
pub fn morph_page() -> Html {
    let app = use_app();
    let (frame, request_frame) = use_decoder("morph");
    let (strip, request_strip) = use_decoder("strip");
    let view = &app.view;
    let engine = app.engine(Slot::Faces);
    let dim = engine.as_ref().map_or(0, |e| e.manifest.latent_dim);
    let (za, zb) = (app.latent_of(view.a, dim), app.latent_of(view.b, dim));
    let how = view.interpolation;
    {
        let (za, zb) = (za.clone(), zb.clone());
        use_effect_with(
            (engine.clone(), za, zb, how),
            move |(engine, za, zb, how)| {
                let Some(engine) = engine else { return };
                let z: Vec<f32> = (0..FRAMES)
                    .flat_map(|i| interpolate(za, zb, i as f32 / (FRAMES - 1) as f32, *how))
                    .collect();
                request_strip.emit((engine.clone(), z));
            },
        );
    }
    use_effect_with(
        (engine, za, zb, how, view.alpha),
        move |(engine, za, zb, how, alpha)| {
            let Some(engine) = engine else { return };
            request_frame.emit((engine.clone(), interpolate(za, zb, *alpha, *how)));
        },
    );

    let dispatcher = app.dispatcher();
    let on_a = {
        let d = dispatcher.clone();
        Callback::from(move |e| d.dispatch(Action::SetA(e)))
    };
    let on_b = {
        let d = dispatcher.clone();
        Callback::from(move |e| d.dispatch(Action::SetB(e)))
    };
    let on_alpha = {
        let d = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(alpha) = input_number(&e) {
                d.dispatch(Action::SetAlpha(alpha));
            }
        })
    };
    let radio = |id: &'static str, label: &'static str, value: Interpolation| {
        let d = dispatcher.clone();
        let onchange = Callback::from(move |_: Event| d.dispatch(Action::SetInterpolation(value)));
        html! {
            <label><input type="radio" name="interp" id={id} checked={how == value} onchange={onchange} />{label}</label>
        }
    };
    html! {
        <section class="activity" aria-labelledby="morph-title">
            <h2 id="morph-title">{"Morph between two faces"}</h2>
            <p class="explain">{"Because the VAE's latent space is continuous, every point on the way \
                from face A's z to face B's z is also a face. Linear interpolation walks the straight \
                line; spherical interpolation walks the great circle, keeping the length of z near \
                that of real samples (in 200 dimensions almost all of N(0, I) lies near a sphere), \
                so the middle frames stay as sharp as the ends."}</p>
            <CurrentFace />
            <div class="controls">
                <EndpointField id="face-a" label="A" value={view.a} on_change={on_a} />
                <EndpointField id="face-b" label="B" value={view.b} on_change={on_b} />
            </div>
            <div class="controls" role="radiogroup" aria-label="interpolation">
                {radio("interp-lerp", "linear", Interpolation::Linear)}
                {radio("interp-slerp", "spherical", Interpolation::Spherical)}
            </div>
            <label class="slider">{"alpha "}
                <input id="alpha" type="range" min={limits::ALPHA.0.to_string()} max={limits::ALPHA.1.to_string()} step="0.01" value={view.alpha.to_string()}
                       oninput={on_alpha} />
                <output>{format!("{:.2}", view.alpha)}</output></label>
            <ImageCanvas id="morph" class="big" picture={picture(&frame, 1)} label="the face at alpha" />
            <ImageCanvas id="strip" class="strip" picture={picture(&strip, FRAMES)}
                         label="eight frames from face A to face B" />
        </section>
    }
}
