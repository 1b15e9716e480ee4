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

/// `name` under the data root, or a loud failure saying where it looked.
fn dataset(name: &str) -> PathBuf {
    let dir = data_root().join(name);
    assert!(
        dir.exists(),
        "NO TEST DATA: {} is missing (set LATENTLAB_DATA to the shared data folder, or run scripts/fetch-mnist.sh for MNIST)",
        dir.display()
    );
    dir
}

fn training_data() -> PathBuf {
    dataset("fashion-mnist")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn latentlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_latentlab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The stderr of a run that must have failed.
fn refused(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "latentlab succeeded where it must refuse"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
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

    for file in [
        "epochs/epoch-001-samples.png",
        "epochs/epoch-001-reconstructions.png",
        "checkpoint/state.json",
    ] {
        assert!(export.join(file).is_file(), "{file} was not written");
    }
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
        "{\"format\": \"latentlab-weights\", \"format_version\": 9}",
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
    let stderr = refused(&out);
    assert!(
        stderr.contains("manifest.json") && stderr.contains("version 9 is not supported"),
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
    let stderr = refused(&out);
    assert!(
        stderr.contains("nowhere") && stderr.contains("no such data folder"),
        "{stderr}"
    );
}

/// Trains `model` for `epochs` on the first `limit` images into `out`.
fn train(model: &str, data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "train",
        "--model",
        model,
        "--data",
        s(data),
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    latentlab(&args)
}

#[test]
fn resume_continues_exactly_where_the_run_stopped() {
    let data = dataset("mnist");
    let tmp = tempfile::tempdir().unwrap();
    let (straight, split) = (tmp.path().join("straight"), tmp.path().join("split"));
    let common = ["--limit", "2000", "--batch-size", "50", "--seed", "3"];
    ok(train(
        "mlp-ae",
        &data,
        &straight,
        &[&common[..], &["--epochs", "2"]].concat(),
    ));
    ok(train(
        "mlp-ae",
        &data,
        &split,
        &[&common[..], &["--epochs", "1"]].concat(),
    ));
    // Without --resume an existing run is not overwritten.
    let refused = train(
        "mlp-ae",
        &data,
        &split,
        &[&common[..], &["--epochs", "2"]].concat(),
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
    ok(train(
        "mlp-ae",
        &data,
        &split,
        &[&common[..], &["--epochs", "2", "--resume"]].concat(),
    ));
    assert_same_weights(
        &straight,
        &split,
        "1 + 1 resumed epochs must equal 2 epochs",
    );
    let metrics = std::fs::read_to_string(split.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 2);
}

#[test]
fn a_diverging_run_stops_and_keeps_the_last_good_checkpoint() {
    let data = dataset("mnist");
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let common = ["--limit", "1000", "--batch-size", "50"];
    ok(train(
        "mnist-vae",
        &data,
        &run,
        &[&common[..], &["--epochs", "1"]].concat(),
    ));
    let before = std::fs::read(run.join("model.safetensors")).unwrap();
    let out = train(
        "mnist-vae",
        &data,
        &run,
        &[&common[..], &["--epochs", "2", "--resume", "--lr", "1e30"]].concat(),
    );
    let stderr = refused(&out);
    assert!(
        stderr.contains("loss became") && stderr.contains("after epoch 1"),
        "{stderr}"
    );
    assert_eq!(json(&run.join("checkpoint/state.json"))["epoch"], 1);
    assert_eq!(
        before,
        std::fs::read(run.join("model.safetensors")).unwrap()
    );
}

#[test]
fn eval_draws_the_latent_space_of_a_2d_model() {
    let data = dataset("mnist");
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    ok(train(
        "linear-ae",
        &data,
        &run,
        &["--limit", "3000", "--epochs", "3"],
    ));
    let eval = tmp.path().join("eval");
    let out = ok(latentlab(&[
        "eval",
        "--weights",
        s(&run),
        "--data",
        s(&data),
        "--limit",
        "500",
        "--out",
        s(&eval),
    ]));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["images"], 500);
    let mse = report["reconstruction_per_pixel"].as_f64().unwrap();
    assert!(
        mse < 0.2,
        "a trained linear AE reconstructs better than that: {mse}"
    );
    assert!(report["nats_per_image"].is_null(), "MSE has no likelihood");
    assert_eq!(report["legend"].as_array().unwrap().len(), 10);
    for file in [
        "reconstructions.png",
        "scatter-z.png",
        "scatter-p.png",
        "manifold.png",
        "histograms.png",
    ] {
        let picture = image::open(eval.join(file)).unwrap().to_rgb8();
        let distinct: std::collections::HashSet<_> = picture.pixels().map(|p| p.0).collect();
        assert!(distinct.len() > 3, "{file} is blank");
    }
    let manifold = image::open(eval.join("manifold.png")).unwrap();
    assert_eq!(manifold.width(), 15 * 28 + 14 * 2);
}

#[test]
fn celeba_trains_gets_attribute_vectors_and_exports_points() {
    let data = dataset("celeba");
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    // Decoded images are cached per test run, never in the user's cache.
    let cache = tmp.path().join("cache");
    let with_cache = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_latentlab"))
            .args(args)
            .env("LATENTLAB_CACHE", &cache)
            .output()
            .unwrap();
        ok(output)
    };
    let args = [
        "train",
        "--model",
        "celeba-vae",
        "--data",
        s(&data),
        "--out",
        s(&run),
        "--limit",
        "96",
        "--batch-size",
        "32",
        "--epochs",
        "1",
    ];
    with_cache(&args);
    assert_eq!(
        std::fs::read_dir(&cache).unwrap().count(),
        1,
        "one cache file"
    );
    with_cache(&[
        "attributes",
        "--weights",
        s(&run),
        "--data",
        s(&data),
        "--limit",
        "96",
    ]);
    let manifest = json(&run.join("manifest.json"));
    let attributes = manifest["attributes"].as_array().unwrap();
    let names: Vec<&str> = attributes
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    for wanted in ["Smiling", "Male", "Young", "Eyeglasses"] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
    assert_eq!(attributes[0]["vector"].as_array().unwrap().len(), 200);

    // Fréchet and kernel distances from real faces: stored in the manifest, the same
    // for the same seed, with a floor of real training faces.
    let fidelity = |seed: &str, out: &str| {
        with_cache(&[
            "--seed",
            seed,
            "eval",
            "--weights",
            s(&run),
            "--data",
            s(&data),
            "--limit",
            "96",
            "--fidelity-images",
            "16",
            "--out",
            s(&tmp.path().join(out)),
        ]);
        json(&tmp.path().join(out).join("eval.json"))["fidelity"].clone()
    };
    let first = fidelity("3", "eval-a");
    assert_eq!(first, fidelity("3", "eval-b"), "one seed, one figure");
    assert_eq!(first["images"], 16);
    for set in ["samples", "reconstructions", "floor"] {
        let fd = first[set]["frechet"].as_f64().unwrap();
        assert!(fd > 0.0 && fd.is_finite(), "{set}: {fd}");
        assert!(first[set]["kernel"].is_number(), "{set}");
    }
    assert_eq!(json(&run.join("manifest.json"))["fidelity"], first);
    let missing = Command::new(env!("CARGO_BIN_EXE_latentlab"))
        .args([
            "eval",
            "--weights",
            s(&run),
            "--data",
            s(&data),
            "--out",
            s(&tmp.path().join("eval-c")),
            "--cnn",
            "/nonexistent/lite0.safetensors",
        ])
        .output()
        .unwrap();
    assert!(
        refused(&missing).contains("/nonexistent/lite0.safetensors"),
        "the missing network is named"
    );
    // A GAN has no encoder: eval measures its samples alone.
    let gan = tmp.path().join("gan");
    with_cache(&[
        "train",
        "--model",
        "celeba-gan",
        "--data",
        s(&data),
        "--out",
        s(&gan),
        "--limit",
        "64",
        "--batch-size",
        "32",
        "--epochs",
        "1",
    ]);
    let gan_eval = tmp.path().join("gan-eval");
    with_cache(&[
        "eval",
        "--weights",
        s(&gan),
        "--data",
        s(&data),
        "--limit",
        "64",
        "--fidelity-images",
        "16",
        "--out",
        s(&gan_eval),
    ]);
    let measured = json(&gan_eval.join("eval.json"))["fidelity"].clone();
    assert!(measured["samples"]["frechet"].as_f64().unwrap() > 0.0);
    assert!(measured.get("reconstructions").is_none());
    assert_eq!(json(&gan.join("manifest.json"))["fidelity"], measured);

    let web = tmp.path().join("web");
    with_cache(&[
        "export",
        "--weights",
        s(&run),
        "--out",
        s(&web),
        "--data",
        s(&data),
        "--points",
        "20",
    ]);
    let manifest = json(&web.join("manifest.json"));
    assert_eq!(manifest["points"]["count"], 20);
    let points = std::fs::read(web.join("points.safetensors")).unwrap();
    assert_eq!(
        manifest["points"]["bytes"].as_u64().unwrap(),
        points.len() as u64
    );
    assert!(web.join("model.safetensors").is_file());

    let png = tmp.path().join("faces.png");
    ok(latentlab(&[
        "sample",
        "--weights",
        s(&web),
        "--out",
        s(&png),
        "--count",
        "4",
        "--columns",
        "2",
    ]));
    assert_eq!(image::open(&png).unwrap().width(), 2 * 64 + 2);
}

#[test]
fn frey_faces_and_image_folders_train() {
    let tmp = tempfile::tempdir().unwrap();
    ok(train(
        "frey-vae",
        &dataset("frey"),
        &tmp.path().join("frey"),
        &["--epochs", "2", "--latent-dim", "4"],
    ));
    assert_eq!(json(&tmp.path().join("frey/manifest.json"))["width"], 20);

    // Two classes of 12 images each, of different sizes, as a user's folder would be.
    let folder = tmp.path().join("pets");
    for (class, shade) in [("cats", 40u8), ("dogs", 220u8)] {
        std::fs::create_dir_all(folder.join(class)).unwrap();
        for i in 0..12u32 {
            let img = image::RgbImage::from_pixel(40 + i, 30, image::Rgb([shade, shade / 2, 0]));
            img.save(folder.join(class).join(format!("{i}.png")))
                .unwrap();
        }
    }
    let run = tmp.path().join("folder-run");
    let out = Command::new(env!("CARGO_BIN_EXE_latentlab"))
        .args([
            "train",
            "--model",
            "linear-ae",
            "--data",
            s(&folder),
            "--out",
            s(&run),
        ])
        .args([
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--validation-fraction",
            "0.25",
        ])
        .env("LATENTLAB_CACHE", tmp.path().join("cache"))
        .output()
        .unwrap();
    let out = ok(out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("on 18 images (6 held out)"));
    let manifest = json(&run.join("manifest.json"));
    assert_eq!(
        manifest["dataset"]["classes"],
        serde_json::json!(["cats", "dogs"])
    );
}

/// Every tensor of two exports' weights, compared bit for bit (tensor by tensor: the
/// file's metadata order is not stable, the numbers must be).
fn assert_same_weights(a: &Path, b: &Path, why: &str) {
    let a = std::fs::read(a.join("model.safetensors")).unwrap();
    let b = std::fs::read(b.join("model.safetensors")).unwrap();
    let (a, b) = (
        safetensors::SafeTensors::deserialize(&a).unwrap(),
        safetensors::SafeTensors::deserialize(&b).unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (name, tensor) in a.tensors() {
        assert_eq!(
            tensor.data(),
            b.tensor(&name).unwrap().data(),
            "{name}: {why}"
        );
    }
}

/// Names of the temporary files (`write_atomic`'s `.NAME.PID.tmp`) in `dir`.
fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).map_or_else(
        |_| Vec::new(),
        |entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".tmp"))
                .collect()
        },
    )
}

