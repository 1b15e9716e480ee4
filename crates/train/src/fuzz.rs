//! Mutation fuzzing of every parser that reads a file a user hands over: IDX (plain
//! and gzipped), CelebA attributes and partitions, Frey's raw frames, images, the
//! export (manifest and weights), encoded points and checkpoint state.
//!
//! Stable Rust on purpose: cargo-fuzz needs a nightly toolchain, which a fresh machine
//! of this project cannot install. Each target starts from seed files in
//! `fuzz/corpus/<target>/` (synthetic, committed) and applies 1-4 stacked mutations
//! per input (bit flips, interesting integers, inserted tokens, deletions,
//! duplications, truncation, splices of another seed). The generator is seeded, so a
//! failure names (target, input number) and reruns identically. Every input must
//! return `Ok` or `Err`: a panic fails the run, and so does a parse whose live heap
//! grows past [`HEAP_CAP`], which is how a header claiming 10^12 elements shows up.
//!
//! `cargo test fuzz_` runs each target briefly; the long run and its figures:
//! `LATENTLAB_FUZZ_INPUTS=1000000 cargo test --release --bin latentlab fuzz_long -- --ignored --nocapture`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use latentlab_model::burn::prelude::Device;
use latentlab_model::latent::SeededRng;
use latentlab_model::weights::{Manifest, load_export, load_points};

use crate::checkpoint::CheckpointState;
use crate::data::{celeba, frey, idx, images};

/// The most a single input may add to the heap while it is parsed. Seeds are at most
/// a few kilobytes; only a size taken from the input itself could need more.
pub const HEAP_CAP: usize = 64 << 20;

/// Counts live heap bytes per thread, so each input's peak is known.
struct CountingAllocator;

/// Past this growth an input's allocation fails (the process aborts with "memory
/// allocation of N bytes failed") rather than letting the kernel's OOM killer pick a
/// victim among the machine's other jobs.
const HARD_CAP: isize = 1 << 30;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    /// This thread's live bytes when the current input started; `isize::MAX` between inputs.
    static ARMED_AT: Cell<isize> = const { Cell::new(isize::MAX) };
}

/// Counts `delta` bytes; false when an input would grow past [`HARD_CAP`].
fn track(delta: isize) -> bool {
    LIVE.try_with(|live| {
        let now = live.get() + delta;
        let start = ARMED_AT.try_with(Cell::get).unwrap_or(isize::MAX);
        if delta > 0 && start != isize::MAX && now - start > HARD_CAP {
            return false;
        }
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        true
    })
    .unwrap_or(true)
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counters are
// const-initialised thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !track(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !track(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !track(new_size as isize - layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f` and returns its result with the most it added to this thread's heap.
fn peak_growth<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    ARMED_AT.with(|a| a.set(start));
    let out = f();
    ARMED_AT.with(|a| a.set(isize::MAX));
    (out, (PEAK.with(Cell::get) - start).max(0) as usize)
}

/// Values that break size arithmetic and bounds checks.
const INTERESTING: [u64; 12] = [
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    1 << 40,
    u64::MAX,
];
const TOKENS: [&str; 16] = [
    "-1",
    "0",
    "1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "\n",
    "\r\n",
    ",",
    " ",
    "\"",
    "{",
    "}",
    "[]",
    "null",
    "\u{feff}",
];

/// Numbers that text formats (JSON, attribute tables) must refuse or survive.
const NUMBERS: [&str; 10] = [
    "0",
    "-1",
    "3",
    "65",
    "4294967296",
    "1000000000000",
    "18446744073709551616",
    "1e12",
    "0.5",
    "-0",
];

/// `(start, end)` of every run of ASCII digits in `data`.
fn digit_runs(data: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, b) in data.iter().enumerate() {
        match (b.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, data.len()));
    }
    runs
}

struct Mutator {
    rng: SeededRng,
}

