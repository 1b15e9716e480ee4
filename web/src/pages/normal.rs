//! Uniform vs Gaussian z: what "drawing a random vector from a distribution" means, and
//! the bridge between the two (Phi^-1 turns uniform points into Gaussian ones).

use latentlab_model::latent::{manifold_grid, normal_pdf};
use latentlab_sampling::SeededRng;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::components::sample_controls::SampleControls;
use crate::hooks::use_app;
use crate::plot::{self, Axes, BLUE, GREY, ORANGE, TEAL};

/// Side of the uniform grid pushed through Phi^-1 (the manifold page's default).
const BRIDGE: usize = 12;

struct Draws {
    uniform: Vec<f64>,
    normal: Vec<f64>,
}

/// `count` 2-D points of each kind, row-major (x0, y0, x1, y1, ...).
fn draw_points(seed: u64, count: usize) -> Draws {
    let mut rng = SeededRng::new(seed);
    let uniform = (0..2 * count).map(|_| rng.next_open01()).collect();
    let normal = (0..2 * count).map(|_| rng.next_normal()).collect();
    Draws { uniform, normal }
}

fn mean_sd(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count().max(1) as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

fn draw_panel(
    canvas: &HtmlCanvasElement,
    points: &[f64],
    range: (f64, f64),
    pdf: impl Fn(f64) -> f64,
    label: &str,
) {
    let Some(ctx) = plot::start(canvas, 300, 380) else {
        return;
    };
    // 2-D scatter on top.
    let square = Axes {
        x: range,
        y: range,
        rect: (30.0, 20.0, 250.0, 250.0),
    };
    ctx.set_stroke_style_str(GREY);
    ctx.stroke_rect(square.rect.0, square.rect.1, square.rect.2, square.rect.3);
    ctx.set_fill_style_str("#333");
    let _ = ctx.fill_text(label, 32.0, 14.0);
    ctx.set_fill_style_str(BLUE);
    let size = if points.len() > 20_000 { 1.0 } else { 2.0 };
    for p in points.chunks_exact(2) {
        plot::dot(&ctx, &square, p[0], p[1], size);
    }
    // The first coordinates' histogram below, against the pdf.
    const BINS: usize = 30;
    let xs: Vec<f64> = points.chunks_exact(2).map(|p| p[0]).collect();
    let width = (range.1 - range.0) / BINS as f64;
    let counts = latentlab_sampling::fit::histogram(&xs, range, BINS);
    let density: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / (xs.len().max(1) as f64 * width))
        .collect();
    let top = density
        .iter()
        .fold(pdf(0.5 * (range.0 + range.1)), |m, &v| m.max(v))
        * 1.2;
    let hist = Axes {
        x: range,
        y: (0.0, top),
        rect: (30.0, 290.0, 250.0, 70.0),
    };
    plot::frame(&ctx, &hist, "x");
    plot::bars(&ctx, &hist, &density, "#4477aa99");
    plot::curve(&ctx, &hist, pdf, ORANGE, 2.0);
}

fn draw_bridge(canvas: &HtmlCanvasElement) {
    let Some(ctx) = plot::start(canvas, 620, 300) else {
        return;
    };
    let unit = Axes {
        x: (0.0, 1.0),
        y: (0.0, 1.0),
        rect: (20.0, 20.0, 260.0, 260.0),
    };
    let z = Axes {
        x: (-2.5, 2.5),
        y: (-2.5, 2.5),
        rect: (340.0, 20.0, 260.0, 260.0),
    };
    for axes in [&unit, &z] {
        ctx.set_stroke_style_str(GREY);
        ctx.stroke_rect(axes.rect.0, axes.rect.1, axes.rect.2, axes.rect.3);
    }
    ctx.set_fill_style_str("#333");
    let _ = ctx.fill_text("p: even grid in (0, 1)^2", 22.0, 14.0);
    let _ = ctx.fill_text("z = Phi^-1(p)", 342.0, 14.0);
    // The same points the manifold page decodes, in both coordinates.
    let grid = manifold_grid(BRIDGE);
    for (i, point) in grid.chunks_exact(2).enumerate() {
        let (row, col) = (i / BRIDGE, i % BRIDGE);
        let p = (
            (col as f64 + 0.5) / BRIDGE as f64,
            ((BRIDGE - 1 - row) as f64 + 0.5) / BRIDGE as f64,
        );
        ctx.set_fill_style_str(TEAL);
        plot::dot(&ctx, &unit, p.0, p.1, 5.0);
        plot::dot(&ctx, &z, f64::from(point[0]), f64::from(point[1]), 5.0);
    }
}

