//! The CubeCL kernels behind [`ScaleBackend`] on GPUs. Each mirrors a function of
//! `latentlab_sampling::scale` in the same f32 steps, so a GPU draw equals the
//! CPU's draw up to the last bits of `ln`/`cos`/`exp`.

use super::ScaleBackend;
use burn::backend::ops::{FloatTensorOps, IntTensorOps};
use burn::backend::wgpu::{CubeBackend, CubeTensor};
use burn::tensor::{FloatDType, IntDType, Shape};
use cubecl::prelude::*;
use cubecl::{CubeDim, calculate_cube_count_elemwise};
use latentlab_sampling::scale::{Proposal, StreamKeys, TABLE_CELLS, cell_width, rejected_marker};

/// `latentlab_sampling::scale::hash32` (lowbias32).
#[cube]
fn hash32(value: u32) -> u32 {
    let mut x = value;
    x ^= x >> 16u32;
    x *= 0x7feb_352du32;
    x ^= x >> 15u32;
    x *= 0x846c_a68bu32;
    x ^= x >> 16u32;
    x
}

/// `latentlab_sampling::scale::uniform`: draw `index` of stream `key` in (0, 1).
#[cube]
fn uniform(key: u32, index: u32) -> f32 {
    (f32::cast_from(hash32(hash32(index) ^ key) >> 9u32) + 0.5f32) * (1.0f32 / 8_388_608.0f32)
}

/// `Table::quantile`: bisect the CDF row for u's cell, interpolate inside it.
#[cube]
fn table_quantile(table: &Tensor<f32>, u: f32, low: f32, step: f32) -> f32 {
    let mut lo = 0usize;
    let mut hi = TABLE_CELLS.runtime();
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if table[mid] <= u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let width = table[lo + 1] - table[lo];
    let mut t = 0.0f32;
    if width > 0.0f32 {
        t = (u - table[lo]) / width;
    }
    low + (f32::cast_from(lo) + t) * step
}

/// `Table::density`: the pdf row (after the CDF row) interpolated at x.
#[cube]
fn table_density(table: &Tensor<f32>, x: f32, low: f32, step: f32) -> f32 {
    let position = (x - low) / step;
    let mut density = 0.0f32;
    if position >= 0.0f32 && position < f32::cast_from(TABLE_CELLS) {
        let cell = usize::cast_from(position);
        let t = position - f32::cast_from(cell);
        let row = TABLE_CELLS + 1;
        density = table[row + cell] + t * (table[row + cell + 1] - table[row + cell]);
    }
    density
}

#[cube(launch)]
fn inverse_transform_kernel(
    table: &Tensor<f32>,
    output: &mut Tensor<f32>,
    low: f32,
    step: f32,
    key: u32,
    first: u32,
) {
    let i = ABSOLUTE_POS;
    if i >= output.len() {
        terminate!();
    }
    let u = uniform(key, first + u32::cast_from(i));
    output[i] = table_quantile(table, u, low, step);
}

/// `rejection_draws`; `normal` picks the proposal at compile time (the uniform
/// one needs no `ln`/`cos`).
#[cube(launch)]
fn rejection_kernel(
    table: &Tensor<f32>,
    output: &mut Tensor<f32>,
    low: f32,
    step: f32,
    keys: Sequence<u32>,
    first: u32,
    mean: f32,
    sd: f32,
    m: f32,
    rejected: f32,
    #[comptime] normal: bool,
) {
    let i = ABSOLUTE_POS;
    if i >= output.len() {
        terminate!();
    }
    let index = first + u32::cast_from(i);
    let u = uniform(*keys.index(0), index);
    let (x, q) = if normal {
        let angle = uniform(*keys.index(1), index);
        let radius = (-2.0f32 * u.ln()).sqrt();
        let z = radius * (6.283_185_5f32 * angle).cos();
        (
            mean + sd * z,
            (-0.5f32 * z * z).exp() / (sd * 2.506_628_3f32),
        )
    } else {
        let width = step * f32::cast_from(TABLE_CELLS);
        (low + width * u, 1.0f32 / width)
    };
    let accept = uniform(*keys.index(2), index) * m * q < table_density(table, x, low, step);
    if accept {
        output[i] = x;
    } else {
        output[i] = rejected;
    }
}

/// One atomic add per value inside the range.
#[cube(launch)]
fn histogram_kernel(
    values: &Tensor<f32>,
    counts: &mut Tensor<Atomic<i32>>,
    low: f32,
    scale: f32,
    bins: u32,
) {
    let i = ABSOLUTE_POS;
    if i >= values.len() {
        terminate!();
    }
    let position = (values[i] - low) * scale;
    if position >= 0.0f32 && position < f32::cast_from(bins) {
        counts[usize::cast_from(position)].fetch_add(1i32);
    }
}

/// Threads and cubes for one thread per element.
fn grid(tensor: &CubeTensor, elements: usize) -> (CubeCount, CubeDim) {
    let cube_dim = CubeDim::new(&tensor.client, elements);
    (
        calculate_cube_count_elemwise(&tensor.client, elements, cube_dim),
        cube_dim,
    )
}

fn empty_floats(like: &CubeTensor, count: u32) -> CubeTensor {
    CubeBackend::float_empty(Shape::new([count as usize]), &like.device, FloatDType::F32)
}

impl ScaleBackend for CubeBackend {
    fn inverse_transform_draws(
        table: CubeTensor,
        low: f32,
        high: f32,
        seed: u32,
        first: u32,
        count: u32,
    ) -> CubeTensor {
        let output = empty_floats(&table, count);
        let (cubes, cube_dim) = grid(&output, count as usize);
        inverse_transform_kernel::launch(
            &table.client.clone(),
            cubes,
            cube_dim,
            table.into_tensor_arg(),
            output.clone().into_tensor_arg(),
            low,
            cell_width(low, high),
            StreamKeys::new(seed).x,
            first,
        );
        output
    }

    fn rejection_draws(
        table: CubeTensor,
        low: f32,
        high: f32,
        proposal: Proposal,
        m: f32,
        seed: u32,
        first: u32,
        count: u32,
    ) -> CubeTensor {
        let output = empty_floats(&table, count);
        let (cubes, cube_dim) = grid(&output, count as usize);
        let (normal, mean, sd) = match proposal {
            Proposal::Uniform => (false, 0.0, 1.0),
            Proposal::Normal { mean, sd } => (true, mean, sd),
        };
        let run_keys = StreamKeys::new(seed);
        let mut keys = SequenceArg::new();
        for key in [run_keys.x, run_keys.angle, run_keys.accept] {
            keys.push(key);
        }
        rejection_kernel::launch(
            &table.client.clone(),
            cubes,
            cube_dim,
            table.into_tensor_arg(),
            output.clone().into_tensor_arg(),
            low,
            cell_width(low, high),
            keys,
            first,
            mean,
            sd,
            m,
            rejected_marker(low, high),
            normal,
        );
        output
    }

    fn histogram(values: CubeTensor, low: f32, high: f32, bins: u32) -> CubeTensor {
        let counts =
            CubeBackend::int_zeros(Shape::new([bins as usize]), &values.device, IntDType::I32);
        let elements = values.meta.num_elements();
        let (cubes, cube_dim) = grid(&values, elements);
        histogram_kernel::launch(
            &values.client.clone(),
            cubes,
            cube_dim,
            values.into_tensor_arg(),
            counts.clone().into_tensor_arg(),
            low,
            bins as f32 / (high - low),
            bins,
        );
        counts
    }
}