impl Mutator {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n.max(1) as u64) as usize
    }

    /// `seed` with 1-4 stacked mutations; `other` is a second seed to splice from.
    fn mutate(&mut self, seed: &[u8], other: &[u8]) -> Vec<u8> {
        let mut data = seed.to_vec();
        for _ in 0..1 + self.below(4) {
            let len = data.len();
            match self.below(10) {
                0 if len > 0 => {
                    let i = self.below(len);
                    data[i] ^= 1 << self.below(8);
                }
                1 if len > 0 => {
                    let i = self.below(len);
                    data[i] = self.rng.next_u64() as u8;
                }
                2 if len > 0 => {
                    let value = INTERESTING[self.below(INTERESTING.len())];
                    let width = [1, 2, 4, 8][self.below(4)];
                    let bytes = if self.below(2) == 0 {
                        value.to_be_bytes()[8 - width..].to_vec()
                    } else {
                        value.to_le_bytes()[..width].to_vec()
                    };
                    let at = self.below(len);
                    for (k, b) in bytes.into_iter().enumerate() {
                        if let Some(slot) = data.get_mut(at + k) {
                            *slot = b;
                        }
                    }
                }
                3 => {
                    let at = self.below(len + 1);
                    let count = 1 + self.below(64);
                    let bytes: Vec<u8> = (0..count).map(|_| self.rng.next_u64() as u8).collect();
                    data.splice(at..at, bytes);
                }
                4 if len > 0 => {
                    let at = self.below(len);
                    let end = (at + 1 + self.below(64)).min(len);
                    data.drain(at..end);
                }
                5 if len > 0 => {
                    let at = self.below(len);
                    let end = (at + 1 + self.below(256)).min(len);
                    let copy = data[at..end].to_vec();
                    let to = self.below(len + 1);
                    data.splice(to..to, copy);
                }
                6 => data.truncate(self.below(len + 1)),
                7 if !other.is_empty() => {
                    let at = self.below(other.len());
                    let end = (at + 1 + self.below(512)).min(other.len());
                    let to = self.below(len + 1);
                    let cut = (to + self.below(512)).min(len);
                    data.splice(to..cut, other[at..end].iter().copied());
                }
                8 => {
                    // A number in a text format becomes one that breaks size arithmetic.
                    let runs: Vec<(usize, usize)> = digit_runs(&data);
                    if !runs.is_empty() {
                        let (at, end) = runs[self.below(runs.len())];
                        let number = NUMBERS[self.below(NUMBERS.len())].as_bytes();
                        data.splice(at..end, number.iter().copied());
                    }
                }
                _ => {
                    let token = TOKENS[self.below(TOKENS.len())].as_bytes();
                    let at = self.below(len + 1);
                    let cut = (at + self.below(8)).min(len);
                    data.splice(at..cut, token.iter().copied());
                }
            }
        }
        data
    }
}

/// A parser's verdict on some bytes: `Ok`, or its error message.
type Parse = Box<dyn Fn(&[u8]) -> Result<(), String>>;

/// One parser under test.
pub struct Target {
    pub name: &'static str,
    parse: Parse,
}