#[function_component(NormalPage)]
pub fn normal_page() -> Html {
    let app = use_app();
    let l = &app.view.lesson;
    let (uniform_ref, normal_ref, bridge_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    let draws = use_memo((l.seed, l.count), |&(seed, count)| draw_points(seed, count));
    {
        let (uniform_ref, normal_ref, bridge_ref, draws) = (
            uniform_ref.clone(),
            normal_ref.clone(),
            bridge_ref.clone(),
            draws.clone(),
        );
        use_effect_with((l.seed, l.count), move |_| {
            if let Some(c) = uniform_ref.cast::<HtmlCanvasElement>() {
                draw_panel(
                    &c,
                    &draws.uniform,
                    (0.0, 1.0),
                    |x| if (0.0..=1.0).contains(&x) { 1.0 } else { 0.0 },
                    "U(0, 1) in each coordinate",
                );
            }
            if let Some(c) = normal_ref.cast::<HtmlCanvasElement>() {
                draw_panel(
                    &c,
                    &draws.normal,
                    (-4.0, 4.0),
                    normal_pdf,
                    "N(0, 1) in each coordinate",
                );
            }
            if let Some(c) = bridge_ref.cast::<HtmlCanvasElement>() {
                draw_bridge(&c);
            }
        });
    }
    let (um, us) = mean_sd(draws.uniform.iter().copied());
    let (nm, ns) = mean_sd(draws.normal.iter().copied());
    html! {
        <section class="activity" aria-labelledby="normal-title">
            <h2 id="normal-title">{"Uniform vs Gaussian: drawing a random vector"}</h2>
            <p class="explain">{"Drawing a random vector from a distribution means drawing each coordinate \
                so that, over many draws, the points pile up the way the density says. Uniform points \
                fill the square evenly; Gaussian points crowd the centre and thin out, with no edge. \
                The two are one map apart: push an even grid of probabilities through the inverse \
                Gaussian CDF Phi^-1 and it becomes a Gaussian-spaced grid, dense in the middle. That \
                is exactly the grid the manifold page decodes."}</p>
            <div class="controls">
                <SampleControls />
            </div>
            <p id="normal-stats" data-uniform-mean={um.to_string()} data-normal-mean={nm.to_string()}
               data-normal-sd={ns.to_string()}>
                {format!("{} points each: uniform mean {um:.3}, sd {us:.3} (theory 0.5, {:.3}); \
                    Gaussian mean {nm:.3}, sd {ns:.3} (theory 0, 1)", l.count, (1.0f64 / 12.0).sqrt())}</p>
            <div class="pair">
                <canvas id="uniform-points" class="plot half" ref={uniform_ref} data-points={l.count.to_string()}
                        role="img" aria-label="uniform points and their histogram"></canvas>
                <canvas id="normal-points" class="plot half" ref={normal_ref} data-points={l.count.to_string()}
                        role="img" aria-label="Gaussian points and their histogram"></canvas>
            </div>
            <h3>{"The bridge: Phi^-1"}</h3>
            <canvas id="bridge" class="plot" ref={bridge_ref} data-points={(BRIDGE * BRIDGE).to_string()} role="img"
                    aria-label="an even grid in (0,1)^2 and the same grid through the inverse Gaussian CDF"></canvas>
        </section>
    }
}
