//! The 3-D latent of mlp-ae (784-128-64-12-3): a rotatable cloud of encoded digits;
//! click a point to decode it.

use std::rc::Rc;

use yew::prelude::*;

use super::shared::input_number;
use crate::components::cloud::Cloud;
use crate::components::image_canvas::ImageCanvas;
use crate::components::legend::Legend;
use crate::hooks::decoder::picture;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::route::limits;
use crate::state::{Action, Slot};

#[function_component(Latent3dPage)]
pub fn latent3d_page() -> Html {
    let app = use_app();
    let (decoded, request) = use_decoder("latent3d");
    let engine = app.engine(Slot::Ae3d);
    let (yaw, pitch, picked) = (app.view.yaw, app.view.pitch, app.view.picked);
    let points = use_memo(engine.clone(), |engine| {
        let points = engine.as_ref().and_then(|e| e.points.as_ref());
        (
            Rc::new(points.map(|p| p.z.clone()).unwrap_or_default()),
            Rc::new(points.map(|p| p.labels.clone()).unwrap_or_default()),
        )
    });
    use_effect_with((engine.clone(), picked), move |(engine, picked)| {
        let (Some(engine), Some(i)) = (engine, picked) else {
            return;
        };
        if let Some(z) = engine
            .points
            .as_ref()
            .and_then(|p| p.z.chunks_exact(3).nth(*i))
        {
            request.emit((engine.clone(), z.to_vec()));
        }
    });

    let dispatcher = app.dispatcher();
    let angle = |is_yaw: bool| {
        let d = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(v) = input_number::<f32>(&e) {
                let (yaw, pitch) = if is_yaw { (v, pitch) } else { (yaw, v) };
                d.dispatch(Action::Rotate { yaw, pitch });
            }
        })
    };
    let on_pick = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| d.dispatch(Action::Pick(input_number(&e))))
    };
    let count = points.1.len();
    let label = engine.as_ref().zip(picked).and_then(|(engine, i)| {
        let class = *engine.points.as_ref()?.labels.get(i)?;
        let name = engine
            .manifest
            .dataset
            .classes
            .get(class as usize)
            .cloned()
            .unwrap_or_else(|| class.to_string());
        Some(format!("digit {name} · point #{i}"))
    });
    let classes = engine
        .as_ref()
        .map(|e| e.manifest.dataset.classes.clone())
        .unwrap_or_default();
    html! {
        <section class="activity" aria-labelledby="latent3d-title">
            <h2 id="latent3d-title">{"A 3-D latent space"}</h2>
            <p class="explain">{"This autoencoder (784-128-64-12-3) squeezes each MNIST digit into three \
                numbers. Drag to turn the cloud: digits form clusters and arms, with empty space \
                between them that a plain autoencoder never learned to decode. Click a point (or type \
                its index) to see the image its three numbers decode to."}</p>
            <div class="cloud-layout">
                <Cloud id="cloud" points={points.0.clone()} labels={points.1.clone()}
                       label={format!("{count} encoded digits in 3-D")} />
                <div class="sliders">
                    <label class="slider">{"turn "}<input id="yaw" type="range" min={limits::YAW.0.to_string()} max={limits::YAW.1.to_string()} step="0.05"
                        value={yaw.to_string()} oninput={angle(true)} /></label>
                    <label class="slider">{"tilt "}<input id="pitch" type="range" min={limits::PITCH.0.to_string()} max={limits::PITCH.1.to_string()} step="0.05"
                        value={pitch.to_string()} oninput={angle(false)} /></label>
                    <label>{"point # "}<input id="pick-index" type="number" min="0" max={count.saturating_sub(1).to_string()}
                        value={picked.map(|p| p.to_string()).unwrap_or_default()} onchange={on_pick} /></label>
                    <ImageCanvas id="picked" class="medium" picture={picture(&decoded, 1)} label="decode of the picked point" />
                    <p id="picked-label">{label.unwrap_or_else(|| "click a point".into())}</p>
                </div>
            </div>
            <Legend classes={classes} />
        </section>
    }
}
