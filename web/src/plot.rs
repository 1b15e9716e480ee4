//! Small canvas plotting for the teaching pages: a data window mapped onto a pixel
//! rectangle, bars, curves, points and labels. Only drawing; the numbers come from
//! `latentlab-sampling`.

use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::components::image_canvas::context_2d;

/// Paul Tol's bright scheme: colour-blind safe, and readable projected in a lecture.
pub const BLUE: &str = "#4477aa";
pub const ORANGE: &str = "#ee7733";
pub const RED: &str = "#cc3311";
pub const GREY: &str = "#888888";
pub const TEAL: &str = "#009988";

/// Maps data `x` / `y` ranges onto a pixel rectangle (y up).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axes {
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// left, top, width, height in canvas pixels.
    pub rect: (f64, f64, f64, f64),
}

impl Axes {
    pub fn px(&self, x: f64) -> f64 {
        self.rect.0 + (x - self.x.0) / (self.x.1 - self.x.0) * self.rect.2
    }
    pub fn py(&self, y: f64) -> f64 {
        self.rect.1 + self.rect.3 - (y - self.y.0) / (self.y.1 - self.y.0) * self.rect.3
    }
    /// Data x at canvas pixel `px`.
    pub fn data_x(&self, px: f64) -> f64 {
        self.x.0 + (px - self.rect.0) / self.rect.2 * (self.x.1 - self.x.0)
    }
    /// Data y at canvas pixel `py`.
    pub fn data_y(&self, py: f64) -> f64 {
        self.y.0 + (self.rect.1 + self.rect.3 - py) / self.rect.3 * (self.y.1 - self.y.0)
    }
}

/// Sizes `canvas`, clears it to white and returns its context.
pub fn start(
    canvas: &HtmlCanvasElement,
    width: u32,
    height: u32,
) -> Option<CanvasRenderingContext2d> {
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx = context_2d(canvas)?;
    ctx.set_fill_style_str("#fff");
    ctx.fill_rect(0.0, 0.0, width.into(), height.into());
    ctx.set_font("12px system-ui, sans-serif");
    Some(ctx)
}

/// The x axis with its two end labels, and a y = 0 baseline.
pub fn frame(ctx: &CanvasRenderingContext2d, axes: &Axes, x_label: &str) {
    ctx.set_stroke_style_str(GREY);
    ctx.set_line_width(1.0);
    ctx.begin_path();
    ctx.move_to(axes.rect.0, axes.py(axes.y.0));
    ctx.line_to(axes.rect.0 + axes.rect.2, axes.py(axes.y.0));
    ctx.move_to(axes.rect.0, axes.rect.1);
    ctx.line_to(axes.rect.0, axes.py(axes.y.0));
    ctx.stroke();
    ctx.set_fill_style_str("#333");
    let below = axes.py(axes.y.0) + 14.0;
    let _ = ctx.fill_text(&format!("{}", round(axes.x.0)), axes.rect.0, below);
    let right = format!("{}", round(axes.x.1));
    let _ = ctx.fill_text(
        &right,
        axes.rect.0 + axes.rect.2 - 7.0 * right.len() as f64,
        below,
    );
    let _ = ctx.fill_text(x_label, axes.rect.0 + axes.rect.2 / 2.0 - 4.0, below);
    let top = format!("{}", round(axes.y.1));
    let _ = ctx.fill_text(&top, axes.rect.0 + 3.0, axes.rect.1 + 10.0);
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Bars of `heights` over equal bins spanning the x range.
pub fn bars(ctx: &CanvasRenderingContext2d, axes: &Axes, heights: &[f64], colour: &str) {
    let width = (axes.x.1 - axes.x.0) / heights.len().max(1) as f64;
    ctx.set_fill_style_str(colour);
    for (i, &h) in heights.iter().enumerate() {
        let x0 = axes.px(axes.x.0 + width * i as f64);
        let x1 = axes.px(axes.x.0 + width * (i + 1) as f64);
        let top = axes.py(h.min(axes.y.1));
        ctx.fill_rect(
            x0 + 0.5,
            top,
            (x1 - x0 - 1.0).max(1.0),
            axes.py(axes.y.0) - top,
        );
    }
}

/// The curve y = f(x) over the x range.
pub fn curve(
    ctx: &CanvasRenderingContext2d,
    axes: &Axes,
    f: impl Fn(f64) -> f64,
    colour: &str,
    width: f64,
) {
    const STEPS: usize = 240;
    ctx.set_stroke_style_str(colour);
    ctx.set_line_width(width);
    ctx.begin_path();
    for i in 0..=STEPS {
        let x = axes.x.0 + (axes.x.1 - axes.x.0) * i as f64 / STEPS as f64;
        let y = f(x).clamp(axes.y.0, axes.y.1 * 1.02);
        if i == 0 {
            ctx.move_to(axes.px(x), axes.py(y));
        } else {
            ctx.line_to(axes.px(x), axes.py(y));
        }
    }
    ctx.stroke();
}

/// A small filled square at data (x, y).
pub fn dot(ctx: &CanvasRenderingContext2d, axes: &Axes, x: f64, y: f64, size: f64) {
    ctx.fill_rect(axes.px(x) - size / 2.0, axes.py(y) - size / 2.0, size, size);
}

/// A line between two data points.
pub fn line(ctx: &CanvasRenderingContext2d, axes: &Axes, from: (f64, f64), to: (f64, f64)) {
    ctx.begin_path();
    ctx.move_to(axes.px(from.0), axes.py(from.1));
    ctx.line_to(axes.px(to.0), axes.py(to.1));
    ctx.stroke();
}

/// Canvas coordinates of a pointer event (the canvas may be scaled by CSS).
pub fn event_xy(canvas: &HtmlCanvasElement, event: &web_sys::MouseEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    (
        (f64::from(event.client_x()) - rect.left()) / rect.width().max(1.0)
            * f64::from(canvas.width()),
        (f64::from(event.client_y()) - rect.top()) / rect.height().max(1.0)
            * f64::from(canvas.height()),
    )
}

/// [`event_xy`] as the `[x, y]` the latent plots work in.
pub fn event_point(canvas: &HtmlCanvasElement, event: &web_sys::MouseEvent) -> [f32; 2] {
    let (x, y) = event_xy(canvas, event);
    [x as f32, y as f32]
}
