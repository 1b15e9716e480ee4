//! CelebA: `img_align_celeba/*.jpg` plus the 40 binary attributes, read from either
//! the Kaggle CSV (`image_id,5_o_Clock_Shadow,...`, values 1/-1) or the official TXT
//! (a count line, a names line, then `000001.jpg -1  1 ...` rows). Works unchanged on
//! the full 202,599-image download.
//!
//! When the folder has the official `list_eval_partition.txt` (or Kaggle's
//! `list_eval_partition.csv`), each image carries its partition: 0 trains, 1
//! validates, 2 is the test split, and images the file does not list are skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};

use super::images::{decode_all, image_files};
use super::{Attributes, Dataset};

pub const IMAGE_DIR: &str = "img_align_celeba";
const CSV_FILE: &str = "list_attr_celeba.csv";
const TXT_FILE: &str = "list_attr_celeba.txt";
const PARTITION_FILES: [&str; 2] = ["list_eval_partition.txt", "list_eval_partition.csv"];

/// Attribute table in file order: image file names and their +1 / -1 rows.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeTable {
    pub names: Vec<String>,
    pub images: Vec<String>,
    /// `[images.len(), names.len()]` row-major.
    pub values: Vec<i8>,
}

fn parse_value(token: &str, path: &Path, line: usize) -> Result<i8> {
    match token.trim() {
        "1" => Ok(1),
        "-1" => Ok(-1),
        // Some re-exports write 0 for "absent".
        "0" => Ok(-1),
        other => bail!(
            "{}:{line}: attribute value {other:?} is not 1 or -1",
            path.display()
        ),
    }
}

fn push_row(
    table: &mut AttributeTable,
    image: &str,
    tokens: Vec<&str>,
    path: &Path,
    line: usize,
) -> Result<()> {
    ensure!(
        tokens.len() == table.names.len(),
        "{}:{line}: {} values for {} attribute names",
        path.display(),
        tokens.len(),
        table.names.len()
    );
    table.images.push(image.to_string());
    for token in tokens {
        table.values.push(parse_value(token, path, line)?);
    }
    Ok(())
}

/// Parses either attribute layout; which one is decided by the first line.
pub fn parse_attributes(text: &str, path: &Path) -> Result<AttributeTable> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines
        .next()
        .with_context(|| format!("{}: empty attribute file", path.display()))?;
    let mut table = AttributeTable {
        names: Vec::new(),
        images: Vec::new(),
        values: Vec::new(),
    };
    if first.contains(',') {
        let mut header = first.split(',').map(str::trim);
        ensure!(
            header.next() == Some("image_id"),
            "{}: CSV header must start with image_id",
            path.display()
        );
        table.names = header.map(str::to_string).collect();
        for (index, line) in lines {
            let mut tokens = line.split(',');
            let image = tokens.next().unwrap_or_default().trim();
            push_row(&mut table, image, tokens.collect(), path, index + 1)?;
        }
    } else {
        let declared: usize = first.trim().parse().with_context(|| {
            format!(
                "{}: first line should be the image count (official TXT) or a CSV header",
                path.display()
            )
        })?;
        let (_, names) = lines
            .next()
            .with_context(|| format!("{}: attribute names line missing", path.display()))?;
        table.names = names.split_whitespace().map(str::to_string).collect();
        for (index, line) in lines {
            let mut tokens = line.split_whitespace();
            let image = tokens.next().unwrap_or_default();
            push_row(&mut table, image, tokens.collect(), path, index + 1)?;
        }
        ensure!(
            table.images.len() == declared,
            "{}: the first line promises {declared} rows, the file has {}",
            path.display(),
            table.images.len()
        );
    }
    ensure!(
        !table.names.is_empty(),
        "{}: no attribute names",
        path.display()
    );
    Ok(table)
}

/// Image name to official partition (0 train, 1 validation, 2 test), from the
/// official `000001.jpg 0` lines or Kaggle's `image_id,partition` CSV.
pub fn parse_partitions(text: &str, path: &Path) -> Result<HashMap<String, u8>> {
    let mut partitions = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (index == 0 && line.starts_with("image_id")) {
            continue;
        }
        let tokens: Vec<&str> = if line.contains(',') {
            line.split(',').map(str::trim).collect()
        } else {
            line.split_whitespace().collect()
        };
        let [image, partition] = tokens[..] else {
            bail!(
                "{}:{}: expected `image partition`, got {line:?}",
                path.display(),
                index + 1
            );
        };
        let partition = match partition {
            "0" => 0,
            "1" => 1,
            "2" => 2,
            other => bail!(
                "{}:{}: partition {other:?} is not 0 (train), 1 (validation) or 2 (test)",
                path.display(),
                index + 1
            ),
        };
        partitions.insert(image.to_string(), partition);
    }
    ensure!(
        !partitions.is_empty(),
        "{}: no partition rows",
        path.display()
    );
    Ok(partitions)
}

