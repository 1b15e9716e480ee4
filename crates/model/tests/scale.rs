//! The `scale` kernels on wgpu (Mesa's lavapipe without a GPU) against the CPU path:
//! the same draws up to float rounding, and the same goodness-of-fit tests passed
//! by the GPU's own output. Finding no adapter fails, as in `wgpu_parity.rs`.
#![cfg(all(feature = "wgpu", feature = "flex"))]

use latentlab_model::burn::prelude::*;
use latentlab_model::scale::{DeviceTable, counts_of};
use latentlab_sampling::catalogue::{Named, default_drawing};
use latentlab_sampling::fit::{chi_square, kolmogorov_smirnov, two_sample_chi_square};
use latentlab_sampling::scale::{Proposal, Table};
use latentlab_sampling::{Continuous, scale};

const DRAWS: u32 = 1_000_000;
const BINS: u32 = 128;

/// burn's wgpu runtime starts once per process, so the tests share one device.
fn gpu() -> Device {
    static GPU: std::sync::OnceLock<Device> = std::sync::OnceLock::new();
    GPU.get_or_init(|| {
        Device::wgpu_options()
            .init()
            .expect("no wgpu adapter: install mesa-vulkan-drivers (scripts/setup.sh does)")
    })
    .clone()
}

fn named(name: &str) -> Named {
    Named::new(name, &default_drawing()).unwrap()
}

