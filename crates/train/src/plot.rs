//! Small raster plots for `latentlab eval`: scatter plots of latent codes and
//! histograms against the N(0, 1) density. No text is drawn (no font dependency);
//! `eval` prints the axis ranges and the colour legend beside the PNGs.

use latentlab_model::grid::RgbaGrid;
use latentlab_model::latent::normal_pdf;
use latentlab_model::palette::class_colour;

const WHITE: [u8; 3] = [255, 255, 255];
const AXIS: [u8; 3] = [170, 170, 170];
const FRAME: [u8; 3] = [60, 60, 60];
const BARS: [u8; 3] = [0x44, 0x77, 0xAA];
const CURVE: [u8; 3] = [0xCC, 0x33, 0x11];

pub struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: usize, height: usize) -> Self {
        let mut pixels = vec![255u8; width * height * 4];
        for (i, v) in pixels.iter_mut().enumerate() {
            if i % 4 != 3 {
                *v = WHITE[i % 4];
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    fn set(&mut self, x: i64, y: i64, colour: [u8; 3]) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let at = (y as usize * self.width + x as usize) * 4;
        self.pixels[at..at + 3].copy_from_slice(&colour);
    }

    pub fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: [u8; 3]) {
        for y in y0.min(y1)..=y0.max(y1) {
            for x in x0.min(x1)..=x0.max(x1) {
                self.set(x, y, colour);
            }
        }
    }

    /// A straight line (Bresenham).
    pub fn line(&mut self, (mut x0, mut y0): (i64, i64), (x1, y1): (i64, i64), colour: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let mut err = dx + dy;
        loop {
            self.set(x0, y0, colour);
            if x0 == x1 && y0 == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x0 += sx;
            }
            if e2 <= dx {
                err += dx;
                y0 += sy;
            }
        }
    }

    fn frame(&mut self, x0: i64, y0: i64, x1: i64, y1: i64) {
        self.line((x0, y0), (x1, y0), FRAME);
        self.line((x0, y1), (x1, y1), FRAME);
        self.line((x0, y0), (x0, y1), FRAME);
        self.line((x1, y0), (x1, y1), FRAME);
    }

    pub fn into_grid(self) -> RgbaGrid {
        RgbaGrid {
            width: self.width,
            height: self.height,
            pixels: self.pixels,
        }
    }
}

/// Axis range of a scatter panel.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Range {
    pub min: f32,
    pub max: f32,
}

impl Range {
    /// The range covering the 0.5th to 99.5th percentile of `values`, padded 5%, so a
    /// few outliers do not squash the picture.
    pub fn robust(values: impl Iterator<Item = f32>) -> Range {
        let mut v: Vec<f32> = values.filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Range {
                min: -1.0,
                max: 1.0,
            };
        }
        v.sort_by(f32::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        let (lo, hi) = (at(0.005), at(0.995));
        let pad = ((hi - lo) * 0.05).max(1e-3);
        Range {
            min: lo - pad,
            max: hi + pad,
        }
    }
}

/// A `size` x `size` scatter of `(x, y)` points coloured by label (grey without
/// labels), with grey axis lines through 0 when 0 is in range.
pub fn scatter(
    canvas: &mut Canvas,
    origin: (usize, usize),
    size: usize,
    points: &[(f32, f32)],
    labels: &[u32],
    (xr, yr): (Range, Range),
) {
    let (ox, oy) = (origin.0 as i64, origin.1 as i64);
    let last = size as i64 - 1;
    let to_px = |v: f32, r: Range| ((v - r.min) / (r.max - r.min) * last as f32).round() as i64;
    if xr.min < 0.0 && xr.max > 0.0 {
        let x = ox + to_px(0.0, xr);
        canvas.line((x, oy), (x, oy + last), AXIS);
    }
    if yr.min < 0.0 && yr.max > 0.0 {
        let y = oy + last - to_px(0.0, yr);
        canvas.line((ox, y), (ox + last, y), AXIS);
    }
    for (i, &(x, y)) in points.iter().enumerate() {
        let colour = labels.get(i).map_or(FRAME, |&l| class_colour(l));
        let (px, py) = (ox + to_px(x, xr), oy + last - to_px(y, yr));
        if (0..=last).contains(&(px - ox)) && (0..=last).contains(&(py - oy)) {
            canvas.rect(px - 1, py - 1, px + 1, py + 1, colour);
        }
    }
    canvas.frame(ox, oy, ox + last, oy + last);
}

