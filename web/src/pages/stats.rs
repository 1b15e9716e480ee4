//! Latent statistics: histograms of encoded faces' latent dimensions against the
//! prior's N(0, 1) density (the seed notebook's 10 x 10 grid), of z as the VAE samples
//! it or of the encoder's means.

use latentlab_model::latent::{normal_pdf, posterior_samples};
use latentlab_model::quality::ACTIVE_KL_NATS;
use latentlab_model::view::density_histogram;
use latentlab_model::weights::Points;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::shared::input_number;
use crate::components::image_canvas::context_2d;
use crate::hooks::use_app;
use crate::route::LatentDraw;
use crate::state::{Action, Slot};

/// Seed of the noise in the sampled histograms: fixed, so a reload draws the same z.
const NOISE_SEED: u64 = 2024;

const PANELS: usize = 100;
const COLUMNS: usize = 10;
const PANEL: (f64, f64) = (64.0, 48.0);
const GAP: f64 = 4.0;
const RANGE: (f32, f32) = (-4.0, 4.0);
const BINS: usize = 16;
/// Density at the top of a panel (the N(0, 1) peak is 0.40).
const TOP: f64 = 0.6;

/// Draws `count` histograms from dimension `first`; with the manifest's per-dimension
/// KL, active dimensions get a frame and every panel its KL.
fn draw(
    canvas: &HtmlCanvasElement,
    z: &[f32],
    dim: usize,
    first: usize,
    count: usize,
    kl_per_dim: Option<&[f64]>,
) {
    let rows = count.div_ceil(COLUMNS).max(1);
    canvas.set_width((COLUMNS as f64 * (PANEL.0 + GAP)) as u32);
    canvas.set_height((rows as f64 * (PANEL.1 + GAP)) as u32);
    let Some(ctx) = context_2d(canvas) else {
        return;
    };
    ctx.set_fill_style_str("#fff");
    ctx.fill_rect(
        0.0,
        0.0,
        f64::from(canvas.width()),
        f64::from(canvas.height()),
    );
    let y_of = |density: f64| PANEL.1 - (density / TOP).min(1.0) * PANEL.1;
    let bin_width = PANEL.0 / BINS as f64;
    for k in 0..count {
        let d = first + k;
        let (x0, y0) = (
            (k % COLUMNS) as f64 * (PANEL.0 + GAP),
            (k / COLUMNS) as f64 * (PANEL.1 + GAP),
        );
        let column = z.chunks_exact(dim).map(|row| row[d]);
        ctx.set_fill_style_str("#4477aa");
        for (b, density) in density_histogram(column, RANGE, BINS)
            .into_iter()
            .enumerate()
        {
            let top = y_of(f64::from(density));
            ctx.fill_rect(
                x0 + b as f64 * bin_width,
                y0 + top,
                bin_width - 0.5,
                PANEL.1 - top,
            );
        }
        ctx.set_stroke_style_str("#e69f00");
        ctx.set_line_width(1.5);
        ctx.begin_path();
        for i in 0..=32 {
            let x = f64::from(RANGE.0) + f64::from(RANGE.1 - RANGE.0) * f64::from(i) / 32.0;
            let (px, py) = (x0 + PANEL.0 * f64::from(i) / 32.0, y0 + y_of(normal_pdf(x)));
            if i == 0 {
                ctx.move_to(px, py)
            } else {
                ctx.line_to(px, py)
            }
        }
        ctx.stroke();
        ctx.set_fill_style_str("#333");
        ctx.set_font("10px system-ui, sans-serif");
        let kl = kl_per_dim.and_then(|kl| kl.get(d)).copied();
        let label = match kl {
            Some(kl) => format!("z{d}  KL {kl:.2}"),
            None => format!("z{d}"),
        };
        let _ = ctx.fill_text(&label, x0 + 2.0, y0 + 10.0);
        if kl.is_some_and(|kl| kl > ACTIVE_KL_NATS) {
            ctx.set_stroke_style_str("#228833");
            ctx.set_line_width(2.0);
            ctx.stroke_rect(x0 + 1.0, y0 + 1.0, PANEL.0 - 2.0, PANEL.1 - 2.0);
        }
    }
}

/// The histogrammed z: each posterior sampled once, or its mean; means when the
/// export has no log-variances (a plain AE, or an export from before they were kept).
fn histogrammed(points: &Points, draw: LatentDraw) -> Vec<f32> {
    match draw {
        LatentDraw::Sampled if !points.log_var.is_empty() => {
            posterior_samples(&points.z, &points.log_var, NOISE_SEED)
        }
        _ => points.z.clone(),
    }
}

