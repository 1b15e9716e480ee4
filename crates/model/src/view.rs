//! Geometry of the page's latent plots, kept here so it is tested natively and the
//! page's components hold no maths: mapping latents to canvas pixels and back, in
//! z-space or in p = Phi(z) space, and the rotating 3-D cloud.

use crate::latent::{normal_cdf, normal_quantile};

/// Which coordinates a 2-D scatter shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// The latent itself.
    Z,
    /// Each coordinate through the N(0, 1) CDF: a VAE whose codes follow the prior
    /// fills the unit square evenly; an AE's codes bunch up and leave holes.
    Phi,
}

/// Keeps p = Phi(z) away from 0 and 1, where Phi^-1 is infinite.
const P_EDGE: f64 = 1e-4;

/// A square window onto a 2-D space, mapped to a `size` x `size` pixel canvas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotWindow {
    pub space: Space,
    /// Half-width of the z-space window (ignored in Phi space, which is (0, 1)^2).
    pub half_width: f32,
    pub size: f32,
}

impl PlotWindow {
    /// A window that shows every point of `z` (`[n, 2]` row-major) with a margin, at
    /// least the prior's +-3 so the AE and VAE plots compare at a glance.
    pub fn fitting(z: &[f32], space: Space, size: f32) -> Self {
        let largest = z.iter().fold(3.0f32, |m, v| m.max(v.abs()));
        Self {
            space,
            half_width: largest * 1.05,
            size,
        }
    }

    /// Canvas position (x right, y down) of the latent point `z`.
    pub fn to_canvas(&self, z: [f32; 2]) -> [f32; 2] {
        let unit = |v: f32| match self.space {
            Space::Z => (v / self.half_width + 1.0) / 2.0,
            Space::Phi => normal_cdf(v as f64) as f32,
        };
        [unit(z[0]) * self.size, (1.0 - unit(z[1])) * self.size]
    }

    /// The latent point under canvas position `xy` (inverse of [`Self::to_canvas`]).
    pub fn to_latent(&self, xy: [f32; 2]) -> [f32; 2] {
        let unit = [xy[0] / self.size, 1.0 - xy[1] / self.size];
        unit.map(|u| match self.space {
            Space::Z => (u.clamp(0.0, 1.0) * 2.0 - 1.0) * self.half_width,
            Space::Phi => normal_quantile((u as f64).clamp(P_EDGE, 1.0 - P_EDGE)) as f32,
        })
    }
}

/// A 3-D point cloud seen from a camera turned by `yaw` (about the vertical axis) and
/// `pitch` (radians), projected orthographically onto a `size` x `size` canvas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub yaw: f32,
    pub pitch: f32,
    /// Distance from the view's centre that reaches the canvas edge.
    pub radius: f32,
    pub size: f32,
}

/// A projected point: canvas position and depth (larger is nearer the viewer).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projected {
    pub xy: [f32; 2],
    pub depth: f32,
}

impl Camera {
    /// A camera centred on the mean of `points` (`[n, 3]`) whose view holds 98% of
    /// them: the few farthest outliers may leave the canvas rather than shrink the
    /// whole cloud to a dot.
    pub fn fitting(points: &[f32], yaw: f32, pitch: f32, size: f32) -> (Self, [f32; 3]) {
        let n = (points.len() / 3).max(1) as f32;
        let mut centre = [0.0f32; 3];
        for p in points.chunks_exact(3) {
            for k in 0..3 {
                centre[k] += p[k] / n;
            }
        }
        let mut distances: Vec<f32> = points
            .chunks_exact(3)
            .map(|p| {
                (0..3)
                    .map(|k| (p[k] - centre[k]).powi(2))
                    .sum::<f32>()
                    .sqrt()
            })
            .collect();
        distances.sort_by(f32::total_cmp);
        let reach = distances
            .get((distances.len() as f32 * 0.98) as usize)
            .or(distances.last())
            .copied()
            .unwrap_or(1.0)
            .max(1e-6);
        let camera = Self {
            yaw,
            pitch,
            radius: reach * 1.1,
            size,
        };
        (camera, centre)
    }

