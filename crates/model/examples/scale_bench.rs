//! Draws per second of the `scale` ops, CPU (flex) and wgpu side by side in one run:
//! `cargo run --release -p latentlab-model --features wgpu --example scale_bench -- [draws] [runs]`.
//!
//! Each timing covers uploading the table, drawing, binning and reading the 128
//! counts back (what the page times); one untimed run first compiles the kernels.

use std::time::Instant;

use latentlab_model::burn::prelude::*;
use latentlab_model::scale::{DeviceTable, counts_of};
use latentlab_sampling::catalogue::{Named, default_drawing};
use latentlab_sampling::scale::{Proposal, Table};

const BINS: u32 = 128;

/// One timed job: the draws and, unless `draws_only`, their histogram (then the
/// device is synced, so the draw kernel has finished).
fn run(
    device: &Device,
    table: &Table,
    rejection: Option<(Proposal, f32)>,
    draws: u32,
    draws_only: bool,
) -> u64 {
    let on_device = DeviceTable::new(table, device);
    let values = match rejection {
        None => on_device.inverse_transform_draws(1, 0, draws),
        Some((proposal, m)) => on_device.rejection_draws(proposal, m, 1, 0, draws),
    };
    if draws_only {
        device.sync().expect("the draw kernel runs");
        drop(values);
        return 0;
    }
    counts_of(on_device.histogram(values, BINS).into_data())
        .iter()
        .sum()
}

fn median_ms(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let draws: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let mut devices = vec![("cpu (flex)", Device::flex())];
    match Device::wgpu_options().init() {
        Ok(gpu) => devices.push(("wgpu", gpu)),
        Err(e) => eprintln!("no wgpu adapter ({e:?}): CPU only"),
    }
    let mixture = Named::new("mixture", &default_drawing()).expect("mixture");
    let normal = Named::new("normal", &[]).expect("normal");
    let jobs = [
        ("inverse transform, normal", Table::of(&normal), None),
        (
            "rejection, mixture, Gaussian q, M = 2.5",
            Table::of(&mixture),
            Some((Proposal::Normal { mean: 0.0, sd: 2.0 }, 2.5)),
        ),
    ];
    println!("{draws} draws, median of {runs} runs");
    println!("| job | backend | ms | draws/s | kept | ms without the histogram |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (job, table, rejection) in &jobs {
        let mut rates = Vec::new();
        for (name, device) in &devices {
            run(device, table, *rejection, draws.min(1_000_000), false);
            let mut kept = 0;
            let mut time = |draws_only: bool| {
                let times: Vec<f64> = (0..runs)
                    .map(|_| {
                        let start = Instant::now();
                        kept = kept.max(run(device, table, *rejection, draws, draws_only));
                        start.elapsed().as_secs_f64() * 1000.0
                    })
                    .collect();
                median_ms(times)
            };
            let (ms, draws_ms) = (time(false), time(true));
            let rate = draws as f64 / (ms / 1000.0);
            rates.push(rate);
            println!("| {job} | {name} | {ms:.1} | {rate:.3e} | {kept} | {draws_ms:.1} |");
        }
        if let [cpu, gpu] = rates[..] {
            println!("| {job} | wgpu / cpu | | {:.2}x | | |", gpu / cpu);
        }
    }
}
