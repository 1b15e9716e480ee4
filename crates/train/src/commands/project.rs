//! `latentlab project`: labelled images as vectors (raw pixels; an export's posterior
//! means with `--weights`; an ImageNet-pretrained CNN's features with `--cnn`),
//! projected to 3-D (or 2-D) by PCA and t-SNE, with how well the classes separate in
//! every space: "similar data have similar distributions", measured.

use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use latentlab_model::burn::prelude::*;
use latentlab_model::efficientnet::{FEATURES, INPUT_SIDE};
use latentlab_model::grid::tile_rgba;
use latentlab_model::latent::SeededRng;
use latentlab_model::projections::{
    FeatureSpace, PROJECTIONS_FILE, PROJECTIONS_FORMAT, PROJECTIONS_VERSION, Projection,
    ProjectionFile, THUMBNAIL_COLUMNS, THUMBNAILS_FILE, Thumbnails,
};
use latentlab_sampling::projection::tsne::{Tsne, TsneConfig};
use latentlab_sampling::projection::{knn_label_agreement, pca};

use super::open_device;
use crate::cli::{DeviceArg, ProjectArgs};
use crate::data::{self, Dataset, Format, Split, SplitRule, shuffled};
use crate::fidelity::FeatureNet;
use crate::plot::{Panel, Range, scatter};
use crate::sample::write_png;
use crate::{eval, files};

/// Neighbours of the agreement figures.
const K: usize = 5;

pub fn run(args: ProjectArgs, device: DeviceArg, seed: u64) -> Result<()> {
    ensure!(args.dims == 2 || args.dims == 3, "--dims must be 2 or 3");
    ensure!(args.limit > 1, "--limit must be at least 2");
    let (device, _) = open_device(device)?;
    let export = args
        .weights
        .as_ref()
        .map(|w| files::read_autoencoder(w, &device, "embed images"))
        .transpose()?;
    let shape = match &export {
        Some(e) => e.manifest.image_shape(),
        None => {
            let channels = match data::detect_format(&args.data)? {
                Format::Idx | Format::Frey => 1,
                Format::Celeba | Format::ImageFolder => 3,
            };
            [channels, args.size, args.size]
        }
    };
    let name = args
        .data
        .file_name()
        .map_or("data".into(), |n| n.to_string_lossy().to_string());
    eprintln!("reading {}", args.data.display());
    let data = load_labelled(&args, shape, &name, seed)?;
    eprintln!(
        "{} images of {} classes ({})",
        data.len(),
        data.classes.len(),
        data.classes.join(", ")
    );

    if args.thumbnails_only {
        return add_thumbnails(&args, &data, &name, seed);
    }
    let mut spaces = vec![("pixels".to_string(), pixels(&data), data.per_image())];
    if let Some(export) = &export {
        let means = eval::encode_means(&export.model, &data, &device)?;
        let vectors = means.iter().map(|&v| f64::from(v)).collect();
        spaces.push((
            format!("encoder:{}", export.manifest.name),
            vectors,
            export.manifest.latent_dim,
        ));
    }
    if let Some(cnn) = &args.cnn {
        // The same images (same seeded choice) at the network's size, in colour.
        let photos = load_labelled(&args, [3, INPUT_SIDE, INPUT_SIDE], &name, seed)?;
        let started = std::time::Instant::now();
        let vectors = cnn_features(cnn, &photos, &device)?;
        eprintln!(
            "EfficientNet-Lite0 features of {} images in {:.1} s",
            photos.len(),
            started.elapsed().as_secs_f64()
        );
        spaces.push(("efficientnet-lite0".to_string(), vectors, FEATURES));
    }
    let mut file = ProjectionFile {
        format: PROJECTIONS_FORMAT.into(),
        version: PROJECTIONS_VERSION,
        dataset: name.clone(),
        classes: data.classes.clone(),
        labels: data.labels.clone(),
        k: K,
        spaces: Vec::new(),
        thumbnails: None,
    };
    for (features, vectors, dim) in spaces {
        let agreement = knn_label_agreement(&vectors, dim, &data.labels, K);
        eprintln!("{features} ({dim}-D): {K}-NN label agreement {agreement:.3}");
        // A 2-D latent has no third axis to project to.
        let dims = args.dims.min(dim);
        let fit = pca::fit(&vectors, dim, dims, seed);
        let pca_points = fit.transform(&vectors);
        let started = std::time::Instant::now();
        let tsne_config = TsneConfig {
            dims,
            perplexity: args.perplexity,
            iterations: args.iterations,
            learning_rate: None,
            seed,
        };
        // t-SNE on PCA's top 50 axes: the usual denoising step, and far fewer
        // numbers per distance than 3,072 pixels.
        let reduced_dim = dim.min(50);
        let reduced = pca::reduce(&vectors, dim, reduced_dim, seed);
        let tsne_points = Tsne::new(&reduced, reduced_dim, tsne_config).run();
        let tsne_seconds = started.elapsed().as_secs_f64();
        let finish = |method: &str, points: Vec<f64>, explained: Vec<f64>, perplexity| {
            let agreement = knn_label_agreement(&points, dims, &data.labels, K);
            eprintln!("  {method} to {dims}-D: agreement {agreement:.3}");
            let title = format!("{name}: {features}, {method}");
            let picture = plot_projection(&points, dims, &data, &title)?;
            let png = format!("{}-{method}.png", file_stem(&features));
            write_png(&args.out.join(png), picture)?;
            Ok::<_, anyhow::Error>(Projection {
                method: method.into(),
                dims,
                agreement,
                points: points.iter().map(|&v| v as f32).collect(),
                explained,
                perplexity,
            })
        };
        let projections = vec![
            finish("pca", pca_points, fit.explained(), None)?,
            finish("tsne", tsne_points, Vec::new(), Some(args.perplexity))?,
        ];
        eprintln!(
            "  (t-SNE: {} iterations in {tsne_seconds:.1} s)",
            args.iterations
        );
        file.spaces.push(FeatureSpace {
            features,
            feature_dim: dim,
            agreement,
            projections,
            reduced: reduced.iter().map(|&v| v as f32).collect(),
            reduced_dim,
        });
    }
    let path = args.out.join(PROJECTIONS_FILE);
    files::write_atomic(&path, file.to_json().as_bytes())?;
    eprintln!("wrote {}", path.display());
    add_thumbnails(&args, &data, &name, seed)
}