/// What one target's run found.
#[derive(Debug, Default)]
pub struct Report {
    pub inputs: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub failures: Vec<String>,
    pub largest_heap: usize,
    pub slowest: Duration,
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

/// Feeds `inputs` mutated seeds (and the seeds themselves) to `target`.
pub fn run(target: &Target, seeds: &[Vec<u8>], inputs: u64, seed: u64) -> Report {
    let mut mutator = Mutator {
        rng: SeededRng::new(seed),
    };
    let mut report = Report::default();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for n in 0..inputs {
        let input = if (n as usize) < seeds.len() {
            seeds[n as usize].clone()
        } else {
            let a = mutator.below(seeds.len());
            let b = mutator.below(seeds.len());
            mutator.mutate(&seeds[a], &seeds[b])
        };
        let started = Instant::now();
        let (outcome, heap) =
            peak_growth(|| catch_unwind(AssertUnwindSafe(|| (target.parse)(&input))));
        report.slowest = report.slowest.max(started.elapsed());
        report.largest_heap = report.largest_heap.max(heap);
        report.inputs += 1;
        match outcome {
            Ok(Ok(())) => report.accepted += 1,
            Ok(Err(_)) => report.rejected += 1,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                report.failures.push(format!(
                    "{} input {n} ({} bytes) panicked: {why}",
                    target.name,
                    input.len()
                ));
            }
        }
        if heap > HEAP_CAP {
            report.failures.push(format!(
                "{} input {n} ({} bytes) grew the heap by {heap} bytes (cap {HEAP_CAP})",
                target.name,
                input.len()
            ));
        }
        if report.failures.len() >= 5 {
            break;
        }
    }
    std::panic::set_hook(previous_hook);
    report
}

/// Synthetic seeds for every target: small, valid files of each format, made here so
/// no licensed data enters the repository.
#[cfg(test)]
fn write_corpus(corpus: &Path) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
    }

    fn fuzz_all(inputs_of: impl Fn(&str) -> u64, real_data: Option<&Path>) {
        let print = real_data.is_some();
        let corpus = corpus();
        let mut failures = Vec::new();
        for target in targets(&corpus) {
            let mut seeds = seeds(&corpus, target.name);
            if let Some(data) = real_data {
                seeds.extend(real_seeds(data, target.name));
            }
            let inputs = inputs_of(target.name);
            let started = Instant::now();
            let report = run(&target, &seeds, inputs, 0x5EED ^ inputs);
            if print {
                println!(
                    "| {} | {} | {} | {} | {} | {} | {:.1} MiB | {:.1} ms | {:.0} s |",
                    target.name,
                    seeds.len(),
                    report.inputs,
                    report.accepted,
                    report.rejected,
                    report.failures.len(),
                    report.largest_heap as f64 / (1 << 20) as f64,
                    report.slowest.as_secs_f64() * 1e3,
                    started.elapsed().as_secs_f64()
                );
            }
            failures.extend(report.failures);
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// The harness itself: a panic and a size taken from the input are both caught.
    #[test]
    fn the_harness_reports_panics_and_heap_growth() {
        let panicky = Target {
            name: "panicky",
            parse: Box::new(|b| {
                assert!(b.first() != Some(&b'!'), "bang");
                Ok(())
            }),
        };
        let report = run(&panicky, &[b"ok".to_vec(), b"!".to_vec()], 2, 1);
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        assert!(report.failures[0].contains("bang"));
        let greedy = Target {
            name: "greedy",
            parse: Box::new(|b| {
                let claimed = b.len() << 20;
                std::hint::black_box(vec![1u8; claimed]);
                Ok(())
            }),
        };
        let report = run(&greedy, &[vec![0; 100]], 1, 1);
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        assert!(report.largest_heap >= 100 << 20);
    }

    /// A few seconds per target, in every test run.
    #[test]
    fn fuzz_every_parser_briefly() {
        fuzz_all(
            |name| match name {
                "image" | "export-manifest" | "export-weights" | "idx-gz" => 300,
                _ => 3000,
            },
            None,
        );
    }

    /// The long run whose figures the README reports (see the module docs).
    #[test]
    #[ignore]
    fn fuzz_long() {
        let inputs: u64 = std::env::var("LATENTLAB_FUZZ_INPUTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        println!(
            "| parser | seeds | inputs | accepted | rejected | failures | largest heap growth | slowest | time |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        let data = std::env::var_os("LATENTLAB_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
        fuzz_all(|_| inputs, Some(&data));
    }

    /// Writes the synthetic seed corpus (run once; the files are committed).
    #[test]
    #[ignore]
    fn write_fuzz_corpus() {
        write_corpus(&corpus());
    }
}
