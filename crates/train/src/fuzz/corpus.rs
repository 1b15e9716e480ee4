//! The committed corpus's synthetic seeds, and the code that made them.

use std::path::Path;

use latentlab_model::burn::prelude::Device;
use latentlab_model::latent::SeededRng;
use latentlab_model::weights::Manifest;

/// Synthetic seeds for every target: small, valid files of each format, made here so
/// no licensed data enters the repository.
pub fn write_corpus(corpus: &Path) {
    use latentlab_model::weights::{DatasetInfo, Points, PointsInfo, export_bytes, points_bytes};
    use latentlab_model::{ConvConfig, DenseConfig, ModelSpec, Objective, Reconstruction};
    use std::io::Write;

    let put = |dir: &str, name: &str, bytes: &[u8]| {
        let dir = corpus.join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    let mut rng = SeededRng::new(11);
    let mut idx_file = |dims: &[u32]| {
        let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        let n: u32 = dims.iter().product();
        bytes.extend((0..n).map(|_| rng.next_u64() as u8));
        bytes
    };
    let images = idx_file(&[3, 8, 6]);
    let labels = idx_file(&[3]);
    put("idx", "synthetic-images.idx3", &images);
    put("idx", "synthetic-labels.idx1", &labels);
    for (name, bytes) in [
        ("synthetic-images.idx3.gz", &images),
        ("synthetic-labels.idx1.gz", &labels),
    ] {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(bytes).unwrap();
        put("idx-gz", name, &gz.finish().unwrap());
    }
    let names = ["5_o_Clock_Shadow", "Bald", "Eyeglasses", "Male", "Smiling"];
    let mut txt = format!("4\n{}\n", names.join(" "));
    let mut csv = format!("image_id,{}\n", names.join(","));
    for i in 1..=4 {
        let values: Vec<&str> = (0..names.len())
            .map(|k| if (i + k) % 2 == 0 { "1" } else { "-1" })
            .collect();
        txt += &format!("{i:06}.jpg  {}\n", values.join(" "));
        csv += &format!("{i:06}.jpg,{}\n", values.join(","));
    }
    put(
        "celeba-attributes",
        "synthetic-attributes.txt",
        txt.as_bytes(),
    );
    put(
        "celeba-attributes",
        "synthetic-attributes.csv",
        csv.as_bytes(),
    );
    put(
        "celeba-partitions",
        "synthetic-partitions.txt",
        b"000001.jpg 0\n000002.jpg 0\n000003.jpg 1\n000004.jpg 2\n",
    );
    put(
        "celeba-partitions",
        "synthetic-partitions.csv",
        b"image_id,partition\n000001.jpg,0\n000002.jpg,1\n000003.jpg,2\n",
    );
    let frames: Vec<u8> = (0..2 * 28 * 20).map(|i| (i * 7 % 256) as u8).collect();
    put("frey", "frey.raw", &frames);
    let picture =
        image::RgbImage::from_fn(12, 10, |x, y| image::Rgb([x as u8 * 20, y as u8 * 25, 128]));
    for (name, format) in [
        ("face.png", image::ImageFormat::Png),
        ("face.jpg", image::ImageFormat::Jpeg),
        ("face.bmp", image::ImageFormat::Bmp),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut bytes, format).unwrap();
        put("image", name, bytes.get_ref());
    }
    // A tiny conv VAE (the export format's conv path) and its points.
    let device = Device::flex();
    let objective = Objective::new(true, Reconstruction::Mse, 10.0);
    let spec =
        ModelSpec::Conv(ConvConfig::new(8, 3, vec![2, 2], 2, objective).with_batch_norm(true));
    let model = spec.init(&device);
    let dataset = DatasetInfo {
        name: "fuzz".into(),
        classes: vec!["a".into(), "b".into()],
    };
    let (mut manifest, weights) =
        export_bytes(&model, Manifest::new("fuzz-vae", &spec, dataset)).unwrap();
    let points = Points {
        z: vec![0.5, -1.0, 2.0, 0.25, 3.0, -3.0],
        log_var: vec![-1.0, 0.0, -2.0, 0.5, 0.0, -0.25],
        labels: vec![1, 0, 1],
    };
    let points_file = points_bytes(&points, 2).unwrap();
    manifest.points = Some(PointsInfo {
        file: "points.safetensors".into(),
        count: 3,
        bytes: points_file.len() as u64,
        description: "fuzz seed".into(),
    });
    put("export", "manifest.json", manifest.to_json().as_bytes());
    put("export", "model.safetensors", &weights);
    put("export", "points.safetensors", &points_file);
    // A dense model's manifest too, so the manifest target reaches both configs.
    let dense = ModelSpec::Dense(DenseConfig::frey_vae(2, Reconstruction::Gaussian));
    let dense_manifest = Manifest::new(
        "fuzz-dense",
        &dense,
        DatasetInfo {
            name: "frey".into(),
            classes: vec![],
        },
    );
    put(
        "export",
        "manifest-dense.json",
        dense_manifest.to_json().as_bytes(),
    );
    let state = serde_json::json!({
        "version": 2, "name": "fuzz-vae", "spec": spec, "epoch": 1,
        "partial": {"steps": 3, "batches": 10, "sum_loss": 1.5, "sum_reconstruction": 1.0,
                    "sum_kl": 0.5, "batch_losses": [0.5, 0.5, 0.5], "seconds": 0.25},
        "batch_size": 8, "seed": 0, "model_file": "model-0001-000003.bpk",
        "optimizer_file": "optimizer-0001-000003.bpk", "history": []
    });
    put(
        "checkpoint-state",
        "state.json",
        serde_json::to_string_pretty(&state).unwrap().as_bytes(),
    );
}