/// Histogram of `values` over [-4, 4] in `bins` bars, scaled as a density, with the
/// N(0, 1) pdf drawn over it (the seed's 10x10 grid of latent dimensions).
pub fn histogram_vs_normal(
    canvas: &mut Canvas,
    origin: (usize, usize),
    (width, height): (usize, usize),
    values: &[f32],
    bins: usize,
) {
    let (lo, hi) = (-4.0f64, 4.0f64);
    let bin_width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &v in values {
        let b = ((f64::from(v) - lo) / bin_width).floor();
        if b >= 0.0 && (b as usize) < bins {
            counts[b as usize] += 1;
        }
    }
    let density = |c: usize| c as f64 / (values.len().max(1) as f64 * bin_width);
    let top = counts
        .iter()
        .map(|&c| density(c))
        .fold(normal_pdf(0.0), f64::max)
        * 1.05;
    let (ox, oy) = (origin.0 as i64, origin.1 as i64);
    let (w, h) = (width as i64, height as i64);
    let y_of = |d: f64| oy + h - 1 - ((d / top) * (h - 1) as f64).round() as i64;
    for (b, &c) in counts.iter().enumerate() {
        let x0 = ox + (b as i64 * w) / bins as i64;
        let x1 = ox + ((b as i64 + 1) * w) / bins as i64 - 1;
        if c > 0 {
            canvas.rect(x0, y_of(density(c)), x1.max(x0), oy + h - 1, BARS);
        }
    }
    let mut previous = None;
    for px in 0..w {
        let x = lo + (hi - lo) * (px as f64 + 0.5) / w as f64;
        let point = (ox + px, y_of(normal_pdf(x)));
        if let Some(p) = previous {
            canvas.line(p, point, CURVE);
        }
        previous = Some(point);
    }
    canvas.frame(ox, oy, ox + w - 1, oy + h - 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colour_at(grid: &RgbaGrid, x: usize, y: usize) -> [u8; 3] {
        let at = (y * grid.width + x) * 4;
        [grid.pixels[at], grid.pixels[at + 1], grid.pixels[at + 2]]
    }

    #[test]
    fn scatter_puts_points_where_their_values_say_in_their_class_colour() {
        let mut canvas = Canvas::new(101, 101);
        let range = Range {
            min: -1.0,
            max: 1.0,
        };
        scatter(
            &mut canvas,
            (0, 0),
            101,
            &[(1.0, 1.0), (-0.5, 0.0)],
            &[3, 7],
            (range, range),
        );
        let grid = canvas.into_grid();
        assert_eq!(colour_at(&grid, 99, 1), class_colour(3), "top right");
        assert_eq!(colour_at(&grid, 25, 50), class_colour(7), "left of centre");
        assert_eq!(colour_at(&grid, 75, 75), WHITE);
    }

    #[test]
    fn histogram_of_normal_draws_follows_the_curve() {
        let z = latentlab_model::latent::normal_latents(5, 20_000, 1, 1.0);
        let mut canvas = Canvas::new(80, 60);
        histogram_vs_normal(&mut canvas, (0, 0), (80, 60), &z, 16);
        let grid = canvas.into_grid();
        // Bars fill the middle columns near the bottom but not the outer ones.
        assert_eq!(colour_at(&grid, 40, 50), BARS);
        assert_eq!(colour_at(&grid, 2, 50), WHITE);
    }

    #[test]
    fn robust_range_ignores_a_far_outlier() {
        let mut values: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        values.push(1e6);
        let r = Range::robust(values.into_iter());
        assert!(r.max < 2.0 && r.min < 0.01, "{r:?}");
    }
}
