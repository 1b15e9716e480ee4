//! Lays decoded images out as one RGBA picture: the PNG the CLI writes and the canvas
//! the page paints come from this one function, so they cannot drift apart.

/// A packed RGBA8 picture.
#[derive(Debug, Clone, PartialEq)]
pub struct RgbaGrid {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Tiles `images` (`[count, channels, height, width]` row-major floats in [0, 1],
/// `shape = [channels, height, width]`) into `columns` columns with `gap` pixels of
/// black between cells. Grey images are copied into all three colour channels.
pub fn tile_rgba(images: &[f32], shape: [usize; 3], columns: usize, gap: usize) -> RgbaGrid {
    let [channels, cell_height, cell_width] = shape;
    let per_image = channels * cell_height * cell_width;
    let count = images.len().checked_div(per_image).unwrap_or(0);
    let columns = columns.max(1).min(count.max(1));
    let rows = count.div_ceil(columns);
    let width = columns * cell_width + (columns.saturating_sub(1)) * gap;
    let height = rows * cell_height + rows.saturating_sub(1) * gap;
    let mut pixels = vec![0u8; width * height * 4];
    for alpha in pixels.chunks_exact_mut(4) {
        alpha[3] = 255;
    }
    let to_byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    for index in 0..count {
        let image = &images[index * per_image..(index + 1) * per_image];
        let (x0, y0) = (
            (index % columns) * (cell_width + gap),
            (index / columns) * (cell_height + gap),
        );
        for y in 0..cell_height {
            for x in 0..cell_width {
                let out = ((y0 + y) * width + x0 + x) * 4;
                for rgb in 0..3 {
                    let channel = if channels == 3 { rgb } else { 0 };
                    pixels[out + rgb] =
                        to_byte(image[(channel * cell_height + y) * cell_width + x]);
                }
            }
        }
    }
    RgbaGrid {
        width,
        height,
        pixels,
    }
}

/// The inverse of one cell of [`tile_rgba`]: packed RGBA8 (`height * width * 4`) to
/// `[channels, height, width]` floats in [0, 1]; one channel means the mean of R, G, B.
pub fn rgba_to_image(rgba: &[u8], channels: usize) -> Vec<f32> {
    let pixels = rgba.len() / 4;
    let mut out = vec![0.0f32; channels * pixels];
    for (i, px) in rgba.chunks_exact(4).enumerate() {
        if channels == 3 {
            for c in 0..3 {
                out[c * pixels + i] = px[c] as f32 / 255.0;
            }
        } else {
            out[i] = (px[0] as f32 + px[1] as f32 + px[2] as f32) / (3.0 * 255.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_cells_left_to_right_then_down_with_gaps() {
        // Three 2x2 grey images: all 0, all 0.5, all 1; two columns, gap 1.
        let images: Vec<f32> = [0.0, 0.5, 1.0].iter().flat_map(|&v| [v; 4]).collect();
        let grid = tile_rgba(&images, [1, 2, 2], 2, 1);
        assert_eq!((grid.width, grid.height), (5, 5));
        let at = |x: usize, y: usize| grid.pixels[(y * grid.width + x) * 4];
        assert_eq!(at(0, 0), 0);
        assert_eq!(at(3, 1), 128);
        assert_eq!(at(1, 4), 255);
        assert_eq!(grid.pixels[3], 255, "opaque");
    }

    #[test]
    fn non_square_cells_keep_their_aspect() {
        // Two 2-high, 3-wide grey images side by side, no gap.
        let images: Vec<f32> = [0.0, 1.0].iter().flat_map(|&v| [v; 6]).collect();
        let grid = tile_rgba(&images, [1, 2, 3], 2, 0);
        assert_eq!((grid.width, grid.height), (6, 2));
        assert_eq!(grid.pixels[(6 + 2) * 4], 0);
        assert_eq!(grid.pixels[(6 + 3) * 4], 255);
    }

    #[test]
    fn colour_images_keep_their_channels() {
        // One 1x1 RGB image: r=1, g=0, b=0.5 (planar layout).
        let grid = tile_rgba(&[1.0, 0.0, 0.5], [3, 1, 1], 4, 2);
        assert_eq!(grid.pixels, vec![255, 0, 128, 255]);
    }

    #[test]
    fn rgba_to_image_undoes_a_colour_tile() {
        let image: Vec<f32> = (0..12).map(|v| v as f32 / 255.0).collect();
        let tile = tile_rgba(&image, [3, 2, 2], 1, 0);
        let back = rgba_to_image(&tile.pixels, 3);
        assert!(back.iter().zip(&image).all(|(a, b)| (a - b).abs() < 1e-6));
        assert_eq!(rgba_to_image(&[30, 60, 90, 255], 1), vec![60.0 / 255.0]);
    }
}