fn state_json(run: &Path) -> Option<Vec<u8>> {
    std::fs::read(run.join("checkpoint/state.json")).ok()
}

#[test]
fn killed_runs_resume_to_the_weights_of_an_uninterrupted_run() {
    let data = dataset("mnist");
    let tmp = tempfile::tempdir().unwrap();
    let (straight, killed) = (tmp.path().join("straight"), tmp.path().join("killed"));
    let common = [
        "--limit",
        "4000",
        "--batch-size",
        "50",
        "--seed",
        "5",
        "--epochs",
        "3",
    ];
    ok(train(
        "mnist-vae",
        &data,
        &straight,
        &[&common[..], &["--checkpoint-every", "epoch"]].concat(),
    ));
    // A VAE, so the resumed noise matters too. A checkpoint after (nearly) every
    // batch, so kills land between and inside writes.
    let args: Vec<&str> = [
        &[
            "train",
            "--model",
            "mnist-vae",
            "--data",
            s(&data),
            "--out",
            s(&killed),
        ][..],
        &common[..],
        &["--checkpoint-every", "1ms", "--resume"],
    ]
    .concat();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_latentlab"))
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (mut kills, mut mid_epoch, mut inside_a_write) = (0, 0, 0);
    // The first kill comes before any checkpoint exists (--resume then starts the run);
    // each later one a few milliseconds after the checkpoint moved on.
    for offset_ms in [None, Some(0), Some(2), Some(5), Some(9), Some(14)] {
        let before = state_json(&killed);
        let mut child = spawn();
        match offset_ms {
            None => std::thread::sleep(std::time::Duration::from_millis(20)),
            Some(offset) => {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while state_json(&killed) == before && std::time::Instant::now() < deadline {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                std::thread::sleep(std::time::Duration::from_millis(offset));
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        inside_a_write += usize::from(!temporary_files(&killed.join("checkpoint")).is_empty());
        if let Some(state) = state_json(&killed) {
            let state: serde_json::Value = serde_json::from_slice(&state).unwrap();
            mid_epoch += usize::from(!state["partial"].is_null());
        }
    }
    // One more kill, certainly inside a checkpoint write: every write stalls before its
    // rename, and the kill comes once a temporary file is there.
    let mut child = Command::new(env!("CARGO_BIN_EXE_latentlab"))
        .args(&args)
        .env("LATENTLAB_TEST_WRITE_STALL_MS", "400")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while temporary_files(&killed.join("checkpoint")).is_empty()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        !temporary_files(&killed.join("checkpoint")).is_empty(),
        "no checkpoint write was seen"
    );
    let committed = state_json(&killed);
    child.kill().unwrap();
    child.wait().unwrap();
    kills += 1;
    inside_a_write += 1;
    assert_eq!(
        state_json(&killed),
        committed,
        "a cut write leaves the committed state"
    );

    let out = ok(spawn().wait_with_output().unwrap());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("resuming"), "{stderr}");
    eprintln!("{kills} kills, {mid_epoch} mid-epoch, {inside_a_write} inside a checkpoint write");
    assert!(kills >= 5, "only {kills} kills landed before the run ended");
    assert!(
        mid_epoch >= 2,
        "only {mid_epoch} kills left a mid-epoch checkpoint"
    );
    assert_same_weights(
        &straight,
        &killed,
        "killed and resumed must equal uninterrupted",
    );
    let metrics = |run: &Path| {
        std::fs::read_to_string(run.join("metrics.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["loss"]
                    .as_f64()
                    .unwrap()
            })
            .collect::<Vec<_>>()
    };
    let (a, b) = (metrics(&straight), metrics(&killed));
    assert_eq!(a.len(), 3);
    for (a, b) in a.iter().zip(&b) {
        assert!((a - b).abs() <= 1e-12 * a.abs(), "epoch loss {a} vs {b}");
    }
    let left: Vec<String> = std::fs::read_dir(killed.join("checkpoint"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left.len(),
        3,
        "one checkpoint's files and nothing else: {left:?}"
    );
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Runs the CLI with its files capped at `max_bytes` each (as a full disk would cut
/// them short).
fn latentlab_with_file_limit(args: &[&str], max_bytes: u64) -> Output {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(env!("CARGO_BIN_EXE_latentlab"));
    command.args(args);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: max_bytes,
                rlim_max: max_bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    command.output().expect("the binary runs")
}

#[test]
fn a_full_disk_fails_by_name_and_keeps_the_last_checkpoint_and_export() {
    let data = dataset("mnist");
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let common = ["--limit", "1000", "--batch-size", "50", "--seed", "2"];
    let train_args = |extra: &[&str]| -> Vec<String> {
        [
            &[
                "train",
                "--model",
                "mlp-ae",
                "--data",
                s(&data),
                "--out",
                s(&run),
            ][..],
            &common[..],
            extra,
        ]
        .concat()
        .into_iter()
        .map(String::from)
        .collect()
    };
    ok(latentlab(&strs(&train_args(&["--epochs", "1"]))));
    let weights = std::fs::read(run.join("model.safetensors")).unwrap();
    let state = state_json(&run).unwrap();
    // 100 kB per file: the weights (about 880 kB) cannot be written. First a
    // mid-epoch checkpoint fails, then (checkpointing at epoch ends only) the export.
    for (every, failing) in [
        ("1ms", "checkpoint/model-0001-"),
        ("epoch", "model.safetensors"),
    ] {
        let args = train_args(&["--epochs", "2", "--resume", "--checkpoint-every", every]);
        let out = latentlab_with_file_limit(&strs(&args), 100_000);
        let stderr = refused(&out);
        assert!(
            stderr.contains("cannot write") && stderr.contains(failing),
            "--checkpoint-every {every}: {stderr}"
        );
        assert!(stderr.contains("File too large"), "{stderr}");
        assert_eq!(
            std::fs::read(run.join("model.safetensors")).unwrap(),
            weights
        );
        assert_eq!(
            state_json(&run).unwrap(),
            state,
            "the checkpoint after epoch 1 stays"
        );
        for dir in [run.clone(), run.join("checkpoint")] {
            let left = temporary_files(&dir);
            assert!(
                left.is_empty(),
                "{} left behind in {}",
                left.join(", "),
                dir.display()
            );
        }
    }
    // An export to a full disk fails by name and leaves the earlier export whole.
    let export = tmp.path().join("export");
    let export_args = [
        "export",
        "--weights",
        s(&run),
        "--out",
        s(&export),
        "--data",
        s(&data),
        "--points",
        "10",
    ];
    ok(latentlab(&export_args));
    let shipped = std::fs::read(export.join("model.safetensors")).unwrap();
    let out = latentlab_with_file_limit(&export_args, 100_000);
    let stderr = refused(&out);
    assert!(
        stderr.contains("cannot write") && stderr.contains("model.safetensors"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(export.join("model.safetensors")).unwrap(),
        shipped
    );
    // With room again the run continues from the checkpoint.
    ok(latentlab(&strs(&train_args(&[
        "--epochs", "2", "--resume",
    ]))));
    assert_eq!(json(&run.join("checkpoint/state.json"))["epoch"], 2);
}

#[test]
fn project_writes_pixel_and_encoder_spaces_with_their_separation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cars-dogs");
    let photos = dataset("cars-dogs");
    ok(latentlab(&[
        "project",
        "--data",
        s(&photos),
        "--out",
        s(&out),
        "--limit",
        "80",
        "--size",
        "16",
        "--iterations",
        "250",
        "--perplexity",
        "10",
    ]));
    let file = json(&out.join("projections.json"));
    assert_eq!(file["format"], "latentlab-projections");
    assert_eq!(file["classes"], serde_json::json!(["car", "dog"]));
    let labels = file["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 80);
    assert!(
        labels.iter().any(|l| l == 0) && labels.iter().any(|l| l == 1),
        "both classes drawn"
    );
    let space = &file["spaces"][0];
    assert_eq!(space["features"], "pixels");
    assert_eq!(space["feature_dim"], 3 * 16 * 16);
    let methods: Vec<&str> = space["projections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["points"].as_array().unwrap().len(), 80 * 3);
            let agreement = p["agreement"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&agreement));
            p["method"].as_str().unwrap()
        })
        .collect();
    assert_eq!(methods, ["pca", "tsne"]);
    assert!(out.join("pixels-tsne.png").exists() && out.join("pixels-pca.png").exists());
    // t-SNE's input is there for the page to rerun: 80 points on their top 50 axes.
    assert_eq!(space["reduced_dim"], 50);
    assert_eq!(space["reduced"].as_array().unwrap().len(), 80 * 50);
    // The photos as a 64-pixel atlas, 32 to a row, in point order.
    assert_eq!(
        file["thumbnails"],
        serde_json::json!({"file": "thumbnails.jpg", "side": 64, "columns": 32})
    );
    let atlas = image::open(out.join("thumbnails.jpg")).unwrap();
    assert_eq!((atlas.width(), atlas.height()), (32 * 64, 3 * 64));
    // --thumbnails-only remakes the atlas for the same images, and refuses others.
    std::fs::remove_file(out.join("thumbnails.jpg")).unwrap();
    let again = |limit: &str| {
        latentlab(&[
            "project",
            "--data",
            s(&photos),
            "--out",
            s(&out),
            "--limit",
            limit,
            "--size",
            "16",
            "--thumbnails-only",
        ])
    };
    ok(again("80"));
    assert!(out.join("thumbnails.jpg").exists());
    let other = again("60");
    let message = refused(&other);
    assert!(
        message.contains("projections.json") && message.contains("not these 60 images"),
        "{message}"
    );

    // An encoder adds its space: fashion-vae's 2-D means of Fashion-MNIST.
    let fashion = dir.path().join("fashion");
    ok(latentlab(&[
        "project",
        "--data",
        s(&dataset("fashion-mnist")),
        "--weights",
        "../../web/weights/fashion-vae",
        "--out",
        s(&fashion),
        "--limit",
        "120",
        "--iterations",
        "250",
    ]));
    let file = json(&fashion.join("projections.json"));
    let encoder = &file["spaces"][1];
    assert_eq!(encoder["features"], "encoder:fashion-vae");
    assert_eq!(
        encoder["projections"][0]["dims"], 2,
        "a 2-D latent projects to 2-D"
    );
    // Pixels of ten clothing classes are far from random neighbours (chance is about 0.1).
    assert!(file["spaces"][0]["agreement"].as_f64().unwrap() > 0.4);

    // A pretrained CNN's features tell cars from dogs where raw pixels barely do.
    let cnn = dataset("efficientnet-lite0").join("efficientnet_lite0_f16.safetensors");
    let with_cnn = dir.path().join("cars-dogs-cnn");
    ok(latentlab(&[
        "project",
        "--data",
        s(&photos),
        "--cnn",
        s(&cnn),
        "--out",
        s(&with_cnn),
        "--limit",
        "40",
        "--iterations",
        "250",
        "--perplexity",
        "8",
    ]));
    let file = json(&with_cnn.join("projections.json"));
    let features = &file["spaces"][1];
    assert_eq!(features["features"], "efficientnet-lite0");
    assert_eq!(features["feature_dim"], 1280);
    let cnn_agreement = features["agreement"].as_f64().unwrap();
    let pixel_agreement = file["spaces"][0]["agreement"].as_f64().unwrap();
    assert!(
        cnn_agreement > 0.9 && cnn_agreement > pixel_agreement,
        "CNN features {cnn_agreement}, pixels {pixel_agreement}"
    );
    assert!(with_cnn.join("efficientnet-lite0-tsne.png").exists());

    // Weights that are not the network's are refused by name.
    let bogus = dir.path().join("not-a-cnn.safetensors");
    std::fs::write(&bogus, b"not safetensors").unwrap();
    let bad = latentlab(&[
        "project",
        "--data",
        s(&photos),
        "--cnn",
        s(&bogus),
        "--out",
        s(&with_cnn),
        "--limit",
        "4",
    ]);
    let message = refused(&bad);
    assert!(
        message.contains("not-a-cnn.safetensors") && message.contains("EfficientNet-Lite0"),
        "{message}"
    );

    // Labels from an attribute need an attribute file.
    let bad = latentlab(&[
        "project",
        "--data",
        s(&photos),
        "--out",
        s(&out),
        "--label",
        "Male",
    ]);
    let message = refused(&bad);
    assert!(
        message.contains("has no attribute file") && message.contains("--label Male"),
        "{message}"
    );
}

/// Mean and per-cell pixels of the 8-column sample grid a GAN run writes per epoch.
fn grid_cells(png: &Path, side: usize) -> Vec<Vec<u8>> {
    let grid = image::open(png).unwrap().to_luma8();
    let columns = (grid.width() as usize + 2) / (side + 2);
    let rows = (grid.height() as usize + 2) / (side + 2);
    (0..rows * columns)
        .map(|i| {
            let (x0, y0) = ((i % columns) * (side + 2), (i / columns) * (side + 2));
            (0..side * side)
                .map(|p| grid.get_pixel((x0 + p % side) as u32, (y0 + p / side) as u32)[0])
                .collect()
        })
        .collect()
}

#[test]
fn a_short_gan_run_draws_varied_samples_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let fashion = dataset("fashion-mnist");
    let gan = |out: &Path, epochs: &str, extra: &[&str]| {
        let mut args = vec![
            "train",
            "--model",
            "fashion-gan",
            "--data",
            s(&fashion),
            "--limit",
            "512",
            "--epochs",
            epochs,
            "--out",
            s(out),
        ];
        args.extend_from_slice(extra);
        latentlab(&args)
    };
    let straight = dir.path().join("straight");
    ok(gan(&straight, "3", &[]));
    let cells = grid_cells(&straight.join("epochs/epoch-003-samples.png"), 32);
    assert_eq!(cells.len(), 64);
    let mean = |c: &[u8]| c.iter().map(|&v| f64::from(v)).sum::<f64>() / c.len() as f64;
    assert!(
        cells.iter().all(|c| mean(c) > 5.0 && mean(c) < 250.0),
        "no blank sample"
    );
    let different = cells
        .iter()
        .skip(1)
        .filter(|c| {
            c.iter()
                .zip(&cells[0])
                .filter(|(a, b)| a.abs_diff(**b) > 16)
                .count()
                > 50
        })
        .count();
    assert!(
        different > 56,
        "samples differ from each other: {different} of 63 differ from the first"
    );
    let metrics = std::fs::read_to_string(straight.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 3);
    assert!(metrics.contains("\"d_real\"") && metrics.contains("\"version\":1"));

    // Stopped after epoch 1 and resumed: the same epoch-3 samples, bit for bit.
    let resumed = dir.path().join("resumed");
    ok(gan(&resumed, "1", &[]));
    let again = gan(&resumed, "3", &[]);
    assert!(
        !again.status.success(),
        "a second run into a checkpointed folder needs --resume"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("pass --resume"));
    ok(gan(&resumed, "3", &["--resume"]));
    assert_eq!(
        std::fs::read(resumed.join("epochs/epoch-003-samples.png")).unwrap(),
        std::fs::read(straight.join("epochs/epoch-003-samples.png")).unwrap(),
        "resume is exact on the CPU"
    );
    let bad = gan(&dir.path().join("bad"), "1", &["--kl-warmup", "2"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("do not apply to a GAN"));
    let other_prior = gan(&resumed, "4", &["--resume", "--prior", "uniform"]);
    assert!(
        String::from_utf8_lossy(&other_prior.stderr).contains("another config (normal prior"),
        "{}",
        String::from_utf8_lossy(&other_prior.stderr)
    );

    // The run folder is an export of the generator: sample and export work on it,
    // what needs an encoder says why it cannot.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(straight.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["model"]["kind"], "gan");
    assert_eq!(manifest["model"]["config"]["prior"], "normal");
    assert_eq!(manifest["training"]["epochs"], 3);
    assert!(manifest["training"]["final_gan"]["d_real"].is_number());
    let raw = dir.path().join("raw.json");
    ok(latentlab(&[
        "sample",
        "--weights",
        s(&straight),
        "--out",
        s(&dir.path().join("grid.png")),
        "--count",
        "4",
        "--raw",
        s(&raw),
    ]));
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(raw).unwrap()).unwrap();
    assert_eq!(raw["prior"], "normal");
    assert_eq!(raw["pixels"].as_array().unwrap().len(), 4 * 32 * 32);
    let shipped = dir.path().join("shipped");
    ok(latentlab(&[
        "export",
        "--weights",
        s(&straight),
        "--out",
        s(&shipped),
    ]));
    assert!(
        shipped.join("model.safetensors").exists() && !shipped.join("points.safetensors").exists()
    );
    let points = latentlab(&[
        "export",
        "--weights",
        s(&straight),
        "--out",
        s(&dir.path().join("with-points")),
        "--points",
        "5",
    ]);
    assert!(String::from_utf8_lossy(&points.stderr).contains("no encoder to make points"));
    let eval = latentlab(&[
        "eval",
        "--weights",
        s(&straight),
        "--data",
        s(&fashion),
        "--out",
        s(&dir.path().join("eval")),
    ]);
    assert!(
        String::from_utf8_lossy(&eval.stderr).contains("it cannot be evaluated"),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );

    // With a weight average the export is the average, the live generator sits in
    // live/, and a resume must keep the decay.
    let averaged = dir.path().join("averaged");
    ok(gan(&averaged, "1", &["--average-decay", "0.9"]));
    let weights = |dir: &Path| std::fs::read(dir.join("model.safetensors")).unwrap();
    assert_ne!(weights(&averaged), weights(&averaged.join("live")));
    let other_decay = gan(&averaged, "2", &["--resume", "--average-decay", "0.5"]);
    assert!(refused(&other_decay).contains("--average-decay 0.9"));

    let uniform = dir.path().join("uniform");
    ok(gan(&uniform, "1", &["--prior", "uniform"]));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(uniform.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["model"]["config"]["prior"], "uniform");
}
