//! Datasets: every format read into one in-memory [`Dataset`] of u8 pixels already
//! shaped for the model, so training converts a batch at a time to floats and the
//! full 202,599-image CelebA fits in memory (2.5 GB at 64x64x3, 10 GB as f32).

pub mod celeba;
pub mod frey;
pub mod idx;
pub mod images;
mod split;

pub use split::{Split, SplitRule, shuffled};
use split::{partition_split, seeded_split};

use std::path::Path;

use anyhow::{Result, bail};
use latentlab_model::burn::prelude::*;

/// Binary attributes per image (CelebA's 40), values +1 / -1.
#[derive(Debug, Clone, PartialEq)]
pub struct Attributes {
    pub names: Vec<String>,
    /// `[count, names.len()]` row-major.
    pub values: Vec<i8>,
}

impl Attributes {
    /// The rows of the images at `indices`, in that order.
    pub fn rows(&self, indices: &[usize]) -> Attributes {
        let n = self.names.len();
        Attributes {
            names: self.names.clone(),
            values: indices
                .iter()
                .flat_map(|&i| self.values[i * n..(i + 1) * n].iter().copied())
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Dataset {
    /// `mnist`, `fashion-mnist`, `celeba`, `frey` or `folder`.
    pub name: String,
    /// `[channels, height, width]` of every image.
    pub shape: [usize; 3],
    /// `[count, channels, height, width]` row-major, 0..=255.
    pub pixels: Vec<u8>,
    /// One class index per image; empty for unlabelled data.
    pub labels: Vec<u32>,
    pub classes: Vec<String>,
    pub attributes: Option<Attributes>,
    /// Official partition per image (0 train, 1 validation, 2 test) when the data
    /// came with one (CelebA's `list_eval_partition.txt`); empty otherwise.
    pub partitions: Vec<u8>,
}

impl Dataset {
    pub fn per_image(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn len(&self) -> usize {
        self.pixels.len() / self.per_image().max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The images at `indices` as `[n, c, h, w]` floats in [0, 1], gathered straight
    /// into the Vec a tensor takes over.
    pub fn floats(&self, indices: &[usize]) -> Vec<f32> {
        let per_image = self.per_image();
        let mut out = Vec::with_capacity(indices.len() * per_image);
        for &index in indices {
            let image = &self.pixels[index * per_image..(index + 1) * per_image];
            out.extend(image.iter().map(|&v| f32::from(v) * (1.0 / 255.0)));
        }
        out
    }

    /// The images at `indices` as a `[n, c, h, w]` tensor on `device`: the one way
    /// training, evaluation and the pictures turn data into model input.
    pub fn batch(&self, indices: &[usize], device: &Device) -> Tensor<4> {
        let [c, h, w] = self.shape;
        Tensor::from_data(
            TensorData::new(self.floats(indices), [indices.len(), c, h, w]),
            device,
        )
    }

    /// The images at `indices`, in that order, with their labels and attributes.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let per_image = self.per_image();
        let mut pixels = Vec::with_capacity(indices.len() * per_image);
        for &i in indices {
            pixels.extend_from_slice(&self.pixels[i * per_image..(i + 1) * per_image]);
        }
        let labels = if self.labels.is_empty() {
            Vec::new()
        } else {
            indices.iter().map(|&i| self.labels[i]).collect()
        };
        let attributes = self.attributes.as_ref().map(|a| a.rows(indices));
        let partitions = if self.partitions.is_empty() {
            Vec::new()
        } else {
            indices.iter().map(|&i| self.partitions[i]).collect()
        };
        Dataset {
            name: self.name.clone(),
            shape: self.shape,
            pixels,
            labels,
            classes: self.classes.clone(),
            attributes,
            partitions,
        }
    }

    /// The first `limit` images (all when `None`).
    pub fn limited(self, limit: Option<usize>) -> Dataset {
        match limit {
            Some(limit) if limit < self.len() => self.subset(&(0..limit).collect::<Vec<_>>()),
            _ => self,
        }
    }
}

/// The formats `load` recognises, by what a folder contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Idx,
    Celeba,
    Frey,
    ImageFolder,
}

pub fn detect_format(path: &Path) -> Result<Format> {
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "raw") {
            return Ok(Format::Frey);
        }
        bail!(
            "{}: a data file must be a Frey faces .raw file; pass a folder for other datasets",
            path.display()
        );
    }
    if !path.is_dir() {
        bail!("{}: no such data folder or file", path.display());
    }
    if idx::looks_like_idx(path) {
        Ok(Format::Idx)
    } else if path.join(celeba::IMAGE_DIR).is_dir() {
        Ok(Format::Celeba)
    } else if frey::find_raw(path).is_some() {
        Ok(Format::Frey)
    } else if images::class_folders(path)?.is_empty() {
        bail!(
            "{}: not a dataset folder. Expected MNIST-layout IDX files (train-images-idx3-ubyte[.gz]), \
             CelebA (img_align_celeba/ + list_attr_celeba.csv or .txt), a Frey faces .raw file, \
             or sub-folders of images, one per class",
            path.display()
        )
    } else {
        Ok(Format::ImageFolder)
    }
}

/// Reads `splits` of the data at `path` (in that order), shaped for a model reading
/// `shape` (`[channels, height, width]`). A folder without a test split is read (or
/// its cache decoded) once and cut into every split asked for. `idx_name` names IDX
/// data (`mnist` or `fashion-mnist`; the files do not say which).
pub fn load(
    path: &Path,
    splits: &[Split],
    rule: SplitRule,
    shape: [usize; 3],
    idx_name: &str,
    progress: bool,
) -> Result<Vec<Dataset>> {
    let all = match detect_format(path)? {
        Format::Idx => {
            return splits
                .iter()
                .map(|&split| load_idx(path, split, shape, idx_name))
                .collect();
        }
        Format::Celeba => celeba::load(path, shape, progress)?,
        Format::Frey => frey::load(path, shape)?,
        Format::ImageFolder => images::load_folder(path, shape, progress)?,
    };
    splits
        .iter()
        .map(|&split| {
            if all.partitions.is_empty() {
                seeded_split(&all, split, rule)
            } else {
                partition_split(&all, split)
            }
        })
        .collect()
}

/// One official MNIST-layout split: `train-*` for training, `t10k-*` held out.
fn load_idx(path: &Path, split: Split, shape: [usize; 3], idx_name: &str) -> Result<Dataset> {
    let which = match split {
        Split::Train => idx::IdxSplit::Train,
        // MNIST layouts have one held-out set, the t10k files.
        Split::Validation | Split::Test => idx::IdxSplit::Test,
    };
    let raw = idx::load_idx_split(path, which)?;
    let pixels = images::pad_grey(&raw.pixels, [raw.rows, raw.cols], shape, path)?;
    let classes: Vec<String> = if idx_name == "fashion-mnist" {
        idx::FASHION_CLASSES.iter().map(|c| c.to_string()).collect()
    } else {
        (0..10).map(|d| d.to_string()).collect()
    };
    Ok(Dataset {
        name: idx_name.into(),
        shape,
        pixels,
        labels: raw.labels.iter().map(|&l| u32::from(l)).collect(),
        classes,
        attributes: None,
        partitions: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(count: usize) -> Dataset {
        Dataset {
            name: "t".into(),
            shape: [1, 1, 1],
            pixels: (0..count as u8).collect(),
            labels: (0..count as u32).collect(),
            classes: vec![],
            attributes: None,
            partitions: Vec::new(),
        }
    }

    #[test]
    fn split_is_disjoint_complete_and_seeded() {
        let rule = SplitRule {
            validation_fraction: 0.2,
            seed: 3,
        };
        let train = seeded_split(&numbered(50), Split::Train, rule).unwrap();
        let val = seeded_split(&numbered(50), Split::Validation, rule).unwrap();
        assert_eq!((train.len(), val.len()), (40, 10));
        let mut all: Vec<u8> = train.pixels.iter().chain(&val.pixels).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<u8>>());
        assert_eq!(
            train.labels,
            train
                .pixels
                .iter()
                .map(|&p| u32::from(p))
                .collect::<Vec<_>>()
        );
        let again = seeded_split(&numbered(50), Split::Validation, rule).unwrap();
        assert_eq!(again.pixels, val.pixels);
        let other = SplitRule { seed: 4, ..rule };
        let other = seeded_split(&numbered(50), Split::Validation, other).unwrap();
        assert_ne!(
            other.pixels, val.pixels,
            "another seed holds out other images"
        );
    }

    /// A CelebA-layout folder whose partition file picks the splits: image k is
    /// filled with grey level 10 k, so a split's pixels say which images it holds.
    #[test]
    fn celeba_partition_file_chooses_train_validation_and_test() {
        let dir = tempfile::tempdir().unwrap();
        let images = dir.path().join(celeba::IMAGE_DIR);
        std::fs::create_dir(&images).unwrap();
        for k in 1..=5u8 {
            image::RgbImage::from_pixel(4, 4, image::Rgb([10 * k; 3]))
                .save(images.join(format!("00000{k}.png")))
                .unwrap();
        }
        let attributes =
            "5\nSmiling\n000001.png 1\n000002.png -1\n000003.png 1\n000004.png -1\n000005.png 1\n";
        std::fs::write(dir.path().join("list_attr_celeba.txt"), attributes).unwrap();
        // 000003 is not listed: it belongs to no split.
        let partitions = "000001.png 0\n000002.png 1\n000004.png 0\n000005.png 2\n";
        std::fs::write(dir.path().join("list_eval_partition.txt"), partitions).unwrap();
        let rule = SplitRule {
            validation_fraction: 0.5,
            seed: 1,
        };
        let splits = [Split::Train, Split::Validation, Split::Test];
        let got = load(dir.path(), &splits, rule, [1, 4, 4], "", false).unwrap();
        let levels = |d: &Dataset| d.pixels.chunks(16).map(|img| img[0]).collect::<Vec<u8>>();
        assert_eq!(levels(&got[0]), [10, 40]);
        assert_eq!(levels(&got[1]), [20]);
        assert_eq!(levels(&got[2]), [50]);
        assert_eq!(
            got[0].attributes.as_ref().unwrap().values,
            [1, -1],
            "rows follow the images"
        );

        std::fs::write(
            dir.path().join("list_eval_partition.txt"),
            "000001.png 0\n000002.png x\n",
        )
        .unwrap();
        let err = load(dir.path(), &splits, rule, [1, 4, 4], "", false).unwrap_err();
        assert!(
            format!("{err:#}").contains("list_eval_partition.txt:2"),
            "{err:#}"
        );
    }

    #[test]
    fn floats_scale_to_unit_range() {
        let data = numbered(3);
        assert_eq!(data.floats(&[2, 0]), vec![2.0 / 255.0, 0.0]);
    }
}
