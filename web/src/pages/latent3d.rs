//! The 3-D latent of mlp-ae (784-128-64-12-3): a rotatable cloud of encoded digits;
//! click a point to decode it.

use std::cell::Cell;

use latentlab_model::palette::{class_colour, hex};
use latentlab_model::view::{Camera, Projected, nearest};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::shared::input_number;
use crate::components::image_canvas::ImageCanvas;
use crate::components::legend::Legend;
use crate::hooks::decoder::picture;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::services::engine::Engine;
use crate::state::{Action, Slot};

const SIZE: f32 = 360.0;
/// Radians per dragged canvas pixel.
const TURN: f32 = 0.01;
/// How far from a point (canvas pixels) a click still picks it.
const REACH: f32 = 12.0;

/// Every point on screen, relative to the cloud's centre.
fn project(engine: &Engine, yaw: f32, pitch: f32) -> Vec<Projected> {
    let z = engine.points.as_ref().map_or(&[][..], |p| p.z.as_slice());
    let (camera, centre) = Camera::fitting(z, yaw, pitch, SIZE);
    z.chunks_exact(3)
        .map(|p| camera.project([p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]]))
        .collect()
}

fn draw(
    canvas: &HtmlCanvasElement,
    engine: &Engine,
    projected: &[Projected],
    picked: Option<usize>,
) {
    let Some(ctx) = crate::plot::start(canvas, SIZE as u32, SIZE as u32) else {
        return;
    };
    let labels = engine
        .points
        .as_ref()
        .map_or(&[][..], |p| p.labels.as_slice());
    // Far points first, so near ones are drawn over them.
    let mut order: Vec<usize> = (0..projected.len()).collect();
    order.sort_by(|&a, &b| projected[a].depth.total_cmp(&projected[b].depth));
    let depth_range = projected.iter().fold(1e-6f32, |m, p| m.max(p.depth.abs()));
    for i in order {
        let p = projected[i];
        let radius = 1.5 + (p.depth / depth_range + 1.0) * 0.9;
        ctx.set_fill_style_str(&hex(class_colour(labels.get(i).copied().unwrap_or(0))));
        ctx.begin_path();
        let _ = ctx.arc(
            p.xy[0].into(),
            p.xy[1].into(),
            radius.into(),
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
    }
    if let Some(p) = picked.and_then(|i| projected.get(i)) {
        ctx.set_stroke_style_str("#000");
        ctx.set_line_width(2.5);
        ctx.begin_path();
        let _ = ctx.arc(
            p.xy[0].into(),
            p.xy[1].into(),
            8.0,
            0.0,
            std::f64::consts::TAU,
        );
        ctx.stroke();
    }
}

/// Where a drag started and the angles at that moment.
#[derive(Clone, Copy)]
struct Drag {
    start: [f32; 2],
    yaw: f32,
    pitch: f32,
    moved: bool,
}

#[function_component(Latent3dPage)]
pub fn latent3d_page() -> Html {
    let app = use_app();
    let canvas = use_node_ref();
    let drag = use_mut_ref(|| Cell::new(None::<Drag>));
    let (decoded, request) = use_decoder("latent3d");
    let engine = app.engine(Slot::Ae3d);
    let (yaw, pitch, picked) = (app.view.yaw, app.view.pitch, app.view.picked);
    let projected = use_memo(
        (engine.clone(), yaw.to_bits(), pitch.to_bits()),
        |(engine, _, _)| {
            engine
                .as_ref()
                .map(|e| project(e, yaw, pitch))
                .unwrap_or_default()
        },
    );
    {
        let canvas = canvas.clone();
        use_effect_with(
            (engine.clone(), projected.clone(), picked),
            move |(engine, projected, picked)| {
                if let (Some(engine), Some(element)) = (engine, canvas.cast::<HtmlCanvasElement>())
                {
                    draw(&element, engine, projected, *picked);
                }
            },
        );
    }
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
    let on_down = {
        let (drag, canvas) = (drag.clone(), canvas.clone());
        Callback::from(move |e: PointerEvent| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                let start = crate::plot::event_point(&element, &e);
                drag.borrow().set(Some(Drag {
                    start,
                    yaw,
                    pitch,
                    moved: false,
                }));
            }
        })
    };
    let on_move = {
        let (drag, canvas, d) = (drag.clone(), canvas.clone(), dispatcher.clone());
        Callback::from(move |e: PointerEvent| {
            let (Some(mut state), Some(element)) =
                (drag.borrow().get(), canvas.cast::<HtmlCanvasElement>())
            else {
                return;
            };
            let [x, y] = crate::plot::event_point(&element, &e);
            let (dx, dy) = (x - state.start[0], y - state.start[1]);
            if dx.abs() + dy.abs() > 4.0 {
                state.moved = true;
                drag.borrow().set(Some(state));
                d.dispatch(Action::Rotate {
                    yaw: state.yaw + dx * TURN,
                    pitch: state.pitch + dy * TURN,
                });
            }
        })
    };
    let on_up = {
        let (drag, canvas, d, projected) = (
            drag.clone(),
            canvas.clone(),
            dispatcher.clone(),
            projected.clone(),
        );
        Callback::from(move |e: PointerEvent| {
            let state = drag.borrow().take();
            let Some(element) = canvas.cast::<HtmlCanvasElement>() else {
                return;
            };
            if state.is_some_and(|s| !s.moved)
                && let Some(i) = nearest(&projected, crate::plot::event_point(&element, &e), REACH)
            {
                d.dispatch(Action::Pick(Some(i)));
            }
        })
    };
    let on_leave = {
        let drag = drag.clone();
        Callback::from(move |_: PointerEvent| drag.borrow().set(None))
    };
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
    let count = projected.len();
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
                <canvas id="cloud" class="cloud" ref={canvas} data-points={count.to_string()}
                        data-picked={picked.map(|p| p.to_string()).unwrap_or_default()}
                        onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up} onpointerleave={on_leave}
                        role="img" aria-label={format!("{count} encoded digits in 3-D")}></canvas>
                <div class="sliders">
                    <label class="slider">{"turn "}<input id="yaw" type="range" min="0" max="6.28" step="0.05"
                        value={yaw.to_string()} oninput={angle(true)} /></label>
                    <label class="slider">{"tilt "}<input id="pitch" type="range" min="-1.5" max="1.5" step="0.05"
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
