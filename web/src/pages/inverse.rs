//! Continuous inverse transform sampling: x = F^-1(u), for a chosen or hand-drawn pdf.

use std::cell::Cell;

use latentlab_sampling::catalogue::{DRAWN_KNOTS, DRAWN_RANGE, NAMES, Named, histogram_vs_density};
use latentlab_sampling::continuous::inverse_transform;
use latentlab_sampling::fit::kolmogorov_smirnov;
use latentlab_sampling::{Continuous, SeededRng};
use web_sys::{HtmlCanvasElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::sample_controls::SampleControls;
use crate::hooks::use_app;
use crate::plot::{self, Axes, BLUE, GREY, ORANGE};
use crate::state::{Action, LessonChange};

use super::shared::{BINS, draw_fit, plot_range};

/// Samples whose u -> x path is drawn on the CDF.
const TRACED: usize = 12;

fn draw_cdf(canvas: &HtmlCanvasElement, dist: &Named, samples: &[f64], range: (f64, f64)) {
    let Some(ctx) = plot::start(canvas, 640, 220) else {
        return;
    };
    let axes = Axes {
        x: range,
        y: (0.0, 1.0),
        rect: (30.0, 15.0, 590.0, 180.0),
    };
    plot::frame(&ctx, &axes, "x");
    plot::curve(&ctx, &axes, |x| dist.cdf(x), BLUE, 2.5);
    ctx.set_stroke_style_str(ORANGE);
    ctx.set_line_width(1.2);
    ctx.set_fill_style_str(ORANGE);
    for &x in samples.iter().take(TRACED) {
        // x = F^-1(u), so u = F(x).
        let u = dist.cdf(x);
        plot::line(&ctx, &axes, (range.0, u), (x, u));
        plot::line(&ctx, &axes, (x, u), (x, 0.0));
        plot::dot(&ctx, &axes, x, 0.0, 6.0);
    }
}

/// The drawing pad: the raw heights (0..1) of the hand-drawn pdf.
fn draw_pad(canvas: &HtmlCanvasElement, heights: &[f64]) -> Axes {
    let axes = Axes {
        x: DRAWN_RANGE,
        y: (0.0, 1.0),
        rect: (10.0, 10.0, 620.0, 140.0),
    };
    if let Some(ctx) = plot::start(canvas, 640, 170) {
        plot::frame(&ctx, &axes, "x");
        ctx.set_stroke_style_str(GREY);
        ctx.set_line_width(2.0);
        ctx.begin_path();
        let step = (DRAWN_RANGE.1 - DRAWN_RANGE.0) / (DRAWN_KNOTS - 1) as f64;
        for (i, &h) in heights.iter().enumerate() {
            let (x, y) = (axes.px(DRAWN_RANGE.0 + step * i as f64), axes.py(h));
            if i == 0 {
                ctx.move_to(x, y)
            } else {
                ctx.line_to(x, y)
            }
        }
        ctx.stroke();
    }
    axes
}

/// The pad's knot and height under canvas point `(x, y)`.
fn knot_at(axes: &Axes, (x, y): (f64, f64)) -> (usize, f64) {
    let t = (axes.data_x(x) - DRAWN_RANGE.0) / (DRAWN_RANGE.1 - DRAWN_RANGE.0);
    let knot = (t * (DRAWN_KNOTS - 1) as f64)
        .round()
        .clamp(0.0, (DRAWN_KNOTS - 1) as f64) as usize;
    (knot, axes.data_y(y).clamp(0.0, 1.0))
}

#[function_component(InversePage)]
pub fn inverse_page() -> Html {
    let app = use_app();
    let l = &app.view.lesson;
    let (pdf_ref, cdf_ref, pad_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    // The drawing in progress (committed to the state when the pointer lifts).
    let sketch = use_state(|| None::<Vec<f64>>);
    let last_knot = use_mut_ref(|| Cell::new(None::<usize>));
    let dist = Named::new(&l.dist, &l.drawn)
        .unwrap_or_else(|_| Named::new("normal", &[]).expect("normal"));
    let range = plot_range(&dist);
    // Everything the draw depends on: the memo and the redraw share one key.
    let inputs = (l.dist.clone(), l.drawn.clone(), l.count, l.seed);
    let samples = use_memo(inputs.clone(), |_| {
        inverse_transform(&dist, &mut SeededRng::new(l.seed), l.count)
    });
    let ks = kolmogorov_smirnov(&samples, |x| dist.cdf(x));
    let (observed, expected) = histogram_vs_density(&samples, &dist, range, BINS);
    {
        let (pdf_ref, cdf_ref, dist, samples, observed) = (
            pdf_ref.clone(),
            cdf_ref.clone(),
            dist.clone(),
            samples.clone(),
            observed.clone(),
        );
        use_effect_with(inputs, move |_| {
            if let Some(c) = pdf_ref.cast::<HtmlCanvasElement>() {
                draw_fit(&c, &dist, &observed, range);
            }
            if let Some(c) = cdf_ref.cast::<HtmlCanvasElement>() {
                draw_cdf(&c, &dist, &samples, range);
            }
        });
    }
    let shown = (*sketch).clone().unwrap_or_else(|| l.drawn.clone());
    {
        let pad_ref = pad_ref.clone();
        use_effect_with(shown.clone(), move |heights| {
            if let Some(c) = pad_ref.cast::<HtmlCanvasElement>() {
                draw_pad(&c, heights);
            }
        });
    }
    let dispatcher = app.dispatcher();
    let paint = {
        let (sketch, pad_ref, last_knot, shown) = (
            sketch.clone(),
            pad_ref.clone(),
            last_knot.clone(),
            shown.clone(),
        );
        move |e: &PointerEvent, starting: bool| {
            let Some(canvas) = pad_ref.cast::<HtmlCanvasElement>() else {
                return;
            };
            let axes = Axes {
                x: DRAWN_RANGE,
                y: (0.0, 1.0),
                rect: (10.0, 10.0, 620.0, 140.0),
            };
            let (knot, height) = knot_at(&axes, plot::event_xy(&canvas, e));
            let mut heights = shown.clone();
            // Fill every knot between the last one and this one, so fast strokes leave no gaps.
            let from = if starting {
                knot
            } else {
                last_knot.borrow().get().unwrap_or(knot)
            };
            let (a, b) = (from.min(knot), from.max(knot));
            heights[a..=b].fill(height);
            last_knot.borrow().set(Some(knot));
            sketch.set(Some(heights));
        }
    };
    let on_down = {
        let paint = paint.clone();
        Callback::from(move |e: PointerEvent| paint(&e, true))
    };
    let on_move = {
        let (paint, last_knot) = (paint.clone(), last_knot.clone());
        Callback::from(move |e: PointerEvent| {
            if e.buttons() & 1 == 1 && last_knot.borrow().get().is_some() {
                paint(&e, false);
            }
        })
    };
    let on_up = {
        let (sketch, last_knot, d) = (sketch.clone(), last_knot.clone(), dispatcher.clone());
        Callback::from(move |_: PointerEvent| {
            last_knot.borrow().set(None);
            if let Some(heights) = (*sketch).clone() {
                if heights.iter().sum::<f64>() > 0.0 {
                    d.dispatch(Action::Lesson(LessonChange::Drawn(heights)));
                    d.dispatch(Action::Lesson(LessonChange::Dist("drawn".into())));
                }
                sketch.set(None);
            }
        })
    };
    let on_dist = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(Action::Lesson(LessonChange::Dist(select.value())));
        })
    };
    let csv = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.5}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    html! {
        <section class="activity" aria-labelledby="inverse-title">
            <h2 id="inverse-title">{"Inverse transform sampling"}</h2>
            <p class="explain">{"If you know a distribution's CDF F, you can sample it with nothing but \
                uniform random numbers: draw u in (0, 1) and return x = F^-1(u). Steep parts of F (where \
                the pdf is high) catch many u values, flat parts few, so the samples pile up exactly \
                where the pdf says. Pick a distribution, or draw your own pdf in the pad below; the \
                histogram of the samples converges onto the pdf, and the Kolmogorov-Smirnov statistic \
                D (largest gap between the samples' CDF and F) shrinks like 1/sqrt(n)."}</p>
            <div class="controls">
                <label>{"distribution "}<select id="dist" onchange={on_dist}>
                    { for NAMES.iter().map(|&n| html! { <option value={n} selected={l.dist == n}>{n}</option> }) }
                </select></label>
                <SampleControls />
            </div>
            <p id="ks" data-statistic={ks.statistic.to_string()} data-p={ks.p_value.to_string()}
               data-count={samples.len().to_string()}>
                {format!("{} samples (seed {}): KS D = {:.4}, p = {:.3}", samples.len(), l.seed, ks.statistic, ks.p_value)}</p>
            <canvas id="inverse-pdf" class="plot" ref={pdf_ref} data-observed={csv(&observed)} data-expected={csv(&expected)}
                    role="img" aria-label="histogram of the samples (blue) and the pdf (orange)"></canvas>
            <canvas id="inverse-cdf" class="plot" ref={cdf_ref} role="img"
                    aria-label="the CDF with the u to x path of the first samples"></canvas>
            <h3>{"Draw your own pdf"}</h3>
            <p>{"Drag across the pad; when you let go, your shape (normalised to area 1) becomes the distribution."}</p>
            <canvas id="pdf-draw" class="plot pad" ref={pad_ref} onpointerdown={on_down} onpointermove={on_move}
                    onpointerup={on_up.clone()} onpointerleave={on_up} role="img" aria-label="drawing pad for a pdf"></canvas>
        </section>
    }
}
