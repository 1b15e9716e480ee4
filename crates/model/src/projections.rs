//! The projections file `latentlab project` writes and the page reads: labelled
//! images in one or more feature spaces (raw pixels, an encoder's posterior means),
//! each projected to 2-D or 3-D by PCA and t-SNE, with how well the classes separate
//! in each (k-nearest-neighbour label agreement).

use serde::{Deserialize, Serialize};

pub const PROJECTIONS_FORMAT: &str = "latentlab-projections";
pub const PROJECTIONS_VERSION: u32 = 1;
pub const PROJECTIONS_FILE: &str = "projections.json";

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ProjectionFile {
    pub format: String,
    pub version: u32,
    /// Where the images came from (the data folder's name).
    pub dataset: String,
    /// Class names in label order.
    pub classes: Vec<String>,
    /// The class of each image, in point order.
    pub labels: Vec<u32>,
    /// The k of the agreement figures.
    pub k: usize,
    pub spaces: Vec<FeatureSpace>,
    /// The images themselves, small, when the folder has them (`latentlab project`
    /// writes them; `--thumbnails-only` remakes just them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnails: Option<Thumbnails>,
}

/// An atlas of every image in point order: row-major tiles of `side` x `side` pixels,
/// `columns` to a row.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Thumbnails {
    pub file: String,
    pub side: usize,
    pub columns: usize,
}

/// The atlas's name in a projections folder.
pub const THUMBNAILS_FILE: &str = "thumbnails.jpg";
/// Tiles per atlas row.
pub const THUMBNAIL_COLUMNS: usize = 32;

/// The images as vectors of one kind.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct FeatureSpace {
    /// `pixels` or `encoder:<model name>`.
    pub features: String,
    pub feature_dim: usize,
    /// kNN label agreement in the full feature space.
    pub agreement: f64,
    pub projections: Vec<Projection>,
    /// The features on their top principal axes, `[count, reduced_dim]` row-major:
    /// what t-SNE starts from, here so the page can rerun it live.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reduced: Vec<f32>,
    #[serde(default)]
    pub reduced_dim: usize,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Projection {
    /// `pca` or `tsne`.
    pub method: String,
    pub dims: usize,
    /// kNN label agreement in the projection.
    pub agreement: f64,
    /// `[count, dims]` row-major.
    pub points: Vec<f32>,
    /// PCA: share of the variance each axis explains; t-SNE: empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explained: Vec<f64>,
    /// t-SNE's perplexity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perplexity: Option<f64>,
}

impl ProjectionFile {
    /// Parses and checks a projections file: format, version, and that every
    /// projection has one point per label.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let file: ProjectionFile =
            serde_json::from_slice(bytes).map_err(|e| format!("not a projections file: {e}"))?;
        if file.format != PROJECTIONS_FORMAT {
            return Err(format!(
                "format is {:?}, not {PROJECTIONS_FORMAT:?}",
                file.format
            ));
        }
        if file.version > PROJECTIONS_VERSION {
            return Err(format!(
                "a version {} projections file; this build reads up to version {PROJECTIONS_VERSION}",
                file.version
            ));
        }
        for space in &file.spaces {
            if space.reduced.len() != file.labels.len() * space.reduced_dim
                && !space.reduced.is_empty()
            {
                return Err(format!(
                    "{} reduced: {} numbers for {} points in {} dimensions",
                    space.features,
                    space.reduced.len(),
                    file.labels.len(),
                    space.reduced_dim
                ));
            }
            for p in &space.projections {
                if p.dims == 0 || p.points.len() != file.labels.len() * p.dims {
                    return Err(format!(
                        "{} {}: {} numbers for {} points in {} dimensions",
                        space.features,
                        p.method,
                        p.points.len(),
                        file.labels.len(),
                        p.dims
                    ));
                }
            }
        }
        if let Some(&l) = file
            .labels
            .iter()
            .find(|&&l| l as usize >= file.classes.len())
        {
            return Err(format!("label {l} but only {} classes", file.classes.len()));
        }
        Ok(file)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> ProjectionFile {
        ProjectionFile {
            format: PROJECTIONS_FORMAT.into(),
            version: PROJECTIONS_VERSION,
            dataset: "cars-dogs".into(),
            classes: vec!["car".into(), "dog".into()],
            labels: vec![0, 1, 1],
            k: 5,
            spaces: vec![FeatureSpace {
                features: "pixels".into(),
                feature_dim: 12,
                agreement: 0.9,
                projections: vec![Projection {
                    method: "pca".into(),
                    dims: 2,
                    agreement: 0.8,
                    points: vec![0.0; 6],
                    explained: vec![0.5, 0.2],
                    perplexity: None,
                }],
                reduced: vec![0.0; 3],
                reduced_dim: 1,
            }],
            thumbnails: None,
        }
    }

    #[test]
    fn files_round_trip_and_bad_ones_are_named() {
        let good = file();
        assert_eq!(
            ProjectionFile::from_json(good.to_json().as_bytes()).unwrap(),
            good
        );
        let mut short = file();
        short.spaces[0].projections[0].points.pop();
        let error = ProjectionFile::from_json(short.to_json().as_bytes()).unwrap_err();
        assert!(
            error.contains("pixels pca: 5 numbers for 3 points"),
            "{error}"
        );
        let mut ragged = file();
        ragged.spaces[0].reduced.push(1.0);
        let error = ProjectionFile::from_json(ragged.to_json().as_bytes()).unwrap_err();
        assert!(
            error.contains("pixels reduced: 4 numbers for 3 points in 1 dimensions"),
            "{error}"
        );
        let mut newer = file();
        newer.version = 9;
        assert!(
            ProjectionFile::from_json(newer.to_json().as_bytes())
                .unwrap_err()
                .contains("version 9")
        );
        let mut label = file();
        label.labels[0] = 7;
        assert!(
            ProjectionFile::from_json(label.to_json().as_bytes())
                .unwrap_err()
                .contains("label 7")
        );
        assert!(ProjectionFile::from_json(b"{}").is_err());
    }
}