    /// Projects one point given relative to the view's centre.
    pub fn project(&self, p: [f32; 3]) -> Projected {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        // Yaw turns x towards z; pitch then tilts y towards z.
        let x = cy * p[0] + sy * p[2];
        let z1 = -sy * p[0] + cy * p[2];
        let y = cp * p[1] - sp * z1;
        let depth = sp * p[1] + cp * z1;
        let half = self.size / 2.0;
        Projected {
            xy: [half + x / self.radius * half, half - y / self.radius * half],
            depth,
        }
    }
}

/// Index of the point nearest to `xy` within `reach` pixels, preferring the nearer
/// (front) point when two overlap on screen.
pub fn nearest(points: &[Projected], xy: [f32; 2], reach: f32) -> Option<usize> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| (i, (p.xy[0] - xy[0]).hypot(p.xy[1] - xy[1]), p.depth))
        .filter(|&(_, d, _)| d <= reach)
        .min_by(|a, b| {
            (a.1.round(), -a.2)
                .partial_cmp(&(b.1.round(), -b.2))
                .unwrap()
        })
        .map(|(i, _, _)| i)
}

/// Histogram of `values` over `range` in `bins` bins, as a density (count / (n * bin
/// width)) so it sits on the same axis as a pdf drawn over it.
pub fn density_histogram(
    values: impl IntoIterator<Item = f32>,
    range: (f32, f32),
    bins: usize,
) -> Vec<f32> {
    let width = (range.1 - range.0) / bins as f32;
    let mut counts = vec![0usize; bins];
    let mut n = 0usize;
    for v in values {
        n += 1;
        let b = ((v - range.0) / width).floor();
        if b >= 0.0 && (b as usize) < bins {
            counts[b as usize] += 1;
        }
    }
    counts
        .iter()
        .map(|&c| c as f32 / (n.max(1) as f32 * width))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canvas_and_latent_are_inverse_in_both_spaces() {
        for space in [Space::Z, Space::Phi] {
            let window = PlotWindow::fitting(&[0.5, -4.0, 2.0, 1.0], space, 300.0);
            for z in [[0.0, 0.0], [1.5, -2.0], [-3.5, 0.7]] {
                let back = window.to_latent(window.to_canvas(z));
                assert!(
                    (back[0] - z[0]).abs() < 1e-3 && (back[1] - z[1]).abs() < 1e-3,
                    "{space:?}: {z:?} -> {back:?}"
                );
            }
        }
    }

    #[test]
    fn origin_is_the_centre_and_up_is_positive() {
        let window = PlotWindow::fitting(&[], Space::Phi, 200.0);
        assert_eq!(window.to_canvas([0.0, 0.0]), [100.0, 100.0]);
        assert!(window.to_canvas([0.0, 1.0])[1] < 100.0);
        let window = PlotWindow::fitting(&[10.0, 0.0], Space::Z, 200.0);
        assert!(
            window.to_canvas([10.0, 0.0])[0] < 200.0,
            "the widest point stays inside"
        );
    }

    #[test]
    fn camera_rotates_and_nearest_finds_the_point() {
        let points = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let (camera, centre) = Camera::fitting(&points, 0.0, 0.0, 100.0);
        let at = |cam: &Camera, i: usize| {
            let p = &points[i * 3..i * 3 + 3];
            cam.project([p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]])
        };
        let front: Vec<_> = (0..3).map(|i| at(&camera, i)).collect();
        // Looking down -z: the z axis point sits at the centre horizontally, in front.
        assert!(front[2].depth > front[0].depth);
        let turned = Camera {
            yaw: std::f32::consts::FRAC_PI_2,
            ..camera
        };
        let side = at(&turned, 2);
        assert!(
            (side.xy[0] - front[2].xy[0]).abs() > 20.0,
            "a quarter turn moves the z point sideways"
        );
        assert_eq!(nearest(&front, front[1].xy, 3.0), Some(1));
        assert_eq!(nearest(&front, [-50.0, -50.0], 3.0), None);
    }

    #[test]
    fn density_histogram_integrates_to_the_share_inside() {
        let values = [0.1f32, 0.2, 0.6, 5.0];
        let density = density_histogram(values, (0.0, 1.0), 2);
        assert_eq!(density, vec![1.0, 0.5]);
        let area: f32 = density.iter().map(|d| d * 0.5).sum();
        assert!((area - 0.75).abs() < 1e-6, "3 of 4 values fall inside");
    }
}
