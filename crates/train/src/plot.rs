//! `latentlab eval`'s plots, drawn with plotters so each PNG reads on its own: axes,
//! ticks, labels, a title and a legend. Text uses a subset of DejaVu Sans compiled
//! into the binary (`assets/`), so no system font or font lookup is needed.

use std::ops::Range as Span;
use std::sync::Once;

use anyhow::{Result, anyhow};
use latentlab_model::grid::RgbaGrid;
use latentlab_model::latent::normal_pdf;
use latentlab_model::palette::class_colour;
use plotters::coord::Shift;
use plotters::prelude::*;

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");
const FAMILY: &str = "sans-serif";
const BARS: RGBColor = RGBColor(0x44, 0x77, 0xAA);
const CURVE: RGBColor = RGBColor(0xCC, 0x33, 0x11);
const GREY: RGBColor = RGBColor(90, 90, 90);
/// Histogram range: the N(0, 1) pdf is below 1.4e-4 outside it.
const HISTOGRAM_SPAN: (f64, f64) = (-4.0, 4.0);

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

    fn span(self) -> Span<f32> {
        self.min..self.max
    }
}

/// One scatter panel: points `(x, y)` with their axis names and ranges.
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<(f32, f32)>,
    pub ranges: (Range, Range),
}

/// Where a panel's data area landed, in image pixels: `x` and `y` spans.
pub type PixelRect = (Span<i32>, Span<i32>);

/// plotters' errors carry the backend's error type; the callers only report them.
fn drawn<T, E: std::fmt::Debug>(result: Result<T, E>) -> Result<T> {
    result.map_err(|e| anyhow!("cannot draw the plot: {e:?}"))
}

