//! The live GAN's four plots: the densities, D(x), the map z -> G(z), KS per step.

use latentlab_model::gan::Prior;
use latentlab_sampling::Continuous;
use latentlab_sampling::catalogue::{Named, histogram_vs_density};
use web_sys::HtmlCanvasElement;

use super::trainer::{Snapshot, map_z, prior_range};
use crate::pages::shared::BINS;
use crate::plot::{self, Axes, BLUE, GREY, ORANGE, TEAL};

pub fn draw_densities(canvas: &HtmlCanvasElement, target: &Named, range: (f64, f64), s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 220) else {
        return;
    };
    let (observed, _) = histogram_vs_density(&s.generated, target, range, BINS);
    let pdf_top = (0..=200)
        .map(|i| target.pdf(range.0 + (range.1 - range.0) * f64::from(i) / 200.0))
        .fold(0.0f64, f64::max);
    let top = observed.iter().fold(pdf_top, |m, &v| m.max(v)) * 1.15;
    let axes = Axes {
        x: range,
        y: (0.0, top.max(1e-6)),
        rect: (30.0, 15.0, 590.0, 180.0),
    };
    plot::frame(&ctx, &axes, "x");
    plot::bars(&ctx, &axes, &observed, "#ee773399");
    plot::curve(&ctx, &axes, |x| target.pdf(x), BLUE, 2.5);
}

pub fn draw_discriminator(canvas: &HtmlCanvasElement, range: (f64, f64), s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 130) else {
        return;
    };
    let axes = Axes {
        x: range,
        y: (0.0, 1.0),
        rect: (30.0, 10.0, 590.0, 90.0),
    };
    plot::frame(&ctx, &axes, "x");
    ctx.set_stroke_style_str(GREY);
    plot::line(&ctx, &axes, (range.0, 0.5), (range.1, 0.5));
    ctx.fill_text("1/2", 4.0, axes.py(0.5) + 4.0).ok();
    if s.discriminator.len() > 1 {
        let n = (s.discriminator.len() - 1) as f64;
        let at = |x: f64| {
            let i = ((x - range.0) / (range.1 - range.0) * n).round();
            s.discriminator[(i.max(0.0) as usize).min(s.discriminator.len() - 1)]
        };
        plot::curve(&ctx, &axes, at, TEAL, 2.5);
    }
}

/// z on the bottom axis, x = G(z) on the top one, a line from each z to its G(z).
pub fn draw_map(canvas: &HtmlCanvasElement, prior: Prior, range: (f64, f64), s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 160) else {
        return;
    };
    let (left, right) = (30.0, 620.0);
    let (z_y, x_y) = (135.0, 25.0);
    let zr = prior_range(prior);
    let px = |v: f64, r: (f64, f64)| left + (v - r.0) / (r.1 - r.0) * (right - left);
    ctx.set_stroke_style_str(GREY);
    ctx.set_line_width(1.0);
    for y in [z_y, x_y] {
        ctx.begin_path();
        ctx.move_to(left, y);
        ctx.line_to(right, y);
        ctx.stroke();
    }
    ctx.set_fill_style_str("#333");
    ctx.fill_text(&format!("z ~ {} prior", prior.name()), left, z_y + 18.0)
        .ok();
    ctx.fill_text("x = G(z)", left, x_y - 8.0).ok();
    ctx.set_stroke_style_str(ORANGE);
    let z = map_z(prior);
    for (&zi, &xi) in z.iter().zip(&s.mapped) {
        let to = px(xi.clamp(range.0, range.1), range);
        ctx.begin_path();
        ctx.move_to(px(f64::from(zi), zr), z_y);
        ctx.line_to(to, x_y);
        ctx.stroke();
    }
}

pub fn draw_ks(canvas: &HtmlCanvasElement, s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 120) else {
        return;
    };
    let last = s.ks.last().map_or(1, |p| p.0.max(1));
    let axes = Axes {
        x: (0.0, last as f64),
        y: (0.0, 1.0),
        rect: (30.0, 10.0, 590.0, 80.0),
    };
    plot::frame(&ctx, &axes, "training step");
    ctx.set_stroke_style_str(BLUE);
    ctx.set_line_width(2.0);
    ctx.begin_path();
    for (i, &(step, ks)) in s.ks.iter().enumerate() {
        let (x, y) = (axes.px(step as f64), axes.py(ks));
        if i == 0 {
            ctx.move_to(x, y);
        } else {
            ctx.line_to(x, y);
        }
    }
    ctx.stroke();
}
