//! IDX, the MNIST / Fashion-MNIST format: a big-endian header (magic, dimension
//! sizes) followed by raw u8 values; files may be gzipped.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};

/// Class names of Fashion-MNIST in label order.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Grey images with their labels, as stored (u8, row-major).
#[derive(Debug, Clone)]
pub struct LabeledImages {
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

/// The official MNIST splits: `train-*` (60,000) and `t10k-*` (10,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxSplit {
    Train,
    Test,
}

impl IdxSplit {
    fn prefix(self) -> &'static str {
        match self {
            IdxSplit::Train => "train",
            IdxSplit::Test => "t10k",
        }
    }
}

/// The most an IDX file may hold once un-gzipped (MNIST's largest is 47 MB): a gzip
/// bomb stops here instead of filling memory.
pub const MAX_IDX_BYTES: u64 = 1 << 30;

/// Reads a whole file, un-gzipping it when its name ends in `.gz`.
fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "gz") {
        gunzip(&raw, path)
    } else {
        Ok(raw)
    }
}

/// Un-gzips `raw` (read from `path`), refusing more than [`MAX_IDX_BYTES`].
pub fn gunzip(raw: &[u8], path: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .take(MAX_IDX_BYTES + 1)
        .read_to_end(&mut out)
        .with_context(|| format!("{} is not a valid gzip file", path.display()))?;
    ensure!(
        out.len() as u64 <= MAX_IDX_BYTES,
        "{}: un-gzips to more than {MAX_IDX_BYTES} bytes, larger than any IDX image set",
        path.display()
    );
    Ok(out)
}

/// Parses an IDX u8 file into its dimension sizes and values.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<(Vec<usize>, Vec<u8>)> {
    ensure!(
        bytes.len() >= 4,
        "{}: too short to be an IDX file ({} bytes)",
        path.display(),
        bytes.len()
    );
    ensure!(
        bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08,
        "{}: not an IDX file of unsigned bytes (magic {:02x?})",
        path.display(),
        &bytes[..4]
    );
    let rank = bytes[3] as usize;
    let header = 4 + 4 * rank;
    ensure!(
        bytes.len() >= header,
        "{}: IDX header is cut off",
        path.display()
    );
    let dims: Vec<usize> = (0..rank)
        .map(|i| {
            u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().expect("4 bytes")) as usize
        })
        .collect();
    let found = bytes.len() - header;
    let expected = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    ensure!(
        expected == Some(found),
        "{}: IDX header promises {dims:?} = {} values but the file holds {found}",
        path.display(),
        expected.map_or("more than 2^64".to_string(), |n| n.to_string())
    );
    Ok((dims, bytes[header..].to_vec()))
}

/// The file for `name` in `dir`, gzipped or not.
fn find_idx(dir: &Path, name: &str) -> Result<PathBuf> {
    for candidate in [format!("{name}.gz"), name.to_string()] {
        let path = dir.join(candidate);
        if path.is_file() {
            return Ok(path);
        }
    }
    bail!("{}: neither {name}.gz nor {name} is there", dir.display())
}

/// Loads one split of an MNIST-layout directory (`train-images-idx3-ubyte[.gz]`, ...).
pub fn load_idx_split(dir: &Path, split: IdxSplit) -> Result<LabeledImages> {
    let images_path = find_idx(dir, &format!("{}-images-idx3-ubyte", split.prefix()))?;
    let labels_path = find_idx(dir, &format!("{}-labels-idx1-ubyte", split.prefix()))?;
    let (dims, pixels) = parse_idx(&read_maybe_gz(&images_path)?, &images_path)?;
    ensure!(
        dims.len() == 3,
        "{}: expected 3 dimensions (count, rows, cols), got {dims:?}",
        images_path.display()
    );
    let (label_dims, labels) = parse_idx(&read_maybe_gz(&labels_path)?, &labels_path)?;
    ensure!(
        label_dims == [dims[0]],
        "{} has {label_dims:?} labels but {} has {} images",
        labels_path.display(),
        images_path.display(),
        dims[0]
    );
    Ok(LabeledImages {
        rows: dims[1],
        cols: dims[2],
        pixels,
        labels,
    })
}

/// Whether `dir` holds an MNIST-layout training split.
pub fn looks_like_idx(dir: &Path) -> bool {
    find_idx(dir, "train-images-idx3-ubyte").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(dims: &[u32], values: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend_from_slice(values);
        bytes
    }

    #[test]
    fn parses_a_well_formed_file() {
        let (dims, values) = parse_idx(&idx(&[2, 1, 2], &[1, 2, 3, 4]), Path::new("x")).unwrap();
        assert_eq!(dims, vec![2, 1, 2]);
        assert_eq!(values, vec![1, 2, 3, 4]);
    }

    #[test]
    fn names_the_file_and_problem_on_bad_input() {
        let err = parse_idx(&idx(&[2, 2], &[1, 2, 3]), Path::new("short.idx"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("short.idx") && err.contains("4 values") && err.contains("holds 3"),
            "{err}"
        );
        let err = parse_idx(b"PK\x03\x04zip", Path::new("a.zip"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.zip") && err.contains("not an IDX"), "{err}");
    }
}
