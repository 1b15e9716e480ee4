//! Frey faces: 1,965 grey 28x20 frames, stored as raw u8 with no header (the VAE
//! paper's dataset).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};

use super::Dataset;

pub const SHAPE: [usize; 3] = [1, 28, 20];

/// The `.raw` file in `dir` (the shared data names it `frey_faces_uint8_1965x28x20.raw`).
pub fn find_raw(dir: &Path) -> Option<PathBuf> {
    let mut raws: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "raw"))
        .collect();
    raws.sort();
    raws.into_iter().next()
}

pub fn load(path: &Path, shape: [usize; 3]) -> Result<Dataset> {
    let file = if path.is_dir() {
        find_raw(path).with_context(|| format!("{}: no .raw file", path.display()))?
    } else {
        path.to_path_buf()
    };
    ensure!(
        shape == SHAPE,
        "{}: Frey faces are 1x28x20, the model reads {}x{}x{}",
        file.display(),
        shape[0],
        shape[1],
        shape[2]
    );
    let pixels = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    parse(pixels, &file)
}

/// Frey's raw file: 28x20 grey frames back to back, nothing else.
pub fn parse(pixels: Vec<u8>, file: &Path) -> Result<Dataset> {
    let shape = SHAPE;
    let per_image: usize = SHAPE.iter().product();
    ensure!(
        !pixels.is_empty() && pixels.len().is_multiple_of(per_image),
        "{}: {} bytes is not a whole number of 28x20 frames ({per_image} bytes each)",
        file.display(),
        pixels.len()
    );
    Ok(Dataset {
        name: "frey".into(),
        shape,
        pixels,
        labels: Vec::new(),
        classes: Vec::new(),
        attributes: None,
        partitions: Vec::new(),
    })
}
