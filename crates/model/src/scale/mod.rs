//! Ten million draws on a device: inverse transform sampling, rejection sampling
//! and their histogram as custom kernels.
//!
//! burn has no op for "look u up in a CDF table", and composing one from tensor ops
//! would materialise several 10^7-element intermediates per draw. So each job is
//! one custom op of a burn backend extension: on WebGPU/Vulkan/Metal/CUDA it is a
//! CubeCL kernel ([`kernels`]); on the CPU (flex) it is latentlab-sampling's
//! reference code, which the kernels follow step for step in the same f32
//! arithmetic. The page times both on the same request.

#[cfg(feature = "wgpu")]
mod kernels;

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Dispatch, backend_extension};
use burn::prelude::*;
use latentlab_sampling::scale::{Proposal, TABLE_CELLS, Table};

/// The custom ops. Implemented for the cubecl backend (every GPU API burn's wgpu
/// and cuda features reach) and for flex; any other backend panics in burn's
/// dispatch, which latentlab never builds.
#[backend_extension(Cube: cfg(feature = "wgpu"), Flex: cfg(feature = "flex"))]
pub trait ScaleBackend: burn::backend::Backend {
    /// Draws `first .. first + count` by inverse transform through `table`
    /// (`[2, TABLE_CELLS + 1]`: the CDF row, then the pdf row, over `[low, high]`).
    fn inverse_transform_draws(
        table: FloatTensor<Self>,
        low: f32,
        high: f32,
        seed: u32,
        first: u32,
        count: u32,
    ) -> FloatTensor<Self>;

    /// Proposals `first .. first + count` of rejection sampling of the table's pdf
    /// under `m q(x)`: x where accepted, `Table::rejected` (below the range) where not.
    fn rejection_draws(
        table: FloatTensor<Self>,
        low: f32,
        high: f32,
        proposal: Proposal,
        m: f32,
        seed: u32,
        first: u32,
        count: u32,
    ) -> FloatTensor<Self>;

    /// Counts of `values` in `bins` equal bins over `[low, high)`; values outside
    /// (and NaN) are skipped.
    fn histogram(values: FloatTensor<Self>, low: f32, high: f32, bins: u32) -> IntTensor<Self>;
}

/// A [`Table`] on a device, ready for the kernels.
#[derive(Debug, Clone)]
pub struct DeviceTable {
    rows: Tensor<2>,
    pub low: f32,
    pub high: f32,
}

impl DeviceTable {
    pub fn new(table: &Table, device: &Device) -> Self {
        let values: Vec<f32> = table.cdf.iter().chain(&table.pdf).copied().collect();
        Self {
            rows: Tensor::from_data(TensorData::new(values, [2, TABLE_CELLS + 1]), device),
            low: table.low,
            high: table.high,
        }
    }

    /// Draws `first .. first + count` of inverse transform (`[count]`).
    pub fn inverse_transform_draws(&self, seed: u32, first: u32, count: u32) -> Tensor<1> {
        Tensor::from_dispatch(Dispatch::inverse_transform_draws(
            self.rows.clone().into_dispatch(),
            self.low,
            self.high,
            seed,
            first,
            count,
        ))
    }

    /// Proposals `first .. first + count` of rejection sampling: x, or
    /// `Table::rejected` for a rejected one (`[count]`).
    pub fn rejection_draws(
        &self,
        proposal: Proposal,
        m: f32,
        seed: u32,
        first: u32,
        count: u32,
    ) -> Tensor<1> {
        Tensor::from_dispatch(Dispatch::rejection_draws(
            self.rows.clone().into_dispatch(),
            self.low,
            self.high,
            proposal,
            m,
            seed,
            first,
            count,
        ))
    }

    /// The histogram of `draws` in `bins` equal bins over the table's range.
    pub fn histogram(&self, draws: Tensor<1>, bins: u32) -> Tensor<1, Int> {
        histogram(draws, self.low, self.high, bins)
    }
}

/// Counts of `values` in `bins` equal bins over `[low, high)` (`[bins]`).
pub fn histogram(values: Tensor<1>, low: f32, high: f32, bins: u32) -> Tensor<1, Int> {
    Tensor::from_dispatch(Dispatch::histogram(values.into_dispatch(), low, high, bins))
}

/// Histogram counts read back as plain numbers.
pub fn counts_of(data: TensorData) -> Vec<u64> {
    data.iter::<i64>().map(|c| c.max(0) as u64).collect()
}

#[cfg(feature = "flex")]
mod flex {
    use super::*;
    use burn::backend::Flex;
    use burn::backend::flex::FlexTensor;
    use latentlab_sampling::scale;

    fn table_of(rows: FlexTensor, low: f32, high: f32) -> Table {
        let mut values = rows
            .into_data()
            .try_to_vec::<f32>()
            .expect("a table is made of f32");
        let pdf = values.split_off(TABLE_CELLS + 1);
        Table {
            low,
            high,
            cdf: values,
            pdf,
        }
    }

    fn floats(values: Vec<f32>) -> FlexTensor {
        let count = values.len();
        FlexTensor::from_data(TensorData::new(values, [count]))
    }

    impl ScaleBackend for Flex {
        fn inverse_transform_draws(
            table: FlexTensor,
            low: f32,
            high: f32,
            seed: u32,
            first: u32,
            count: u32,
        ) -> FlexTensor {
            let table = table_of(table, low, high);
            floats(scale::inverse_transform_draws(&table, seed, first, count))
        }

        fn rejection_draws(
            table: FlexTensor,
            low: f32,
            high: f32,
            proposal: Proposal,
            m: f32,
            seed: u32,
            first: u32,
            count: u32,
        ) -> FlexTensor {
            let table = table_of(table, low, high);
            floats(scale::rejection_draws(
                &table, proposal, m, seed, first, count,
            ))
        }

        fn histogram(values: FlexTensor, low: f32, high: f32, bins: u32) -> FlexTensor {
            let values = values.into_data().try_to_vec::<f32>().expect("f32 draws");
            let counts: Vec<i32> = scale::histogram(&values, low, high, bins)
                .into_iter()
                .map(|c| c as i32)
                .collect();
            FlexTensor::from_data(TensorData::new(counts, [bins as usize]))
        }
    }
}
