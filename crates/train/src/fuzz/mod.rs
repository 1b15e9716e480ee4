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
//! `LATENTLAB_FUZZ_INPUTS=1000000 cargo test --release -p latentlab-train --lib fuzz_long -- --ignored --nocapture`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(test)]
mod corpus;
mod mutate;
mod targets;

use mutate::Mutator;
pub use targets::{Target, real_seeds, seeds, targets};

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

/// Feeds `inputs` mutated seeds (and the seeds themselves) to `target`.
pub fn run(target: &Target, seeds: &[Vec<u8>], inputs: u64, seed: u64) -> Report {
    let mut mutator = Mutator::new(seed);
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

#[cfg(test)]
mod tests {
    use super::corpus::write_corpus;
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
