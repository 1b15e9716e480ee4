//! A rotatable 3-D point cloud coloured by class: drag to turn it, click a point to
//! pick it. The 3-D latent page and the data-distributions page both show one; the
//! camera and the picked point are the view's (`yaw`, `pitch`, `pick` in the URL), so
//! every cloud on a page turns together.

use std::cell::Cell;
use std::rc::Rc;

use latentlab_model::palette::{class_colour, hex};
use latentlab_model::view::{Camera, Projected, nearest};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::hooks::use_app;
use crate::state::Action;

const SIZE: f32 = 360.0;
/// Radians per dragged canvas pixel.
const TURN: f32 = 0.01;
/// How far from a point (canvas pixels) a click still picks it.
const REACH: f32 = 12.0;

#[derive(Properties, PartialEq)]
pub struct CloudProps {
    /// The canvas's element id.
    pub id: AttrValue,
    /// `[n, 3]` row-major.
    pub points: Rc<Vec<f32>>,
    /// The class of each point (its colour).
    pub labels: Rc<Vec<u32>>,
    /// What the cloud shows, for screen readers.
    pub label: AttrValue,
}

/// Every point on screen, relative to the cloud's centre.
fn project(points: &[f32], yaw: f32, pitch: f32) -> Vec<Projected> {
    let (camera, centre) = Camera::fitting(points, yaw, pitch, SIZE);
    points
        .chunks_exact(3)
        .map(|p| camera.project([p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]]))
        .collect()
}

fn draw(
    canvas: &HtmlCanvasElement,
    labels: &[u32],
    projected: &[Projected],
    picked: Option<usize>,
) {
    let Some(ctx) = crate::plot::start(canvas, SIZE as u32, SIZE as u32) else {
        return;
    };
    // Far points first, so near ones are drawn over them.
    let mut order: Vec<usize> = (0..projected.len()).collect();
    order.sort_by(|&a, &b| projected[a].depth.total_cmp(&projected[b].depth));
    let depth_range = projected.iter().fold(1e-6f32, |m, p| m.max(p.depth.abs()));
    let circle = |xy: [f32; 2], radius: f32| {
        ctx.begin_path();
        let _ = ctx.arc(
            xy[0].into(),
            xy[1].into(),
            radius.into(),
            0.0,
            std::f64::consts::TAU,
        );
    };
    for i in order {
        let p = projected[i];
        ctx.set_fill_style_str(&hex(class_colour(labels.get(i).copied().unwrap_or(0))));
        circle(p.xy, 1.5 + (p.depth / depth_range + 1.0) * 0.9);
        ctx.fill();
    }
    if let Some(p) = picked.and_then(|i| projected.get(i)) {
        ctx.set_stroke_style_str("#000");
        ctx.set_line_width(2.5);
        circle(p.xy, 8.0);
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

#[function_component(Cloud)]
pub fn cloud(props: &CloudProps) -> Html {
    let app = use_app();
    let canvas = use_node_ref();
    let drag = use_mut_ref(|| Cell::new(None::<Drag>));
    let (yaw, pitch) = (app.view.yaw, app.view.pitch);
    // A point of another cloud (the same view, more points) is not one of these.
    let picked = app.view.picked.filter(|&i| i < props.points.len() / 3);
    let projected = use_memo(
        (props.points.clone(), yaw.to_bits(), pitch.to_bits()),
        |(points, _, _)| project(points, yaw, pitch),
    );
    {
        let canvas = canvas.clone();
        use_effect_with(
            (props.labels.clone(), projected.clone(), picked),
            move |(labels, projected, picked)| {
                if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                    draw(&element, labels, projected, *picked);
                }
            },
        );
    }
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
        let (drag, canvas, dispatcher) = (drag.clone(), canvas.clone(), app.dispatcher());
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
                dispatcher.dispatch(Action::Rotate {
                    yaw: state.yaw + dx * TURN,
                    pitch: state.pitch + dy * TURN,
                });
            }
        })
    };
    let on_up = {
        let (drag, canvas, dispatcher, projected) = (
            drag.clone(),
            canvas.clone(),
            app.dispatcher(),
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
                dispatcher.dispatch(Action::Pick(Some(i)));
            }
        })
    };
    let on_leave = Callback::from(move |_: PointerEvent| drag.borrow().set(None));
    html! {
        <canvas id={props.id.clone()} class="cloud" ref={canvas}
                data-points={projected.len().to_string()}
                data-picked={picked.map(|p| p.to_string()).unwrap_or_default()}
                onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up} onpointerleave={on_leave}
                role="img" aria-label={props.label.clone()}></canvas>
    }
}
