//! One run of the GPU-scale page: millions of draws and their histogram on one
//! backend, timed from the table upload to the counts being back on the page.

use latentlab_model::scale::{DeviceTable, counts_of};
use latentlab_sampling::fit::{ChiSquare, chi_square};
use latentlab_sampling::scale::{Proposal, Table};

use crate::services::engine::{Backend, now_ms, open_device, yield_to_browser};

/// Histogram bins (a divisor of the table's cells, so expected counts are exact).
pub const BINS: u32 = 128;

/// Draws per CPU chunk: the page yields to the browser between chunks, so a
/// 10^7-draw CPU run never freezes it for seconds.
const CPU_CHUNK: u32 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    Inverse,
    Rejection { proposal: Proposal, m: f32 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The distribution's catalogue name, for the results table.
    pub dist: String,
    pub table: Table,
    pub method: Method,
    pub seed: u32,
    pub draws: u32,
}

/// What a run produced and how long it took.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub backend: Backend,
    pub request: Request,
    /// Counts per bin of the draws (accepted draws, for rejection).
    pub counts: Vec<u64>,
    pub ms: f64,
    /// The counts against the bin probabilities of the sampled distribution.
    pub fit: ChiSquare,
}

impl Outcome {
    pub fn accepted(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn draws_per_second(&self) -> f64 {
        f64::from(self.request.draws) / (self.ms / 1000.0).max(1e-9)
    }
}

/// The bin probabilities `request`'s draws should follow.
pub fn expected(request: &Request) -> Result<Vec<f64>, String> {
    match request.method {
        Method::Inverse => request.table.inverse_bin_probabilities(BINS as usize),
        Method::Rejection { .. } => request.table.rejection_bin_probabilities(BINS as usize),
    }
}

/// Runs `request` on `backend`. The device is opened before the clock starts
/// (starting WebGPU is not sampling); the first WebGPU run still includes
/// compiling the kernels, which the page says.
pub async fn run(backend: Backend, request: Request) -> Result<Outcome, String> {
    let probabilities = expected(&request)?;
    let device = open_device(backend).await?;
    let start = now_ms();
    let table = DeviceTable::new(&request.table, &device);
    let chunk = match backend {
        Backend::Cpu => CPU_CHUNK,
        Backend::WebGpu => request.draws,
    };
    let mut counts = vec![0u64; BINS as usize];
    let mut first = 0u32;
    while first < request.draws {
        let count = chunk.min(request.draws - first);
        let draws = match request.method {
            Method::Inverse => table.inverse_transform_draws(request.seed, first, count),
            Method::Rejection { proposal, m } => {
                table.rejection_draws(proposal, m, request.seed, first, count)
            }
        };
        let data = table
            .histogram(draws, BINS)
            .into_data_async()
            .await
            .map_err(|e| format!("reading the histogram back failed: {e:?}"))?;
        for (total, add) in counts.iter_mut().zip(counts_of(data)) {
            *total += add;
        }
        first += count;
        if first < request.draws {
            yield_to_browser().await;
        }
    }
    let ms = now_ms() - start;
    let observed: Vec<usize> = counts.iter().map(|&c| c as usize).collect();
    Ok(Outcome {
        backend,
        fit: chi_square(&observed, &probabilities),
        request,
        counts,
        ms,
    })
}
