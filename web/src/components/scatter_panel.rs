//! One 2-D latent scatter: encoded test images coloured by class, and a cursor whose
//! latent is decoded live (pointer or arrow keys).

use std::rc::Rc;

use latentlab_model::palette::{class_colour, hex};
use latentlab_model::view::{PlotWindow, Space};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::components::image_canvas::ImageCanvas;
use crate::hooks::decoder::picture;
use crate::hooks::decoder::use_decoder;
use crate::services::engine::Engine;

/// Canvas side in pixels (CSS scales it to the screen).
const SIZE: f32 = 320.0;
/// Arrow-key step in canvas pixels.
const STEP: f32 = 8.0;

#[derive(Properties, PartialEq)]
pub struct ScatterPanelProps {
    pub engine: Rc<Engine>,
    /// `vae` or `ae`: element ids are `scatter-<key>` and `decoded-<key>`.
    pub key_name: &'static str,
    pub activity: &'static str,
    pub title: AttrValue,
    pub space: Space,
}

fn draw(canvas: &HtmlCanvasElement, engine: &Engine, window: &PlotWindow, cursor: [f32; 2]) {
    let Some(ctx) = crate::plot::start(canvas, SIZE as u32, SIZE as u32) else {
        return;
    };
    // Axes through the origin (the prior's mean).
    let origin = window.to_canvas([0.0, 0.0]);
    ctx.set_stroke_style_str("#ccc");
    ctx.begin_path();
    ctx.move_to(origin[0].into(), 0.0);
    ctx.line_to(origin[0].into(), SIZE.into());
    ctx.move_to(0.0, origin[1].into());
    ctx.line_to(SIZE.into(), origin[1].into());
    ctx.stroke();
    if let Some(points) = &engine.points {
        let classes = engine.manifest.dataset.classes.len().max(1) as u32;
        for class in 0..classes {
            ctx.set_fill_style_str(&hex(class_colour(class)));
            for (z, _) in points
                .z
                .chunks_exact(2)
                .zip(&points.labels)
                .filter(|(_, l)| **l == class)
            {
                let [x, y] = window.to_canvas([z[0], z[1]]);
                ctx.fill_rect(f64::from(x) - 1.0, f64::from(y) - 1.0, 2.0, 2.0);
            }
        }
    }
    let [x, y] = window.to_canvas(cursor).map(f64::from);
    ctx.set_stroke_style_str("#000");
    ctx.set_line_width(2.0);
    ctx.begin_path();
    let _ = ctx.arc(x, y, 7.0, 0.0, std::f64::consts::TAU);
    ctx.move_to(x - 11.0, y);
    ctx.line_to(x + 11.0, y);
    ctx.move_to(x, y - 11.0);
    ctx.line_to(x, y + 11.0);
    ctx.stroke();
}

#[function_component(ScatterPanel)]
pub fn scatter_panel(props: &ScatterPanelProps) -> Html {
    let canvas = use_node_ref();
    let cursor = use_state(|| [0.0f32, 0.0]);
    let (decoded, request) = use_decoder(props.activity);
    let engine = props.engine.clone();
    let window = {
        let z = engine.points.as_ref().map_or(&[][..], |p| p.z.as_slice());
        PlotWindow::fitting(z, props.space, SIZE)
    };
    {
        let canvas = canvas.clone();
        use_effect_with(
            (engine.clone(), window, *cursor),
            move |(engine, window, cursor)| {
                if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                    draw(&element, engine, window, *cursor);
                }
            },
        );
    }
    use_effect_with((engine.clone(), *cursor), move |(engine, cursor)| {
        request.emit((engine.clone(), cursor.to_vec()));
    });
    let on_move = {
        let (canvas, cursor) = (canvas.clone(), cursor.clone());
        Callback::from(move |e: PointerEvent| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                cursor.set(window.to_latent(crate::plot::event_point(&element, &e)));
            }
        })
    };
    let on_key = {
        let cursor = cursor.clone();
        Callback::from(move |e: KeyboardEvent| {
            let (dx, dy) = match e.key().as_str() {
                "ArrowLeft" => (-STEP, 0.0),
                "ArrowRight" => (STEP, 0.0),
                "ArrowUp" => (0.0, -STEP),
                "ArrowDown" => (0.0, STEP),
                _ => return,
            };
            e.prevent_default();
            let [x, y] = window.to_canvas(*cursor);
            cursor.set(window.to_latent([(x + dx).clamp(0.0, SIZE), (y + dy).clamp(0.0, SIZE)]));
        })
    };
    let count = engine.points.as_ref().map_or(0, |p| p.z.len() / 2);
    let space = if props.space == Space::Phi {
        "phi"
    } else {
        "z"
    };
    let key = props.key_name;
    html! {
        <figure class="scatter">
            <figcaption>{props.title.clone()}</figcaption>
            <canvas id={format!("scatter-{key}")} ref={canvas} tabindex="0" data-points={count.to_string()}
                    data-space={space} onpointermove={on_move} onkeydown={on_key}
                    role="img" aria-label={format!("{} encoded test images; arrow keys move the cursor", count)}></canvas>
            <div class="decoded">
                <ImageCanvas id={format!("decoded-{key}")} class="medium" picture={picture(&decoded, 1)}
                             label="decode of the latent under the cursor" />
                <span class="readout">{format!("z = ({:.2}, {:.2})", cursor[0], cursor[1])}</span>
            </div>
        </figure>
    }
}
