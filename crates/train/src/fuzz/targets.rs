//! The fuzz targets: every parser of a user's file, each wrapped as bytes in,
//! `Ok` or an error message out, and the seeds each starts from.

use std::path::{Path, PathBuf};

use latentlab_model::burn::prelude::Device;
use latentlab_model::weights::{Manifest, load_export, load_points};

use crate::checkpoint::CheckpointState;
use crate::data::{celeba, frey, idx, images};

/// A parser's verdict on some bytes: `Ok`, or its error message.
type Parse = Box<dyn Fn(&[u8]) -> Result<(), String>>;

/// One parser under test.
pub struct Target {
    pub name: &'static str,
    pub(super) parse: Parse,
}

fn fake(name: &str) -> PathBuf {
    PathBuf::from(format!("fuzz/{name}"))
}

fn text(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))
}

fn err(e: impl std::fmt::Display) -> String {
    format!("{e:#}")
}

/// The export the export, weights and points targets start from: its manifest,
/// weights and points files from the committed corpus.
struct ExportSeed {
    manifest: Vec<u8>,
    weights: Vec<u8>,
}

fn export_seed(corpus: &Path) -> ExportSeed {
    let read = |name: &str| {
        std::fs::read(corpus.join("export").join(name))
            .unwrap_or_else(|e| panic!("fuzz corpus {}/export/{name}: {e}", corpus.display()))
    };
    ExportSeed {
        manifest: read("manifest.json"),
        weights: read("model.safetensors"),
    }
}

/// Every target, in the order the README's table lists them.
pub fn targets(corpus: &Path) -> Vec<Target> {
    let device = Device::flex();
    let seed = std::rc::Rc::new(export_seed(corpus));
    let mut all = vec![
        Target {
            name: "idx",
            parse: Box::new(|b| idx::parse_idx(b, &fake("idx")).map(drop).map_err(err)),
        },
        Target {
            name: "idx-gz",
            parse: Box::new(|b| {
                let raw = idx::gunzip(b, &fake("idx.gz")).map_err(err)?;
                idx::parse_idx(&raw, &fake("idx.gz")).map(drop).map_err(err)
            }),
        },
        Target {
            name: "celeba-attributes",
            parse: Box::new(|b| {
                celeba::parse_attributes(text(b)?, &fake("list_attr_celeba.txt"))
                    .map(drop)
                    .map_err(err)
            }),
        },
        Target {
            name: "celeba-partitions",
            parse: Box::new(|b| {
                celeba::parse_partitions(text(b)?, &fake("list_eval_partition.txt"))
                    .map(drop)
                    .map_err(err)
            }),
        },
        Target {
            name: "frey",
            parse: Box::new(|b| {
                frey::parse(b.to_vec(), &fake("frey.raw"))
                    .map(drop)
                    .map_err(err)
            }),
        },
        Target {
            name: "image",
            parse: Box::new(|b| {
                images::decode_fit_bytes(b, &fake("image"), [3, 64, 64])
                    .map(drop)
                    .map_err(err)
            }),
        },
        Target {
            name: "checkpoint-state",
            parse: Box::new(|b| {
                serde_json::from_slice::<CheckpointState>(b)
                    .map(drop)
                    .map_err(err)
            }),
        },
    ];
    {
        let (seed, device) = (seed.clone(), device.clone());
        all.push(Target {
            name: "export-manifest",
            parse: Box::new(move |b| {
                load_export(b, &seed.weights, &device)
                    .map(drop)
                    .map_err(err)
            }),
        });
    }
    {
        let (seed, device) = (seed.clone(), device.clone());
        all.push(Target {
            name: "export-weights",
            // The manifest is told the new length, so the parse goes past that check.
            parse: Box::new(move |b| {
                let mut manifest = Manifest::from_json(&seed.manifest).map_err(err)?;
                manifest.weights_bytes = b.len() as u64;
                load_export(manifest.to_json().as_bytes(), b, &device)
                    .map(drop)
                    .map_err(err)
            }),
        });
    }
    {
        let seed = seed.clone();
        all.push(Target {
            name: "points",
            parse: Box::new(move |b| {
                let mut manifest = Manifest::from_json(&seed.manifest).map_err(err)?;
                if let Some(points) = manifest.points.as_mut() {
                    points.bytes = b.len() as u64;
                }
                load_points(&manifest, b).map(drop).map_err(err)
            }),
        });
    }
    all
}

/// The seed files of `target` (sorted by name), or a loud failure naming the folder.
pub fn seeds(corpus: &Path, target: &str) -> Vec<Vec<u8>> {
    let dir = match target {
        "export-manifest" | "export-weights" | "points" => corpus.join("export"),
        other => corpus.join(other),
    };
    let wanted = |name: &str| match target {
        "export-manifest" => name.ends_with(".json"),
        "export-weights" => name.ends_with(".safetensors") && !name.starts_with("points"),
        "points" => name.starts_with("points"),
        _ => true,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("NO FUZZ CORPUS: {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| wanted(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "NO FUZZ CORPUS: {} has no seeds for {target}",
        dir.display()
    );
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Seeds cut from the real datasets under `data` (never committed: their licences),
/// for the long run. Each is a valid file of its format, shortened so a million
/// mutations stay affordable; a missing file fails loudly.
pub fn real_seeds(data: &Path, target: &str) -> Vec<Vec<u8>> {
    let read = |relative: &str| {
        let path = data.join(relative);
        std::fs::read(&path).unwrap_or_else(|e| panic!("NO TEST DATA: {}: {e}", path.display()))
    };
    let gunzipped = |relative: &str| idx::gunzip(&read(relative), Path::new(relative)).unwrap();
    // The first `count` items of a real IDX file, its header told the new count.
    let idx_head = |relative: &str, count: u32| {
        let bytes = gunzipped(relative);
        let rank = bytes[3] as usize;
        let per_item: usize = (1..rank)
            .map(|i| u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap()) as usize)
            .product();
        let header = 4 + 4 * rank;
        let mut out = bytes[..header + per_item * count as usize].to_vec();
        out[4..8].copy_from_slice(&count.to_be_bytes());
        out
    };
    let lines = |relative: &str, keep: usize| {
        let text = String::from_utf8(read(relative)).unwrap();
        text.lines()
            .take(keep)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let gz = |bytes: &[u8]| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    };
    let labels = idx_head("mnist/t10k-labels-idx1-ubyte.gz", 1000);
    let digits = idx_head("mnist/t10k-images-idx3-ubyte.gz", 20);
    match target {
        "idx" => vec![labels, digits],
        "idx-gz" => vec![gz(&labels), gz(&digits)],
        "celeba-attributes" => {
            let table = lines("celeba64/list_attr_celeba.txt", 52);
            let rest = table.split_once('\n').unwrap().1;
            vec![format!("50\n{rest}").into_bytes()]
        }
        "celeba-partitions" => vec![lines("celeba64/list_eval_partition.txt", 50).into_bytes()],
        "frey" => vec![read("frey/frey_faces_uint8_1965x28x20.raw")[..20 * 560].to_vec()],
        "image" => vec![
            read("celeba64/img_align_celeba/000001.jpg"),
            read("celeba64/img_align_celeba/162771.jpg"),
            read("celeba/img_align_celeba/000001.jpg"),
        ],
        "export-manifest" => ["fashion-vae", "mlp-ae", "celeba-vae"]
            .iter()
            .map(|name| {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../web/weights")
                    .join(name)
                    .join("manifest.json");
                std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            })
            .collect(),
        // The weights, points and checkpoint formats are this project's own: the
        // committed seeds are real files of them.
        _ => Vec::new(),
    }
}
