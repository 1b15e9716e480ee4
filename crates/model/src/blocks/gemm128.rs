//! A small f32 gemm for 128-bit SIMD, which the page's wasm multiplies with instead
//! of the `gemm` crate.
//!
//! Why: in V8 a wasm function has about a dozen SIMD registers; the `gemm` crate's
//! wasm kernel keeps 12 accumulators (12 x 4 tiles) and spills, so it ran the face
//! decoder's gemms at 27-31 GFLOP/s. A 4 x 8 tile (8 accumulators) over a packed,
//! contiguous panel of the right operand runs the same shapes at 37-40 (Node 20,
//! 2026-12-06, measured side by side), and at about 49 with the `relaxed-simd`
//! feature's fused multiply-adds (the page's CPU build). Native builds keep the
//! `gemm` crate, whose AVX2/AVX-512 kernels are faster there; this file compiles
//! natively too, with a portable lane type, so its packing and edge handling are
//! unit-tested (`cargo test`).

use super::cpu::Mat;

/// Rows of a tile: one broadcast value each per step along `k`.
const TILE_ROWS: usize = 4;
/// Columns of a tile: two 4-lane vectors.
const TILE_COLS: usize = 8;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    #[cfg(not(feature = "relaxed-simd"))]
    use core::arch::wasm32::{f32x4_add, f32x4_mul};
    use core::arch::wasm32::{f32x4_splat, v128, v128_load, v128_load32_splat, v128_store};

    /// Four f32 lanes.
    #[derive(Clone, Copy)]
    pub struct F4(v128);

    impl F4 {
        #[inline(always)]
        pub fn zero() -> Self {
            Self(f32x4_splat(0.0))
        }

        /// Lanes `values[..4]`.
        #[inline(always)]
        pub fn load(values: &[f32]) -> Self {
            assert!(values.len() >= 4);
            // SAFETY: four values are in bounds; v128 loads need no alignment.
            Self(unsafe { v128_load(values.as_ptr().cast()) })
        }

        /// `value` in every lane.
        #[inline(always)]
        pub fn splat(value: &f32) -> Self {
            // SAFETY: a reference is a valid f32 to read.
            Self(unsafe { v128_load32_splat(std::ptr::from_ref(value).cast()) })
        }

        #[inline(always)]
        pub fn store(self, out: &mut [f32]) {
            assert!(out.len() >= 4);
            // SAFETY: four values are in bounds; v128 stores need no alignment.
            unsafe { v128_store(out.as_mut_ptr().cast(), self.0) }
        }

        /// `self + a * b`: with the `relaxed-simd` feature one fused multiply-add
        /// (inlined only into [`super::matmul`], which enables relaxed SIMD), else a
        /// multiply and an add (what every wasm engine has).
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            #[cfg(feature = "relaxed-simd")]
            return Self(core::arch::wasm32::f32x4_relaxed_madd(a.0, b.0, self.0));
            #[cfg(not(feature = "relaxed-simd"))]
            Self(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    /// Four f32 lanes (the portable stand-in for `v128`, for tests).
    #[derive(Clone, Copy)]
    pub struct F4([f32; 4]);

    impl F4 {
        pub fn zero() -> Self {
            Self([0.0; 4])
        }

        pub fn load(values: &[f32]) -> Self {
            Self([values[0], values[1], values[2], values[3]])
        }

        pub fn splat(value: &f32) -> Self {
            Self([*value; 4])
        }

        pub fn store(self, out: &mut [f32]) {
            out[..4].copy_from_slice(&self.0);
        }

        pub fn mul_add(self, a: Self, b: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i] + a.0[i] * b.0[i]))
        }
    }
}

use lanes::F4;

/// `dst[m, n]` (row-major, `n` per row) `= lhs[m, k] . rhs[k, n]`, plus what `dst`
/// held when `accumulate`. Sums run along `k` in order, one product at a time.
///
/// The whole function gets relaxed SIMD, not just [`tile`]: a function with a target
/// feature is not inlined into one without it, and a tile called per 4 x 8 block
/// (its sums returned through memory) was 7% slower over the face decoder.
#[cfg_attr(
    all(target_arch = "wasm32", feature = "relaxed-simd"),
    target_feature(enable = "relaxed-simd")
)]
pub fn matmul(dst: &mut [f32], m: usize, n: usize, k: usize, lhs: Mat, rhs: Mat, accumulate: bool) {
    assert!(dst.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return;
    }
    let row_blocks = m.div_ceil(TILE_ROWS);
    // lhs in blocks of TILE_ROWS rows, each stored column by column (zero rows pad
    // the last block), so a step along k reads TILE_ROWS consecutive values: a panel of
    // lhs seen transposed (a transposed conv's weight is then copied 4 values at a time).
    let mut packed_lhs = vec![0.0f32; row_blocks * k * TILE_ROWS];
    let lhs_t = lhs.t();
    for (b, block) in packed_lhs.chunks_exact_mut(k * TILE_ROWS).enumerate() {
        let i0 = b * TILE_ROWS;
        pack_panel::<TILE_ROWS>(block, lhs_t, i0, TILE_ROWS.min(m - i0));
    }
    // One panel of TILE_COLS columns of rhs at a time, reused by every row block.
    // Packed even where rhs's rows are contiguous: read in place, a panel of an image
    // 1024 pixels wide has its rows 4 KB apart, all in one L1 set (the decoder ran
    // 1.7x slower).
    let mut panel = vec![0.0f32; k * TILE_COLS];
    for j0 in (0..n).step_by(TILE_COLS) {
        let width = TILE_COLS.min(n - j0);
        pack_panel::<TILE_COLS>(&mut panel, rhs, j0, width);
        for (block, lhs_block) in packed_lhs.chunks_exact(k * TILE_ROWS).enumerate() {
            let tile = tile(lhs_block, &panel);
            let i0 = block * TILE_ROWS;
            let rows = TILE_ROWS.min(m - i0);
            for (r, sums) in tile.iter().enumerate().take(rows) {
                let out = &mut dst[(i0 + r) * n + j0..][..width];
                if width == TILE_COLS && !accumulate {
                    sums[0].store(&mut out[..4]);
                    sums[1].store(&mut out[4..]);
                    continue;
                }
                let mut values = [0.0f32; TILE_COLS];
                sums[0].store(&mut values[..4]);
                sums[1].store(&mut values[4..]);
                for (o, v) in out.iter_mut().zip(values) {
                    *o = if accumulate { *o + v } else { v };
                }
            }
        }
    }
}

