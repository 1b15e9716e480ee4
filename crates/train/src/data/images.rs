//! Image files to model-shaped u8 pixels: a centred square crop, a resize to the
//! model's size, grey or RGB. JPEG decoding runs on every core and, for big folders,
//! is done once and cached, so training never waits on decoding.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use image::imageops::FilterType;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::Dataset;
use crate::files::write_atomic;

const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "bmp"];

/// Zero-pads `[count, rows, cols]` grey images centrally to the model's shape.
pub fn pad_grey(
    pixels: &[u8],
    [rows, cols]: [usize; 2],
    shape: [usize; 3],
    path: &Path,
) -> Result<Vec<u8>> {
    let [channels, height, width] = shape;
    ensure!(
        channels == 1 && height >= rows && width >= cols,
        "{}: images are 1x{rows}x{cols}, which cannot become the model's {channels}x{height}x{width}",
        path.display()
    );
    let count = pixels.len() / (rows * cols);
    let (top, left) = ((height - rows) / 2, (width - cols) / 2);
    let mut out = vec![0u8; count * height * width];
    for i in 0..count {
        for r in 0..rows {
            let src = &pixels[(i * rows + r) * cols..(i * rows + r + 1) * cols];
            let start = (i * height + top + r) * width + left;
            out[start..start + cols].copy_from_slice(src);
        }
    }
    Ok(out)
}

/// Decodes one file, crops the centred largest region of the model's aspect ratio,
/// resizes it and returns planar `[channels, height, width]` bytes.
pub fn decode_fit(path: &Path, shape: [usize; 3]) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decode_fit_bytes(&bytes, path, shape)
}

/// The largest image a dataset may hold (per side) and the most its decode may
/// allocate: a header that claims a gigapixel is an error before any allocation.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
pub const MAX_IMAGE_ALLOC: u64 = 512 << 20;

/// [`decode_fit`] on bytes already read from `path` (whose format they reveal).
pub fn decode_fit_bytes(bytes: &[u8], path: &Path, shape: [usize; 3]) -> Result<Vec<u8>> {
    let [channels, height, width] = shape;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .with_context(|| format!("cannot read {}", path.display()))?;
    reader.limits(limits);
    let image = reader
        .decode()
        .with_context(|| format!("cannot decode image {}", path.display()))?;
    let (w, h) = (image.width() as usize, image.height() as usize);
    // Largest centred crop with the target's aspect ratio (a square for faces).
    let (crop_w, crop_h) = if w * height > h * width {
        (h * width / height, h)
    } else {
        (w, w * height / width)
    };
    ensure!(
        crop_w > 0 && crop_h > 0,
        "{}: image is empty",
        path.display()
    );
    let cropped = image.crop_imm(
        ((w - crop_w) / 2) as u32,
        ((h - crop_h) / 2) as u32,
        crop_w as u32,
        crop_h as u32,
    );
    let resized = cropped.resize_exact(width as u32, height as u32, FilterType::Triangle);
    let plane = height * width;
    let mut out = vec![0u8; channels * plane];
    match channels {
        1 => out.copy_from_slice(resized.to_luma8().as_raw()),
        3 => {
            for (i, px) in resized.to_rgb8().pixels().enumerate() {
                for c in 0..3 {
                    out[c * plane + i] = px.0[c];
                }
            }
        }
        other => bail!("models read 1 or 3 channels, not {other}"),
    }
    Ok(out)
}

/// Where decoded images are cached: `$LATENTLAB_CACHE`, else `~/.cache/latentlab`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LATENTLAB_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".cache").join("latentlab")
}