/// Photos as PNG weigh ten times their JPEG; the page only shows them.
fn write_jpeg(path: &Path, atlas: latentlab_model::grid::RgbaGrid) -> Result<()> {
    let rgb: Vec<u8> = atlas
        .pixels
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode(
            &rgb,
            atlas.width as u32,
            atlas.height as u32,
            image::ExtendedColorType::Rgb8,
        )
        .context("cannot encode JPEG")?;
    files::write_atomic(path, &jpeg)
}

/// Side of a colour photo's thumbnail: 32-pixel photos are too small to tell a
/// breed or a face on the page. Grey digits keep their own size.
const PHOTO_THUMBNAIL: usize = 64;

/// Writes the images of `data` as an atlas beside the projections in `--out` and
/// records it there. The projections must be of these very images: same count, same
/// labels.
fn add_thumbnails(args: &ProjectArgs, data: &Dataset, name: &str, seed: u64) -> Result<()> {
    let folder = &args.out;
    let path = folder.join(PROJECTIONS_FILE);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read {} (run `latentlab project` without --thumbnails-only first)",
            path.display()
        )
    })?;
    let mut file = ProjectionFile::from_json(&bytes)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{} is not a projections file", path.display()))?;
    ensure!(
        file.labels == data.labels && file.classes == data.classes,
        "{} holds {} points of classes {:?}, not these {} images of {:?}: were the \
         projections made from other data, --limit or --seed?",
        path.display(),
        file.labels.len(),
        file.classes,
        data.len(),
        data.classes
    );
    let larger;
    let data = match data.shape {
        [3, side, _] if side < PHOTO_THUMBNAIL => {
            let shape = [3, PHOTO_THUMBNAIL, PHOTO_THUMBNAIL];
            larger = load_labelled(args, shape, name, seed)?;
            &larger
        }
        _ => data,
    };
    let [_, side, width] = data.shape;
    ensure!(side == width, "thumbnails need square images");
    let images: Vec<f32> = data.pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let columns = THUMBNAIL_COLUMNS.min(data.len());
    let atlas = tile_rgba(&images, data.shape, columns, 0);
    write_jpeg(&folder.join(THUMBNAILS_FILE), atlas)?;
    file.thumbnails = Some(Thumbnails {
        file: THUMBNAILS_FILE.into(),
        side,
        columns,
    });
    files::write_atomic(&path, file.to_json().as_bytes())?;
    eprintln!(
        "wrote {} ({} images of {side}x{side})",
        folder.join(THUMBNAILS_FILE).display(),
        data.len()
    );
    Ok(())
}