/// Columns `j0..j0 + width` of `view`'s rows, `W` values a row in `dst` (zeros pad a
/// narrower panel). Contiguous rows are copied `W` values at a time: one value at a
/// time, packing cost as much as the output conv's products.
#[inline(always)]
fn pack_panel<const W: usize>(dst: &mut [f32], view: Mat, j0: usize, width: usize) {
    match view.rows_from(j0) {
        Some((rows, ld)) if width == W => {
            for (p, row) in dst.chunks_exact_mut(W).enumerate() {
                row.copy_from_slice(&rows[p * ld..][..W]);
            }
        }
        _ => {
            for (p, row) in dst.chunks_exact_mut(W).enumerate() {
                for (q, value) in row.iter_mut().enumerate() {
                    *value = if q < width { view.at(p, j0 + q) } else { 0.0 };
                }
            }
        }
    }
}

/// One `TILE_ROWS x TILE_COLS` tile of the product: a packed lhs block
/// `[k][TILE_ROWS]` against a panel `[k][TILE_COLS]`, in 8 accumulators.
///
/// With `relaxed-simd` each step along `k` is 8 fused multiply-adds instead of 8
/// multiplies and 8 adds: V8 issues about a quarter fewer instructions per step, and
/// those, not the arithmetic units, bound this loop (it ran 5-6 cycles a step, the
/// adds and multiplies alone need 4).
#[inline(always)]
fn tile(lhs_block: &[f32], panel: &[f32]) -> [[F4; 2]; TILE_ROWS] {
    let mut sums = [[F4::zero(); 2]; TILE_ROWS];
    for (a, b) in lhs_block
        .chunks_exact(TILE_ROWS)
        .zip(panel.chunks_exact(TILE_COLS))
    {
        let (b0, b1) = (F4::load(&b[..4]), F4::load(&b[4..]));
        for (row, value) in sums.iter_mut().zip(a) {
            let a = F4::splat(value);
            row[0] = row[0].mul_add(a, b0);
            row[1] = row[1].mul_add(a, b1);
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32
                    / 16_777_216.0
                    - 0.5
            })
            .collect()
    }

    #[test]
    fn products_match_the_definition_for_every_edge_and_layout() {
        for (m, n, k) in [
            (1, 1, 1),
            (4, 8, 3),
            (5, 9, 7),
            (27, 70, 64),
            (3, 2, 0),
            (13, 17, 1),
        ] {
            let lhs = values(m * k, 1);
            let lhs_t: Vec<f32> = (0..k * m).map(|x| lhs[(x % m) * k + x / m]).collect();
            let rhs = values(k * n, 2);
            let rhs_t: Vec<f32> = (0..n * k).map(|x| rhs[(x % k) * n + x / k]).collect();
            let start = values(m * n, 3);
            let want = |accumulate: bool| -> Vec<f32> {
                (0..m * n)
                    .map(|x| {
                        let (i, j) = (x / n, x % n);
                        let sum: f64 = (0..k)
                            .map(|p| f64::from(lhs[i * k + p]) * f64::from(rhs[p * n + j]))
                            .sum();
                        sum as f32 + if accumulate { start[x] } else { 0.0 }
                    })
                    .collect()
            };
            for accumulate in [false, true] {
                for (transposed, rhs_transposed) in [(false, false), (true, false), (false, true)] {
                    let a = if transposed {
                        Mat::transpose_of(&lhs_t, m)
                    } else {
                        Mat::new(&lhs, k)
                    };
                    let b = if rhs_transposed {
                        Mat::transpose_of(&rhs_t, k)
                    } else {
                        Mat::new(&rhs, n)
                    };
                    let mut got = if accumulate {
                        start.clone()
                    } else {
                        vec![9.0; m * n]
                    };
                    matmul(&mut got, m, n, k, a, b, accumulate);
                    for (x, (g, w)) in got.iter().zip(want(accumulate)).enumerate() {
                        assert!(
                            (g - w).abs() <= 1e-5,
                            "{m}x{n}x{k} accumulate {accumulate} transposed {transposed} {rhs_transposed}: [{x}] {g} vs {w}"
                        );
                    }
                }
            }
        }
    }
}