fn partition_file(dir: &Path) -> Option<PathBuf> {
    PARTITION_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// The attribute file of `dir`, CSV preferred.
fn attribute_file(dir: &Path) -> Option<PathBuf> {
    [CSV_FILE, TXT_FILE]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// Every image that exists and (when there is an attribute file) has an attribute
/// row, in attribute-file order; decoded, cropped and resized to `shape`.
pub fn load(dir: &Path, shape: [usize; 3], progress: bool) -> Result<Dataset> {
    let image_dir = dir.join(IMAGE_DIR);
    let present: std::collections::HashSet<String> = image_files(&image_dir)?
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    ensure!(!present.is_empty(), "{}: no images", image_dir.display());
    let (files, attributes) = match attribute_file(dir) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let table = parse_attributes(&text, &path)?;
            let n = table.names.len();
            let mut files = Vec::new();
            let mut values = Vec::new();
            for (row, image) in table.images.iter().enumerate() {
                if present.contains(image) {
                    files.push(image_dir.join(image));
                    values.extend_from_slice(&table.values[row * n..(row + 1) * n]);
                }
            }
            ensure!(
                !files.is_empty(),
                "{}: none of its images are in {}",
                path.display(),
                image_dir.display()
            );
            let attributes = Attributes {
                names: table.names,
                values,
            };
            (files, Some(attributes))
        }
        None => {
            eprintln!(
                "warning: {} has no {CSV_FILE} or {TXT_FILE}; training without attributes",
                dir.display()
            );
            (image_files(&image_dir)?, None)
        }
    };
    let (files, attributes, partitions) = match partition_file(dir) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let table = parse_partitions(&text, &path)?;
            keep_partitioned(files, attributes, &table, &path)?
        }
        None => (files, attributes, Vec::new()),
    };
    let pixels = decode_all(&files, shape, "celeba", progress)?;
    Ok(Dataset {
        name: "celeba".into(),
        shape,
        pixels,
        labels: Vec::new(),
        classes: Vec::new(),
        attributes,
        partitions,
    })
}

/// The images `table` lists (others are skipped), with their attribute rows and
/// partitions.
fn keep_partitioned(
    files: Vec<PathBuf>,
    attributes: Option<Attributes>,
    table: &HashMap<String, u8>,
    path: &Path,
) -> Result<(Vec<PathBuf>, Option<Attributes>, Vec<u8>)> {
    let mut kept = Vec::new();
    let mut partitions = Vec::new();
    let mut rows = Vec::new();
    for (row, file) in files.into_iter().enumerate() {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(&partition) = name.as_ref().and_then(|n| table.get(n)) {
            kept.push(file);
            partitions.push(partition);
            rows.push(row);
        }
    }
    ensure!(
        !kept.is_empty(),
        "{}: none of the images it lists are in the folder",
        path.display()
    );
    let attributes = attributes.map(|a| a.rows(&rows));
    Ok((kept, attributes, partitions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_txt_give_the_same_table() {
        let csv = "image_id,Smiling,Male\n000001.jpg,1,-1\n000002.jpg,-1,1\n";
        let txt = "2\nSmiling Male\n000001.jpg  1 -1\n000002.jpg -1  1\n";
        let a = parse_attributes(csv, Path::new("a.csv")).unwrap();
        let b = parse_attributes(txt, Path::new("a.txt")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.names, ["Smiling", "Male"]);
        assert_eq!(a.values, [1, -1, -1, 1]);
    }

    #[test]
    fn partitions_read_both_layouts_and_name_bad_lines() {
        let txt = "000001.jpg 0\n000002.jpg 1\n\n000003.jpg 2\n";
        let csv = "image_id,partition\n000001.jpg,0\n000002.jpg,1\n000003.jpg,2\n";
        let a = parse_partitions(txt, Path::new("p.txt")).unwrap();
        assert_eq!(a, parse_partitions(csv, Path::new("p.csv")).unwrap());
        assert_eq!(
            (a["000001.jpg"], a["000002.jpg"], a["000003.jpg"]),
            (0, 1, 2)
        );
        let err = parse_partitions("a.jpg 0\nb.jpg 3\n", Path::new("p.txt")).unwrap_err();
        assert!(
            err.to_string().contains("p.txt:2") && err.to_string().contains("\"3\""),
            "{err}"
        );
        let err = parse_partitions("a.jpg 0\nb.jpg\n", Path::new("p.txt")).unwrap_err();
        assert!(err.to_string().contains("p.txt:2"), "{err}");
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let err = parse_attributes("image_id,A,B\nx.jpg,1\n", Path::new("attr.csv")).unwrap_err();
        assert!(err.to_string().contains("attr.csv:2"), "{err}");
        let err = parse_attributes("3\nA\nx.jpg 1\n", Path::new("attr.txt")).unwrap_err();
        assert!(err.to_string().contains("promises 3"), "{err}");
        let err = parse_attributes("image_id,A\nx.jpg,yes\n", Path::new("a.csv")).unwrap_err();
        assert!(err.to_string().contains("\"yes\""), "{err}");
    }

    /// The shared CelebA subset ships both layouts; they must read identically.
    #[test]
    fn real_csv_and_txt_files_agree() {
        let root = std::env::var_os("LATENTLAB_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
        let dir = root.join("celeba");
        assert!(
            dir.is_dir(),
            "NO TEST DATA: {} is missing (set LATENTLAB_DATA)",
            dir.display()
        );
        let read = |name: &str| {
            let path = dir.join(name);
            parse_attributes(&std::fs::read_to_string(&path).unwrap(), &path).unwrap()
        };
        let (csv, txt) = (read(CSV_FILE), read(TXT_FILE));
        assert_eq!(csv, txt);
        assert_eq!(csv.names.len(), 40);
        assert_eq!(csv.images[0], "000001.jpg");
        assert!(csv.names.iter().any(|n| n == "Smiling"));
    }
}