/// Decodes `files` in parallel into `[count, c, h, w]` bytes, reading and writing a
/// cache keyed by the file list (names, sizes, modification times) and the shape.
pub fn decode_all(
    files: &[PathBuf],
    shape: [usize; 3],
    what: &str,
    progress: bool,
) -> Result<Vec<u8>> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    shape.hash(&mut hasher);
    for file in files {
        file.hash(&mut hasher);
        if let Ok(meta) = std::fs::metadata(file) {
            meta.len().hash(&mut hasher);
            meta.modified().ok().hash(&mut hasher);
        }
    }
    let per_image: usize = shape.iter().product();
    let [c, h, w] = shape;
    let cache = cache_dir().join(format!(
        "{what}-{}x{c}x{h}x{w}-{:016x}.u8",
        files.len(),
        hasher.finish()
    ));
    if let Ok(bytes) = std::fs::read(&cache)
        && bytes.len() == files.len() * per_image
    {
        eprintln!(
            "read {} decoded images from {}",
            files.len(),
            cache.display()
        );
        return Ok(bytes);
    }

    let bar = if progress {
        ProgressBar::new(files.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ETA {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("decoding {what} images once (cached afterwards)"));
    let decoded: Vec<Vec<u8>> = files
        .par_iter()
        .map(|file| {
            let image = decode_fit(file, shape);
            bar.inc(1);
            image
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    let bytes = decoded.concat();
    // A cache that cannot be written (read-only home) only costs the next run time.
    if let Err(error) = write_atomic(&cache, &bytes) {
        eprintln!("warning: not caching decoded images: {error:#}");
    }
    Ok(bytes)
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Image files directly inside `dir`, sorted by name.
pub fn image_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_image(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Sub-folders of `dir` that hold at least one image, sorted: the classes.
pub fn class_folders(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut classes = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() && !image_files(&path)?.is_empty() {
            classes.push(path);
        }
    }
    classes.sort();
    Ok(classes)
}

/// A folder whose sub-folders are classes (the seed's cars-and-dogs layout).
pub fn load_folder(dir: &Path, shape: [usize; 3], progress: bool) -> Result<Dataset> {
    let mut files = Vec::new();
    let mut labels = Vec::new();
    let mut classes = Vec::new();
    for (label, class_dir) in class_folders(dir)?.iter().enumerate() {
        let class_files = image_files(class_dir)?;
        labels.extend(std::iter::repeat_n(label as u32, class_files.len()));
        files.extend(class_files);
        classes.push(
            class_dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
    }
    ensure!(
        !files.is_empty(),
        "{}: no images in its sub-folders",
        dir.display()
    );
    let pixels = decode_all(&files, shape, "folder", progress)?;
    Ok(Dataset {
        name: "folder".into(),
        shape,
        pixels,
        labels,
        classes,
        attributes: None,
        partitions: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_centrally() {
        let out = pad_grey(&[255; 4], [2, 2], [1, 4, 4], Path::new("x")).unwrap();
        let ones: Vec<usize> = (0..16).filter(|&i| out[i] == 255).collect();
        assert_eq!(ones, vec![5, 6, 9, 10]);
        let err = pad_grey(&[0; 4], [2, 2], [3, 4, 4], Path::new("f.idx")).unwrap_err();
        assert!(err.to_string().contains("f.idx"), "{err}");
    }

    #[test]
    fn crops_the_centre_square_and_resizes() {
        // A 6x2 RGB image: left third red, middle green, right blue; a square crop of
        // the middle 2x2 then resized to 1x1 must be pure green.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stripes.png");
        let mut img = image::RgbImage::new(6, 2);
        for (x, _, px) in img.enumerate_pixels_mut() {
            px.0 = match x / 2 {
                0 => [255, 0, 0],
                1 => [0, 255, 0],
                _ => [0, 0, 255],
            };
        }
        img.save(&path).unwrap();
        assert_eq!(decode_fit(&path, [3, 1, 1]).unwrap(), vec![0, 255, 0]);
        let grey = decode_fit(&path, [1, 2, 2]).unwrap();
        assert!(grey.iter().all(|&v| v == grey[0]), "{grey:?}");
        std::fs::write(dir.path().join("bad.jpg"), b"not a jpeg").unwrap();
        let err = decode_fit(&dir.path().join("bad.jpg"), [3, 1, 1]).unwrap_err();
        assert!(format!("{err:#}").contains("bad.jpg"), "{err:#}");
    }
}