#[function_component(StatsPage)]
pub fn stats_page() -> Html {
    let app = use_app();
    let canvas = use_node_ref();
    let engine = app.engine(Slot::Faces);
    let dim = engine.as_ref().map_or(0, |e| e.manifest.latent_dim);
    let first = app.view.first_dim.min(dim.saturating_sub(1));
    let count = PANELS.min(dim - first.min(dim));
    let can_sample = engine
        .as_ref()
        .and_then(|e| e.points.as_ref())
        .is_some_and(|p| !p.log_var.is_empty());
    let shown = if can_sample {
        app.view.latent_draw
    } else {
        LatentDraw::Means
    };
    {
        let canvas = canvas.clone();
        use_effect_with(
            (engine.clone(), first, shown),
            move |(engine, first, shown)| {
                let element = canvas.cast::<HtmlCanvasElement>();
                if let (Some(engine), Some(element)) = (engine, element)
                    && let Some(points) = &engine.points
                {
                    let kl = engine
                        .manifest
                        .quality
                        .as_ref()
                        .map(|q| q.kl_per_dim.as_slice());
                    draw(
                        &element,
                        &histogrammed(points, *shown),
                        engine.manifest.latent_dim,
                        *first,
                        count,
                        kl,
                    );
                }
            },
        );
    }
    let faces = engine
        .as_ref()
        .and_then(|e| e.points.as_ref())
        .map_or(0, |p| p.z.len() / dim.max(1));
    let dispatcher = app.dispatcher();
    let on_first = Callback::from(move |e: Event| {
        if let Some(d) = input_number(&e) {
            dispatcher.dispatch(Action::SetFirstDim(d));
        }
    });
    let toggle = |id: &'static str, label: &'static str, value: LatentDraw| {
        let dispatcher = app.dispatcher();
        html! {
            <button id={id} aria-pressed={(shown == value).to_string()} disabled={!can_sample}
                    onclick={Callback::from(move |_| dispatcher.dispatch(Action::SetLatentDraw(value)))}>{label}</button>
        }
    };
    let dims = format!("{first}-{}", first + count.saturating_sub(1));
    let active = engine
        .as_ref()
        .and_then(|e| e.manifest.quality.as_ref())
        .map(|q| {
            format!(
                "{} of {dim} dimensions are active (mean KL above {ACTIVE_KL_NATS} nats on \
                 held-out faces; framed in green): the decoder ignores the rest.",
                q.active_dims
            )
        });
    let what = match shown {
        LatentDraw::Sampled => format!(
            "a histogram of z drawn the way the VAE draws it in training (mean + sigma * noise, \
             one draw per face) for {faces} held-out faces (blue) against the N(0, 1) prior \
             (orange). An unused dimension has mean 0 and sigma 1 for every face, so its \
             samples match the prior exactly; switch to the means to see which dimensions \
             carry information."
        ),
        LatentDraw::Means => format!(
            "a histogram of the encoder's means for {faces} held-out faces (blue) against the \
             N(0, 1) prior (orange). A dimension that carries information spreads its means \
             out; one the model ignores piles them up at 0 (a spike), whatever the KL term \
             does for the samples."
        ),
    };
    let draw_id = if shown == LatentDraw::Means {
        "means"
    } else {
        "sampled"
    };
    html! {
        <section class="activity" aria-labelledby="stats-title">
            <h2 id="stats-title">{"Latent statistics"}</h2>
            <p class="explain">{format!("Each panel is one latent dimension: {what}")}</p>
            <div class="controls" role="group" aria-label="what to histogram">
                {toggle("hist-sampled", "sampled z", LatentDraw::Sampled)}
                {toggle("hist-means", "posterior means", LatentDraw::Means)}
                if !can_sample {
                    <span>{"(this export has no log-variances, so only the means can be shown)"}</span>
                }
            </div>
            <label>{"first dimension "}<input id="first-dim" type="number" min="0" max={dim.saturating_sub(1).to_string()}
                step="10" value={first.to_string()} onchange={on_first} /></label>
            if let Some(active) = active {
                <p id="active-dims">{active}</p>
            }
            if faces == 0 {
                <p>{"This export ships no encoded faces (points.safetensors)."}</p>
            }
            <canvas id="histograms" class="histograms" ref={canvas} data-dims={dims} data-faces={faces.to_string()}
                    data-draw={draw_id}
                    role="img" aria-label={format!("histograms of latent dimensions {first} onwards")}></canvas>
        </section>
    }
}
