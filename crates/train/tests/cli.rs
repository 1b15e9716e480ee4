//! The CLI end to end on real data: train a short epoch, export, reload, sample.
//!
//! Data comes from `LATENTLAB_DATA` (default `../shared/data` beside the repo):
//! `fashion-mnist/`, or `mnist/` (which `scripts/fetch-mnist.sh` can provide). With
//! neither, the test fails and says where it looked: a silent pass would hide that
//! the training path went untested.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data_root() -> PathBuf {
    std::env::var_os("LATENTLAB_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

fn training_data() -> PathBuf {
    let root = data_root();
    for name in ["fashion-mnist", "mnist"] {
        let dir = root.join(name);
        if dir.join("train-images-idx3-ubyte.gz").is_file()
            || dir.join("train-images-idx3-ubyte").is_file()
        {
            return dir;
        }
    }
    panic!(
        "NO TRAINING DATA: looked for fashion-mnist/ and mnist/ under {} (set LATENTLAB_DATA, or run scripts/fetch-mnist.sh)",
        root.display()
    );
}

fn latentlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_latentlab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "latentlab failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn train_export_reload_sample() {
    let data = training_data();
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("export");
    let export_str = export.to_str().unwrap();
    ok(latentlab(&[
        "train",
        "--model",
        "fashion-vae",
        "--data",
        data.to_str().unwrap(),
        "--epochs",
        "1",
        "--limit",
        "3000",
        "--out",
        export_str,
    ]));

    let metrics = std::fs::read_to_string(export.join("metrics.jsonl")).unwrap();
    let epoch: serde_json::Value = serde_json::from_str(metrics.lines().next().unwrap()).unwrap();
    let first = epoch["loss_first_tenth"].as_f64().unwrap();
    let last = epoch["loss_last_tenth"].as_f64().unwrap();
    assert!(
        last < 0.9 * first,
        "loss must go down within the epoch: {first} -> {last}"
    );
    assert_eq!(epoch["images"].as_u64(), Some(3000));

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["name"], "fashion-vae");
    assert_eq!(manifest["latent_dim"], 2);
    assert!(manifest["training"]["images_per_second"].as_f64().unwrap() > 0.0);

    let png = tmp.path().join("grid.png");
    let raw = tmp.path().join("raw.json");
    ok(latentlab(&[
        "sample",
        "--weights",
        export_str,
        "--out",
        png.to_str().unwrap(),
        "--count",
        "9",
        "--columns",
        "3",
        "--seed",
        "5",
        "--raw",
        raw.to_str().unwrap(),
    ]));
    let grid = image::open(&png).unwrap().to_rgba8();
    assert_eq!(grid.dimensions(), (3 * 32 + 2 * 2, 3 * 32 + 2 * 2));
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(&raw).unwrap()).unwrap();
    let pixels: Vec<f64> = raw["pixels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(pixels.len(), 9 * 32 * 32);
    let first_cell = &pixels[..1024];
    assert!(
        first_cell.iter().any(|&p| p > 0.2),
        "a decoded sample is not blank"
    );
    assert!(
        pixels.chunks(1024).any(|cell| cell != first_cell),
        "samples differ from each other"
    );
}

#[test]
fn corrupt_export_and_missing_data_are_reported_with_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("export");
    std::fs::create_dir_all(&export).unwrap();
    std::fs::write(
        export.join("manifest.json"),
        "{\"format\": \"latentlab-weights\", \"format_version\": 2}",
    )
    .unwrap();
    std::fs::write(export.join("model.safetensors"), b"\x00").unwrap();
    let out = latentlab(&[
        "sample",
        "--weights",
        export.to_str().unwrap(),
        "--out",
        tmp.path().join("g.png").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("manifest.json") && stderr.contains("version 2 is not supported"),
        "{stderr}"
    );
    assert!(!tmp.path().join("g.png").exists(), "no output on failure");

    let missing = tmp.path().join("nowhere");
    let out = latentlab(&[
        "train",
        "--model",
        "fashion-vae",
        "--data",
        missing.to_str().unwrap(),
        "--epochs",
        "1",
        "--out",
        tmp.path().join("x").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nowhere") && stderr.contains("train-images-idx3-ubyte"),
        "{stderr}"
    );
}