fn floats(tensor: Tensor<1>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

fn as_usize(counts: &[u64]) -> Vec<usize> {
    counts.iter().map(|&c| c as usize).collect()
}

#[test]
fn inverse_transform_on_wgpu_matches_the_cpu_and_fits() {
    let gpu = gpu();
    for name in ["exponential", "normal", "mixture", "drawn"] {
        let dist = named(name);
        let table = Table::of(&dist);
        let on_gpu = DeviceTable::new(&table, &gpu);
        let draws = on_gpu.inverse_transform_draws(21, 0, DRAWS);
        let counts = counts_of(on_gpu.histogram(draws.clone(), BINS).into_data());
        let draws = floats(draws);

        let cpu = scale::inverse_transform_draws(&table, 21, 0, DRAWS);
        let worst = draws
            .iter()
            .zip(&cpu)
            .map(|(g, c)| (g - c).abs())
            .fold(0.0f32, f32::max);
        eprintln!("{name}: max |gpu - cpu| = {worst:e}");
        assert!(worst < 1e-4, "{name}: max |gpu - cpu| = {worst}");

        // The kernel's histogram counts exactly what the CPU counts of the same draws.
        let recount = scale::histogram(&draws, table.low, table.high, BINS);
        assert_eq!(
            counts,
            recount.iter().map(|&c| c as u64).collect::<Vec<_>>(),
            "{name}"
        );
        assert_eq!(counts.iter().sum::<u64>(), DRAWS as u64, "{name}");

        let chi = chi_square(
            &as_usize(&counts),
            &table.inverse_bin_probabilities(BINS as usize).unwrap(),
        );
        let samples: Vec<f64> = draws.iter().map(|&x| x as f64).collect();
        let ks = kolmogorov_smirnov(&samples, |x| dist.cdf(x));
        eprintln!(
            "{name}: wgpu chi-square p = {:.3}, KS p = {:.3}",
            chi.p_value, ks.p_value
        );
        assert!(chi.p_value > 0.001, "{name}: {chi:?}");
        assert!(ks.p_value > 0.001, "{name}: {ks:?}");
    }
}

#[test]
fn rejection_on_wgpu_accepts_one_in_m_matches_the_cpu_and_fits() {
    let gpu = gpu();
    let target = named("mixture");
    let table = Table::of(&target);
    let on_gpu = DeviceTable::new(&table, &gpu);
    for (proposal, m) in [
        (Proposal::Uniform, 6.0f32),
        (Proposal::Normal { mean: 0.0, sd: 2.0 }, 2.5),
    ] {
        let draws = on_gpu.rejection_draws(proposal, m, 8, 0, DRAWS);
        let counts = counts_of(on_gpu.histogram(draws.clone(), BINS).into_data());
        let draws = floats(draws);
        let cpu = scale::rejection_draws(&table, proposal, m, 8, 0, DRAWS);
        // A GPU's ln/cos/exp may differ from the CPU's in the last bits (lavapipe's
        // do not), moving a few draws across a bin edge or the acceptance line: the
        // two runs are compared as samples, not draw by draw.
        let disagreements = draws
            .iter()
            .zip(&cpu)
            .filter(|(g, c)| (*g - *c).abs() > 1e-4)
            .count();
        eprintln!("{proposal:?}: {disagreements} of {DRAWS} draws differ from the CPU's");
        let cpu_counts: Vec<u64> = scale::histogram(&cpu, table.low, table.high, BINS)
            .into_iter()
            .map(u64::from)
            .collect();
        let same = two_sample_chi_square(&counts, &cpu_counts);
        assert!(same.p_value > 0.001, "{proposal:?}: gpu vs cpu {same:?}");

        let accepted: u64 = counts.iter().sum();
        let rate = accepted as f64 / DRAWS as f64;
        assert!(
            (rate * m as f64 - 1.0).abs() < 0.02,
            "{proposal:?}: acceptance {rate}, 1/M = {}",
            1.0 / m
        );
        let chi = chi_square(
            &as_usize(&counts),
            &table.rejection_bin_probabilities(BINS as usize).unwrap(),
        );
        assert!(chi.p_value > 0.001, "{proposal:?}: {chi:?}");
        let samples: Vec<f64> = draws
            .iter()
            .filter(|&&x| x != table.rejected())
            .map(|&x| x as f64)
            .collect();
        let ks = kolmogorov_smirnov(&samples, |x| target.cdf(x));
        eprintln!(
            "{proposal:?}: acceptance {rate:.5} (1/M {:.5}), chi-square p = {:.3}, KS p = {:.3}",
            1.0 / m,
            chi.p_value,
            ks.p_value
        );
        assert!(ks.p_value > 0.001, "{proposal:?}: {ks:?}");
    }
}

/// An envelope below the target (M too small) biases the GPU's output, and the same
/// test notices: the checks above can fail.
#[test]
fn a_broken_envelope_on_wgpu_fails_the_fit() {
    let gpu = gpu();
    let table = Table::of(&named("mixture"));
    let on_gpu = DeviceTable::new(&table, &gpu);
    let proposal = Proposal::Normal { mean: 0.0, sd: 2.0 };
    let draws = on_gpu.rejection_draws(proposal, 1.0, 8, 0, DRAWS);
    let counts = counts_of(on_gpu.histogram(draws, BINS).into_data());
    let chi = chi_square(
        &as_usize(&counts),
        &table.rejection_bin_probabilities(BINS as usize).unwrap(),
    );
    assert!(chi.p_value < 1e-6, "{chi:?}");
}

/// The flex path through burn's dispatch is the sampling crate's reference.
#[test]
fn flex_path_is_the_reference() {
    let cpu = Device::flex();
    let table = Table::of(&named("normal"));
    let on_cpu = DeviceTable::new(&table, &cpu);
    let draws = floats(on_cpu.inverse_transform_draws(3, 100, 5000));
    assert_eq!(draws, scale::inverse_transform_draws(&table, 3, 100, 5000));
    let tensor = Tensor::<1>::from_data(TensorData::new(draws.clone(), [5000]), &cpu);
    let counts = counts_of(on_cpu.histogram(tensor, 16).into_data());
    let want: Vec<u64> = scale::histogram(&draws, table.low, table.high, 16)
        .into_iter()
        .map(u64::from)
        .collect();
    assert_eq!(counts, want);
}