/// The labelled images `args` names at `shape`: held-out images where the data has a
/// split (so an encoder is shown images it did not train on), every image of a
/// class-folder dataset; at most `--limit`, a seeded choice, so two shapes give the
/// same images in the same order.
fn load_labelled(args: &ProjectArgs, shape: [usize; 3], name: &str, seed: u64) -> Result<Dataset> {
    let rule = SplitRule {
        validation_fraction: 0.1,
        seed,
    };
    let split = match data::detect_format(&args.data)? {
        Format::ImageFolder => Split::Train,
        _ => Split::Validation,
    };
    let mut loaded = data::load(&args.data, &[split], rule, shape, name, false)?.remove(0);
    if split == Split::Train && loaded.partitions.is_empty() {
        // A class-folder dataset: every image (its 10% held out joins back in).
        let mut held = data::load(&args.data, &[Split::Validation], rule, shape, name, false)?;
        loaded = merge(loaded, held.remove(0));
    }
    labelled(sample(loaded, args.limit, seed), args.label.as_deref())
}

/// EfficientNet-Lite0's 1280-D features of every image (224x224 RGB), one row each.
fn cnn_features(weights: &Path, photos: &Dataset, device: &Device) -> Result<Vec<f64>> {
    let net = FeatureNet::open(weights, device)?;
    let indices: Vec<usize> = (0..photos.len()).collect();
    let mut features = Vec::with_capacity(photos.len() * FEATURES);
    for chunk in indices.chunks(16) {
        features.extend(net.features(&photos.floats(chunk), photos.shape)?);
    }
    Ok(features)
}

/// Every image's pixels in [0, 1], one row each.
fn pixels(data: &Dataset) -> Vec<f64> {
    data.pixels.iter().map(|&p| f64::from(p) / 255.0).collect()
}

fn file_stem(features: &str) -> String {
    features.replace(':', "-")
}

/// Two loads of the same folder (train and held out) as one dataset.
fn merge(mut a: Dataset, b: Dataset) -> Dataset {
    a.pixels.extend(b.pixels);
    a.labels.extend(b.labels);
    a
}

/// At most `limit` images, a seeded choice kept in file order (a plain prefix of a
/// class-folder dataset would be one class).
fn sample(data: Dataset, limit: usize, seed: u64) -> Dataset {
    if data.len() <= limit {
        return data;
    }
    let mut chosen = shuffled(data.len(), &mut SeededRng::new(seed ^ 0x9E0))[..limit].to_vec();
    chosen.sort_unstable();
    data.subset(&chosen)
}

/// The data with labels: its classes, or with `attribute`, without and with it.
fn labelled(mut data: Dataset, attribute: Option<&str>) -> Result<Dataset> {
    if let Some(name) = attribute {
        let attributes = data.attributes.as_ref().with_context(|| {
            format!(
                "{} has no attribute file, so --label {name} has nothing to read",
                data.name
            )
        })?;
        let column = attributes
            .names
            .iter()
            .position(|n| n == name)
            .with_context(|| {
                format!(
                    "no attribute {name:?}; the file has {}",
                    attributes.names.join(", ")
                )
            })?;
        let n = attributes.names.len();
        data.labels = (0..data.len())
            .map(|i| u32::from(attributes.values[i * n + column] > 0))
            .collect();
        data.classes = vec![format!("not {name}"), name.to_string()];
    }
    if data.labels.len() != data.len() || data.classes.is_empty() {
        bail!(
            "{}: the images have no labels; use class folders (e.g. car/, dog/) or --label <attribute>",
            data.name
        );
    }
    Ok(data)
}

/// Pairwise panels of a 3-D projection (one panel for 2-D), coloured by class.
fn plot_projection(
    points: &[f64],
    dims: usize,
    data: &Dataset,
    title: &str,
) -> Result<latentlab_model::grid::RgbaGrid> {
    let pairs: &[(usize, usize)] = if dims == 2 {
        &[(0, 1)]
    } else {
        &[(0, 1), (0, 2), (1, 2)]
    };
    let panels = pairs
        .iter()
        .map(|&(a, b)| {
            let xy: Vec<(f32, f32)> = points
                .chunks_exact(dims)
                .map(|p| (p[a] as f32, p[b] as f32))
                .collect();
            let ranges = (
                Range::robust(xy.iter().map(|p| p.0)),
                Range::robust(xy.iter().map(|p| p.1)),
            );
            Panel {
                title: format!("axis {} against axis {}", b + 1, a + 1),
                x_label: format!("axis {}", a + 1),
                y_label: format!("axis {}", b + 1),
                points: xy,
                ranges,
            }
        })
        .collect::<Vec<_>>();
    Ok(scatter(&panels, &data.labels, &data.classes, title)?.0)
}