fn register_font() {
    static FONT_ONCE: Once = Once::new();
    FONT_ONCE.call_once(|| {
        // The bytes are a valid TrueType file (checked by this module's tests).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// A title's font size: `largest`, or smaller so `text` fits in `width` pixels
/// (DejaVu Sans averages about 0.55 em per character).
fn title_size(text: &str, width: usize, largest: u32) -> u32 {
    let fits = width as f64 / (0.58 * text.chars().count().max(1) as f64);
    (fits.floor() as u32).clamp(9, largest)
}

/// A tick number without trailing zeros ("-15", "0.5").
fn tick(value: &f32) -> String {
    format!("{}", (value * 100.0).round() / 100.0)
}

fn colour(rgb: [u8; 3]) -> RGBColor {
    RGBColor(rgb[0], rgb[1], rgb[2])
}

/// Draws on a `width` x `height` white RGB canvas and returns it as RGBA.
fn render<T>(
    (width, height): (usize, usize),
    draw: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Result<T>,
) -> Result<(RgbaGrid, T)> {
    register_font();
    let mut rgb = vec![255u8; width * height * 3];
    let out = {
        let root =
            BitMapBackend::with_buffer(&mut rgb, (width as u32, height as u32)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let out = draw(&root)?;
        drawn(root.present())?;
        out
    };
    let pixels = rgb
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    Ok((
        RgbaGrid {
            width,
            height,
            pixels,
        },
        out,
    ))
}

/// Scatter panels side by side, points coloured by label (grey without labels), and
/// a legend of `classes` on the right when there are any. Returns the picture and each
/// panel's data area.
pub fn scatter(
    panels: &[Panel],
    labels: &[u32],
    classes: &[String],
    title: &str,
) -> Result<(RgbaGrid, Vec<PixelRect>)> {
    const PANEL: usize = 420;
    let legend_width = if classes.is_empty() { 0 } else { 150 };
    let size = (panels.len() * PANEL + legend_width, PANEL + 40);
    render(size, |root| {
        let root = drawn(root.titled(title, (FAMILY, title_size(title, size.0, 20))))?;
        let (plots, legend) = root.split_horizontally((panels.len() * PANEL) as u32);
        let mut rects = Vec::new();
        for (panel, area) in panels.iter().zip(plots.split_evenly((1, panels.len()))) {
            let mut chart = drawn(
                ChartBuilder::on(&area)
                    .caption(&panel.title, (FAMILY, 15))
                    .margin(10)
                    .x_label_area_size(40)
                    .y_label_area_size(50)
                    .build_cartesian_2d(panel.ranges.0.span(), panel.ranges.1.span()),
            )?;
            drawn(
                chart
                    .configure_mesh()
                    .x_desc(&panel.x_label)
                    .y_desc(&panel.y_label)
                    .label_style((FAMILY, 12))
                    .x_label_formatter(&tick)
                    .y_label_formatter(&tick)
                    .light_line_style(WHITE)
                    .bold_line_style(RGBColor(225, 225, 225))
                    .draw(),
            )?;
            let dots = panel.points.iter().enumerate().map(|(i, &p)| {
                let rgb = labels.get(i).map_or(GREY, |&l| colour(class_colour(l)));
                Circle::new(p, 2, rgb.filled())
            });
            drawn(chart.draw_series(dots))?;
            let (x, y) = chart.plotting_area().get_pixel_range();
            rects.push((x, y));
        }
        for (i, name) in classes.iter().enumerate() {
            let y = 30 + 22 * i as i32;
            let swatch = colour(class_colour(i as u32)).filled();
            drawn(legend.draw(&Circle::new((16, y), 5, swatch)))?;
            drawn(legend.draw(&Text::new(name.as_str(), (28, y - 7), (FAMILY, 14))))?;
        }
        Ok(rects)
    })
}

/// The seed's grid of latent histograms: for each `(dimension, values)` a density
/// histogram over [-4, 4] in `bins` bars with the N(0, 1) pdf over it, ten per row.
pub fn histograms(dims: &[(usize, Vec<f32>)], bins: usize, title: &str) -> Result<RgbaGrid> {
    const CELL: (usize, usize) = (170, 130);
    let columns = dims.len().clamp(1, 10);
    let rows = dims.len().div_ceil(columns).max(1);
    let size = (columns * CELL.0, rows * CELL.1 + 40);
    let (grid, ()) = render(size, |root| {
        let root = drawn(root.titled(title, (FAMILY, title_size(title, size.0, 18))))?;
        for ((dim, values), cell) in dims.iter().zip(root.split_evenly((rows, columns))) {
            histogram_cell(&cell, *dim, values, bins)?;
        }
        Ok(())
    })?;
    Ok(grid)
}

fn histogram_cell(
    area: &DrawingArea<BitMapBackend, Shift>,
    dim: usize,
    values: &[f32],
    bins: usize,
) -> Result<()> {
    let (lo, hi) = HISTOGRAM_SPAN;
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
        * 1.1;
    let mut chart = drawn(
        ChartBuilder::on(area)
            .caption(format!("z{dim}"), (FAMILY, 12))
            .margin(4)
            .x_label_area_size(18)
            .y_label_area_size(30)
            .build_cartesian_2d(lo..hi, 0.0..top),
    )?;
    drawn(
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(5)
            .y_labels(3)
            .label_style((FAMILY, 10))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .draw(),
    )?;
    let bars = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(b, &c)| {
            let x0 = lo + b as f64 * bin_width;
            Rectangle::new([(x0, 0.0), (x0 + bin_width, density(c))], BARS.filled())
        });
    drawn(chart.draw_series(bars))?;
    let curve = (0..=200).map(|i| {
        let x = lo + (hi - lo) * f64::from(i) / 200.0;
        (x, normal_pdf(x))
    });
    drawn(chart.draw_series(LineSeries::new(curve, CURVE.stroke_width(2))))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colour_at(grid: &RgbaGrid, x: i32, y: i32) -> [u8; 3] {
        let at = (y as usize * grid.width + x as usize) * 4;
        [grid.pixels[at], grid.pixels[at + 1], grid.pixels[at + 2]]
    }

    fn count(grid: &RgbaGrid, rgb: [u8; 3], columns: Span<usize>) -> usize {
        (0..grid.height)
            .flat_map(|y| columns.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| colour_at(grid, x as i32, y as i32) == rgb)
            .count()
    }

    /// Pixels that are neither white nor light grey: text, ticks, frames, data.
    fn inked(grid: &RgbaGrid, xs: Span<i32>, ys: Span<i32>) -> usize {
        ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| colour_at(grid, x, y).iter().all(|&c| c < 160))
            .count()
    }

    #[test]
    fn scatter_puts_points_where_their_values_say_with_axes_and_a_legend() {
        let range = Range {
            min: -1.0,
            max: 1.0,
        };
        let panel = Panel {
            title: "z1 against z2".into(),
            x_label: "z1".into(),
            y_label: "z2".into(),
            points: vec![(0.9, 0.9), (-0.5, 0.0)],
            ranges: (range, range),
        };
        let classes = vec!["shirt".to_string(), "shoe".to_string()];
        let (grid, rects) = scatter(&[panel], &[0, 1], &classes, "codes").unwrap();
        let (xs, ys) = rects[0].clone();
        let to_px = |v: f32, span: &Span<i32>, flip: bool| {
            let t = (v + 1.0) / 2.0;
            let t = if flip { 1.0 - t } else { t };
            span.start + (t * (span.end - span.start) as f32).round() as i32
        };
        let (x0, y0) = (to_px(0.9, &xs, false), to_px(0.9, &ys, true));
        assert_eq!(colour_at(&grid, x0, y0), class_colour(0), "top right point");
        let (x1, y1) = (to_px(-0.5, &xs, false), to_px(0.0, &ys, true));
        assert_eq!(colour_at(&grid, x1, y1), class_colour(1), "left of centre");
        // Tick numbers below the data area and the axis name left of it are drawn.
        assert!(
            inked(&grid, xs.clone(), ys.end + 4..ys.end + 30) > 30,
            "x ticks"
        );
        assert!(inked(&grid, 0..xs.start - 4, ys.clone()) > 30, "y ticks");
        // The legend, right of the panel, shows each class's swatch.
        let right = xs.end as usize + 20..grid.width;
        assert!(count(&grid, class_colour(0), right.clone()) > 20);
        assert!(count(&grid, class_colour(1), right) > 20);
    }

    #[test]
    fn histograms_of_normal_draws_follow_the_curve() {
        let z = latentlab_model::latent::normal_latents(5, 20_000, 1, 1.0);
        let grid = histograms(&[(0, z.clone()), (1, z)], 16, "means").unwrap();
        assert_eq!(grid.width, 2 * 170);
        let bars = |columns: Span<usize>| count(&grid, [0x44, 0x77, 0xAA], columns);
        // Bars fill each cell's middle and are drawn in both cells.
        assert!(bars(40..130) > 1000, "first cell");
        assert!(bars(210..300) > 1000, "second cell");
    }

    #[test]
    fn robust_range_ignores_a_far_outlier() {
        let mut values: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        values.push(1e6);
        let r = Range::robust(values.into_iter());
        assert!(r.max < 2.0 && r.min < 0.01, "{r:?}");
    }
}
