//! The fused blocks' arithmetic on plain `f32` slices in NCHW order: im2col + gemm
//! convolutions (forward, input, weight and bias gradients), transposed
//! convolutions as their adjoints, and BatchNorm + LeakyReLU in one pass forward and
//! two backward.
//!
//! Why by hand: burn-flex has no conv backward of its own, so burn's default turns
//! the weight gradient into a conv with batch and channels swapped (many small,
//! single-threaded gemms) and BatchNorm into about twenty tensor passes. Here every
//! image is one gemm of a useful size (M = output channels, N = output pixels,
//! K = input channels x 9), images run in parallel, and each thread reuses its
//! column buffer and accumulates its own weight gradient, summed once at the end.

use gemm::Parallelism;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use gemm::gemm;

/// One convolution's geometry: a `channels x height x width` image seen through a
/// square `kernel` at `stride` with `padding`, giving `out_height x out_width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub out_height: usize,
    pub out_width: usize,
}

impl Geometry {
    /// The geometry of a conv over `channels x height x width`.
    pub fn conv(
        channels: usize,
        height: usize,
        width: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> Self {
        Self {
            channels,
            height,
            width,
            kernel,
            stride,
            padding,
            out_height: (height + 2 * padding - kernel) / stride + 1,
            out_width: (width + 2 * padding - kernel) / stride + 1,
        }
    }

    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    pub fn patch(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    /// Columns of the column matrix: one per output pixel.
    pub fn pixels(&self) -> usize {
        self.out_height * self.out_width
    }

    pub fn image(&self) -> usize {
        self.channels * self.height * self.width
    }
}

/// The output columns `lo..hi` whose input column `ow * stride + kw - padding`
/// lies inside a row of `width` pixels.
#[inline]
fn valid_columns(g: &Geometry, kw: usize) -> (usize, usize) {
    let lo = g.padding.saturating_sub(kw).div_ceil(g.stride);
    let hi = (g.width + g.padding)
        .saturating_sub(kw)
        .div_ceil(g.stride)
        .min(g.out_width);
    (lo.min(hi), hi)
}

/// `cols[patch, pixels]` of one image: each column is the receptive field of one
/// output pixel (zero where it hangs over the padding). Bounds are worked out once
/// per row, so the inner loops are plain copies (stride 1) or gathers.
///
/// `cols` has rows of `ld` values and this image fills columns `at..at + pixels`,
/// so several images can share one column matrix (one gemm for all of them).
pub fn im2col(image: &[f32], g: &Geometry, cols: &mut [f32], ld: usize, at: usize) {
    if is_halving(g) {
        return im2col_halving(image, g, cols, ld, at);
    }
    im2col_any(image, g, cols, ld, at)
}

fn im2col_any(image: &[f32], g: &Geometry, cols: &mut [f32], ld: usize, at: usize) {
    let pixels = g.pixels();
    let (k, s) = (g.kernel, g.stride);
    for c in 0..g.channels {
        let plane = &image[c * g.height * g.width..(c + 1) * g.height * g.width];
        for kh in 0..k {
            for kw in 0..k {
                let (lo, hi) = valid_columns(g, kw);
                let row = &mut cols[((c * k + kh) * k + kw) * ld + at..][..pixels];
                for (oh, out) in row.chunks_exact_mut(g.out_width).enumerate() {
                    let ih = (oh * s + kh) as isize - g.padding as isize;
                    if ih < 0 || ih >= g.height as isize {
                        out.fill(0.0);
                        continue;
                    }
                    let line = &plane[ih as usize * g.width..(ih as usize + 1) * g.width];
                    out[..lo].fill(0.0);
                    out[hi..].fill(0.0);
                    let first = lo * s + kw - g.padding;
                    if s == 1 {
                        out[lo..hi].copy_from_slice(&line[first..first + hi - lo]);
                    } else {
                        for (o, &v) in out[lo..hi].iter_mut().zip(line[first..].iter().step_by(s)) {
                            *o = v;
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds every column entry back onto the pixel it came
/// from, reading columns `at..at + pixels` of rows of `ld` values. `image` must be
/// zeroed (or hold what the sum should start from).
pub fn col2im(cols: &[f32], g: &Geometry, image: &mut [f32], ld: usize, at: usize) {
    if is_halving(g) {
        return col2im_halving(cols, g, image, ld, at);
    }
    col2im_any(cols, g, image, ld, at)
}

fn col2im_any(cols: &[f32], g: &Geometry, image: &mut [f32], ld: usize, at: usize) {
    let pixels = g.pixels();
    let (k, s) = (g.kernel, g.stride);
    for c in 0..g.channels {
        let plane = &mut image[c * g.height * g.width..(c + 1) * g.height * g.width];
        for kh in 0..k {
            for kw in 0..k {
                let (lo, hi) = valid_columns(g, kw);
                let row = &cols[((c * k + kh) * k + kw) * ld + at..][..pixels];
                for (oh, values) in row.chunks_exact(g.out_width).enumerate() {
                    let ih = (oh * s + kh) as isize - g.padding as isize;
                    if ih < 0 || ih >= g.height as isize {
                        continue;
                    }
                    let line = &mut plane[ih as usize * g.width..(ih as usize + 1) * g.width];
                    let first = lo * s + kw - g.padding;
                    if s == 1 {
                        for (o, &v) in line[first..first + hi - lo].iter_mut().zip(&values[lo..hi])
                        {
                            *o += v;
                        }
                    } else {
                        for (o, &v) in line[first..].iter_mut().step_by(s).zip(&values[lo..hi]) {
                            *o += v;
                        }
                    }
                }
            }
        }
    }
}

/// The zoo's down-sampling conv (3x3, stride 2, padding 1 over even sizes), where
/// output pixel `(i, j)` of tap `(kh, kw)` reads input `(2i + kh - 1, 2j + kw - 1)`.
/// Split by the parity of that input pixel, the taps are four "phase planes" (every
/// other row and column, from row `a` and column `b`), the five border taps being
/// those planes shifted by one row and/or column. So im2col is one deinterleaving pass
/// plus contiguous copies, and col2im contiguous adds plus one interleaving pass,
/// instead of a strided gather or scatter of a few values per row: the generic path
/// spent 24% of fashion-ae's training step there.
fn is_halving(g: &Geometry) -> bool {
    g.kernel == 3
        && g.stride == 2
        && g.padding == 1
        && g.height.is_multiple_of(2)
        && g.width.is_multiple_of(2)
        && g.height >= 2
        && g.width >= 2
}

/// Parity of the input row (or column) tap `k` reads, and whether it reads the
/// output's previous row (column): tap 0 reads `2i - 1`, tap 1 `2i`, tap 2 `2i + 1`.
const HALVING_TAPS: [(usize, bool); 3] = [(1, true), (0, false), (1, false)];

/// [`im2col`] for [`is_halving`] geometries.
fn im2col_halving(image: &[f32], g: &Geometry, cols: &mut [f32], ld: usize, at: usize) {
    let (w, oh, ow) = (g.width, g.out_height, g.out_width);
    let pixels = oh * ow;
    let row = |c: usize, kh: usize, kw: usize| (c * 9 + kh * 3 + kw) * ld + at;
    for c in 0..g.channels {
        let plane = &image[c * g.height * w..][..g.height * w];
        // The unshifted taps: tap (1 + a, 1 + b) holds phase plane (a, b).
        for a in 0..2 {
            // Taps (1 + a, 1) and (1 + a, 2) are neighbouring rows of `cols`.
            let (even, odd) = cols[row(c, 1 + a, 1)..].split_at_mut(ld);
            let lines = plane.chunks_exact(w).skip(a).step_by(2);
            for ((line, even), odd) in lines
                .zip(even[..pixels].chunks_exact_mut(ow))
                .zip(odd[..pixels].chunks_exact_mut(ow))
            {
                for ((pair, e), o) in line.chunks_exact(2).zip(even).zip(odd) {
                    *e = pair[0];
                    *o = pair[1];
                }
            }
        }
        // The border taps: the plane of the same parity, one row and/or column on.
        for (kh, &(a, up)) in HALVING_TAPS.iter().enumerate() {
            for (kw, &(b, left)) in HALVING_TAPS.iter().enumerate() {
                if !up && !left {
                    continue;
                }
                let src = row(c, 1 + a, 1 + b);
                let dst = row(c, kh, kw);
                let shift = if up { ow } else { 0 } + usize::from(left);
                if shift < pixels {
                    cols.copy_within(src..src + pixels - shift, dst + shift);
                }
                let out = &mut cols[dst..dst + pixels];
                if up {
                    out[..ow].fill(0.0);
                }
                if left {
                    out.iter_mut().step_by(ow).for_each(|v| *v = 0.0);
                }
            }
        }
    }
}

/// [`col2im`] for [`is_halving`] geometries: each phase plane's sum of taps, then
/// one interleaving pass onto the image.
fn col2im_halving(cols: &[f32], g: &Geometry, image: &mut [f32], ld: usize, at: usize) {
    col2im_halving_with(cols, g, image, ld, at, |_, pixel, sum| *pixel += sum);
}

/// [`col2im_halving`] that hands each pixel's sum to `put(channel, pixel, sum)`
/// instead of adding it: the interleaving pass then also applies bias and activation.
fn col2im_halving_with(
    cols: &[f32],
    g: &Geometry,
    image: &mut [f32],
    ld: usize,
    at: usize,
    put: impl Fn(usize, &mut f32, f32),
) {
    let (w, oh, ow) = (g.width, g.out_height, g.out_width);
    let pixels = oh * ow;
    let row = |c: usize, kh: usize, kw: usize| &cols[(c * 9 + kh * 3 + kw) * ld + at..][..pixels];
    let mut sums = vec![0.0f32; 4 * pixels];
    for c in 0..g.channels {
        for (phase, sum) in sums.chunks_exact_mut(pixels).enumerate() {
            let (a, b) = (phase / 2, phase % 2);
            sum.copy_from_slice(row(c, 1 + a, 1 + b));
            for (kh, &(ta, up)) in HALVING_TAPS.iter().enumerate() {
                for (kw, &(tb, left)) in HALVING_TAPS.iter().enumerate() {
                    if ta != a || tb != b || (!up && !left) {
                        continue;
                    }
                    // Output (i, j) of this tap lands on phase pixel (i - up, j - left).
                    let tap = row(c, kh, kw);
                    let (i0, j0) = (usize::from(up), usize::from(left));
                    for i in i0..oh {
                        let src = &tap[i * ow + j0..(i + 1) * ow];
                        let dst = &mut sum[(i - i0) * ow..][..ow - j0];
                        for (d, &s) in dst.iter_mut().zip(src) {
                            *d += s;
                        }
                    }
                }
            }
        }
        let plane = &mut image[c * g.height * w..][..g.height * w];
        for i in 0..oh {
            for a in 0..2 {
                let line = &mut plane[(2 * i + a) * w..][..w];
                let even = &sums[(2 * a) * pixels + i * ow..][..ow];
                let odd = &sums[(2 * a + 1) * pixels + i * ow..][..ow];
                for ((pair, &e), &o) in line.chunks_exact_mut(2).zip(even).zip(odd) {
                    put(c, &mut pair[0], e);
                    put(c, &mut pair[1], o);
                }
            }
        }
    }
}

/// A matrix in a slice, for [`matmul`]: entry `(i, j)` is `data[i * row_stride + j *
/// col_stride]`.
#[derive(Clone, Copy)]
pub(super) struct Mat<'a> {
    data: &'a [f32],
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A row-major matrix with `cols` values per row.
    pub(super) fn new(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix with `cols` values per row, without a copy
    /// (gemm packs its operands anyway).
    pub(super) fn transpose_of(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            row_stride: 1,
            col_stride: cols,
        }
    }

    /// Entry `(i, j)`.
    #[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
    pub(super) fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.row_stride + j * self.col_stride]
    }

    /// The entries from `(0, j)` on and the step from one row to the next, when each
    /// row's entries are contiguous: gemm128 then packs its panels a row at a time.
    #[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
    pub(super) fn rows_from(&self, j: usize) -> Option<(&'a [f32], usize)> {
        (self.col_stride == 1).then(|| (&self.data[j..], self.row_stride))
    }

    /// The same entries seen transposed: entry `(j, i)` of the result is `(i, j)`.
    #[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
    pub(super) fn t(self) -> Self {
        Self {
            data: self.data,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Whether every entry of a `rows x cols` view lies inside the slice.
    fn holds(&self, rows: usize, cols: usize) -> bool {
        rows == 0
            || cols == 0
            || self.data.len() > (rows - 1) * self.row_stride + (cols - 1) * self.col_stride
    }
}

/// `dst = lhs * rhs` on every core (rayon builds only): for the one big gemm of a
/// dense layer. (Cutting it into per-thread row blocks instead was measured slower:
/// mnist-vae 13,900 -> 9,700-11,700 images/s, 2 cores, 2026-12-06.)
fn matmul_parallel(dst: &mut [f32], m: usize, n: usize, k: usize, lhs: Mat, rhs: Mat) {
    #[cfg(feature = "rayon")]
    let parallelism = Parallelism::Rayon(0);
    #[cfg(not(feature = "rayon"))]
    let parallelism = Parallelism::None;
    matmul_on(dst, m, n, k, lhs, rhs, false, parallelism);
}

/// `dst[m, n] (row-major) = lhs[m, k] * rhs[k, n] (+ dst when `accumulate`)`, on the
/// calling thread (the callers already run one image per thread).
fn matmul(dst: &mut [f32], m: usize, n: usize, k: usize, lhs: Mat, rhs: Mat, accumulate: bool) {
    matmul_on(dst, m, n, k, lhs, rhs, accumulate, Parallelism::None);
}

#[allow(clippy::too_many_arguments)]
fn matmul_on(
    dst: &mut [f32],
    m: usize,
    n: usize,
    k: usize,
    lhs: Mat,
    rhs: Mat,
    accumulate: bool,
    parallelism: Parallelism,
) {
    assert!(dst.len() >= m * n);
    assert!(lhs.holds(m, k) && rhs.holds(k, n));
    // The page's wasm multiplies with its own 128-bit kernel (see `gemm128`).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let _ = parallelism;
        super::gemm128::matmul(dst, m, n, k, lhs, rhs, accumulate)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    // SAFETY: the asserts keep every matrix inside its slice, and `dst` (a unique
    // borrow) aliases neither operand.
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// A pointer through which parallel workers write disjoint parts of one buffer. It
/// carries the buffer's length and every span is checked against it, so a wrong
/// range panics instead of writing past the buffer; disjointness stays the callers'
/// promise.
#[derive(Clone, Copy)]
struct Disjoint {
    start: *mut f32,
    len: usize,
}
// SAFETY: every user writes only the part of the buffer that belongs to its image.
unsafe impl Send for Disjoint {}
unsafe impl Sync for Disjoint {}

impl Disjoint {
    fn new(values: &mut [f32]) -> Self {
        Self {
            start: values.as_mut_ptr(),
            len: values.len(),
        }
    }

    /// The spare capacity of `buffer`, for writes into memory not yet initialised.
    fn spare(buffer: &mut Vec<f32>) -> Self {
        debug_assert!(buffer.is_empty());
        Self {
            start: buffer.as_mut_ptr(),
            len: buffer.capacity(),
        }
    }

    /// The `index`-th chunk of `len` values.
    ///
    /// # Safety
    /// No two live chunks may overlap and the buffer must outlive them.
    #[allow(clippy::mut_from_ref)]
    unsafe fn chunk(&self, index: usize, len: usize) -> &mut [f32] {
        unsafe { self.span(index * len..(index + 1) * len) }
    }

    /// The address of `range`'s first value, for writes into memory not yet
    /// initialised (a slice of it would read as initialised).
    ///
    /// # Safety
    /// The buffer must outlive the pointer, and no one else may use `range`.
    unsafe fn at(&self, range: std::ops::Range<usize>) -> *mut f32 {
        self.check(&range);
        unsafe { self.start.add(range.start) }
    }

    /// The values at `range`.
    ///
    /// # Safety
    /// As [`Self::chunk`].
    #[allow(clippy::mut_from_ref)]
    unsafe fn span(&self, range: std::ops::Range<usize>) -> &mut [f32] {
        self.check(&range);
        unsafe { std::slice::from_raw_parts_mut(self.start.add(range.start), range.len()) }
    }

    /// Panics unless `range` lies within the buffer.
    fn check(&self, range: &std::ops::Range<usize>) {
        assert!(
            range.start <= range.end && range.end <= self.len,
            "span {range:?} of {} values",
            self.len
        );
    }
}

std::thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Images are split into at most this many pieces, whatever the thread count, so
/// the order in which per-piece gradients are summed never changes: results are
/// bit-identical from run to run (resume is exact) and between wasm and native.
const PIECES: usize = 8;

/// Images per gemm for a layer with `pixels` output pixels: small feature maps are
/// stacked side by side until a gemm has about 256 columns, because gemm runs far
/// below peak on thin matrices (a 4x4 map alone gives N = 16).
fn group_size(pixels: usize) -> usize {
    (GEMM_COLUMNS / pixels.max(1)).max(1)
}

/// Measured side by side (2026-12-01, 2 cores): 1,024 columns trains fashion-vae 5-15%
/// slower than 256 and celeba-vae no faster (the wider column blocks fall out of L2).
const GEMM_COLUMNS: usize = 256;

/// Runs `work(state, scratch, first, count)` for consecutive groups of at most
/// `group` images, the pieces in parallel where rayon is on, each piece with its
/// own `state` (from `init`) and a `scratch` buffer of `scratch_len` values; the
/// states are merged in piece order. The images are dealt into [`PIECES`] equal
/// runs first (so two threads get equal work even when a deep layer's groups are
/// few and large), then grouped within each run. Pieces depend only on the sizes,
/// so the result is the same on any number of threads.
fn over_groups<S: Send>(
    images: usize,
    group: usize,
    scratch_len: usize,
    init: impl Fn() -> S + Sync + Send,
    work: impl Fn(&mut S, &mut [f32], usize, usize) + Sync + Send,
    merge: impl Fn(S, S) -> S,
) -> S {
    let pieces = images.clamp(1, PIECES);
    let run_piece = |piece: usize| {
        let mut state = init();
        // Each worker thread keeps its scratch buffer between calls: fresh multi-MB
        // buffers every op cost page faults and TLB shootdowns.
        let mut scratch = SCRATCH.with(|cell| std::mem::take(&mut *cell.borrow_mut()));
        if scratch.len() < scratch_len {
            scratch.resize(scratch_len, 0.0);
        }
        let end = (piece + 1) * images / pieces;
        let mut first = piece * images / pieces;
        while first < end {
            let count = group.min(end - first);
            work(&mut state, &mut scratch[..scratch_len], first, count);
            first += count;
        }
        SCRATCH.with(|cell| *cell.borrow_mut() = scratch);
        state
    };
    #[cfg(feature = "rayon")]
    let states: Vec<S> = {
        use rayon::prelude::*;
        (0..pieces).into_par_iter().map(run_piece).collect()
    };
    #[cfg(not(feature = "rayon"))]
    let states: Vec<S> = (0..pieces).map(run_piece).collect();
    states.into_iter().reduce(merge).unwrap_or_else(init)
}

/// Copies `rows` rows of `len` values from `src` (rows `len` apart) into `dst` at
/// column `at` of rows `ld` apart.
fn gather_rows(src: &[f32], rows: usize, len: usize, dst: &mut [f32], ld: usize, at: usize) {
    for r in 0..rows {
        dst[r * ld + at..][..len].copy_from_slice(&src[r * len..(r + 1) * len]);
    }
}

/// The inverse of [`gather_rows`].
fn scatter_rows(src: &[f32], ld: usize, at: usize, rows: usize, len: usize, dst: &mut [f32]) {
    for r in 0..rows {
        dst[r * len..(r + 1) * len].copy_from_slice(&src[r * ld + at..][..len]);
    }
}

/// Runs `work(index)` for `0..count`, in parallel where rayon is on.
fn for_each(count: usize, work: impl Fn(usize) + Sync + Send) {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..count).into_par_iter().for_each(work);
    }
    #[cfg(not(feature = "rayon"))]
    (0..count).for_each(work);
}

/// Adds the elementwise sum of `b` into `a` (the merge of per-worker gradients).
fn add_into(mut a: Vec<f32>, b: Vec<f32>) -> Vec<f32> {
    for (x, y) in a.iter_mut().zip(&b) {
        *x += y;
    }
    a
}

/// Stride-1 convs into at most this many channels, and into fewer than they read
/// (the output convs: 32 -> 1, 64 -> 3), multiply on the output side: the
/// im2col matrix of such a conv is `in x 9` rows per pixel for `out` rows of gemm
/// work (9.4 MB per 64x64 face for a 64 -> 3 conv), and a gemm into 1-3 rows runs far
/// below peak. Instead every output channel's 9 taps are one gemm of `9 x out` rows
/// over the input pixels, and the taps are shifted onto the output (see
/// [`conv_forward_output_side`]).
const OUTPUT_SIDE_MAX_OUT: usize = 4;

fn runs_output_side(g: &Geometry, out: usize) -> bool {
    g.stride == 1 && out <= OUTPUT_SIDE_MAX_OUT && out < g.channels
}

/// Calls `row(kh, kw, oh, ih, lo, hi)` for every kernel tap and output row `oh` of a
/// stride-1 conv whose input row `ih = oh + kh - padding` exists: output columns
/// `lo..hi` read input columns from `lo + kw - padding` on.
#[inline]
fn stride1_taps(g: &Geometry, mut row: impl FnMut(usize, usize, usize, usize, usize, usize)) {
    let k = g.kernel;
    for kh in 0..k {
        for kw in 0..k {
            let (lo, hi) = valid_columns(g, kw);
            for oh in 0..g.out_height {
                let ih = (oh + kh) as isize - g.padding as isize;
                if ih >= 0 && (ih as usize) < g.height && lo < hi {
                    row(kh, kw, oh, ih as usize, lo, hi);
                }
            }
        }
    }
}

/// `[out, in, taps]` weights as `[out x taps, in]` (row `o * taps + tap`), or with
/// `transpose` as `[in, out x taps]`: the tap-major layout of the output-side gemm.
fn tap_major(weight: &[f32], out: usize, input: usize, taps: usize, transpose: bool) -> Vec<f32> {
    let rows = out * taps;
    let mut w = vec![0.0f32; rows * input];
    for o in 0..out {
        for c in 0..input {
            for t in 0..taps {
                let v = weight[(o * input + c) * taps + t];
                let row = o * taps + t;
                if transpose {
                    w[c * rows + row] = v;
                } else {
                    w[row * input + c] = v;
                }
            }
        }
    }
    w
}

/// A stride-1 conv with few output channels: `T [out x taps, in pixels] = W [out x
/// taps, in] . X [in, in pixels]` (one gemm per image, X as it is in memory), then
/// `y[o, p] = bias[o] + sum over taps of T[o, tap][p + offset(tap)]`: the same
/// products as im2col + gemm, with a gemm of `9 x out` rows and no column matrix.
fn conv_forward_output_side(
    x: &[f32],
    g: &Geometry,
    weight: &[f32],
    bias: &[f32],
    out: usize,
) -> Vec<f32> {
    let batch = x.len() / g.image();
    let (pixels, plane, taps) = (g.pixels(), g.height * g.width, g.kernel * g.kernel);
    let rows = out * taps;
    let w = tap_major(weight, out, g.channels, taps, false);
    let mut y = zeroed(batch * out * pixels);
    let dst = Disjoint::new(&mut y);
    over_groups(
        batch,
        1,
        rows * plane,
        || (),
        |_, products, b, _| {
            let x_b = &x[b * g.image()..(b + 1) * g.image()];
            matmul(
                products,
                rows,
                plane,
                g.channels,
                Mat::new(&w, g.channels),
                Mat::new(x_b, plane),
                false,
            );
            // SAFETY: image b's output block is written by this worker only.
            let y_b = unsafe { dst.chunk(b, out * pixels) };
            for (o, y_o) in y_b.chunks_exact_mut(pixels).enumerate() {
                y_o.fill(bias[o]);
                stride1_taps(g, |kh, kw, oh, ih, lo, hi| {
                    let row = &products[(o * taps + kh * g.kernel + kw) * plane..][..plane];
                    let from = &row[ih * g.width + lo + kw - g.padding..][..hi - lo];
                    let to = &mut y_o[oh * g.out_width + lo..oh * g.out_width + hi];
                    for (t, &v) in to.iter_mut().zip(from) {
                        *t += v;
                    }
                });
            }
        },
        |_, _| (),
    );
    y
}

/// Gradients of [`conv_forward_output_side`]: `dT` (each tap's output gradient
/// shifted back onto the input pixels, the adjoint of the forward's shift-add), then
/// `dX = W^T . dT` and `dW^T += X . dT^T`, per piece of images, summed in piece order.
fn conv_backward_output_side(
    x: &[f32],
    g: &Geometry,
    weight: &[f32],
    out: usize,
    dy: &[f32],
    input_grad: bool,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let batch = x.len() / g.image();
    let (pixels, plane, taps) = (g.pixels(), g.height * g.width, g.kernel * g.kernel);
    let (rows, input) = (out * taps, g.channels);
    let w_t = tap_major(weight, out, input, taps, true);
    let mut dx = if input_grad {
        zeroed(x.len())
    } else {
        Vec::new()
    };
    let dst = Disjoint::new(&mut dx);
    let dw_t = over_groups(
        batch,
        1,
        2 * rows * plane,
        || vec![0.0f32; input * rows],
        |dw_t, scratch, b, _| {
            let x_b = &x[b * g.image()..(b + 1) * g.image()];
            let dy_b = &dy[b * out * pixels..(b + 1) * out * pixels];
            let (d_products, d_products_t) = scratch.split_at_mut(rows * plane);
            d_products.fill(0.0);
            for (o, dy_o) in dy_b.chunks_exact(pixels).enumerate() {
                stride1_taps(g, |kh, kw, oh, ih, lo, hi| {
                    let row = &mut d_products[(o * taps + kh * g.kernel + kw) * plane..][..plane];
                    row[ih * g.width + lo + kw - g.padding..][..hi - lo]
                        .copy_from_slice(&dy_o[oh * g.out_width + lo..oh * g.out_width + hi]);
                });
            }
            transpose(d_products, rows, plane, d_products_t);
            // dW^T [in, rows] += X [in, plane] . dT^T [plane, rows]
            matmul(
                dw_t,
                input,
                rows,
                plane,
                Mat::new(x_b, plane),
                Mat::new(d_products_t, rows),
                true,
            );
            if input_grad {
                // SAFETY: image b's gradient block is written by this worker only.
                let dx_b = unsafe { dst.chunk(b, g.image()) };
                // dX [in, plane] = W^T [in, rows] . dT [rows, plane]
                matmul(
                    dx_b,
                    input,
                    plane,
                    rows,
                    Mat::new(&w_t, rows),
                    Mat::new(d_products, plane),
                    false,
                );
            }
        },
        add_into,
    );
    let mut dw = vec![0.0f32; weight.len()];
    for o in 0..out {
        for c in 0..input {
            for t in 0..taps {
                dw[(o * input + c) * taps + t] = dw_t[c * rows + o * taps + t];
            }
        }
    }
    (input_grad.then_some(dx), dw, channel_sums(dy, out, pixels))
}

/// Conv forward: `x[batch, g.image()]`, `weight[out, g.patch()]`, `bias[out]` to
/// `[batch, out, g.pixels()]`.
pub fn conv_forward(x: &[f32], g: &Geometry, weight: &[f32], bias: &[f32], out: usize) -> Vec<f32> {
    if runs_output_side(g, out) {
        return conv_forward_output_side(x, g, weight, bias, out);
    }
    let batch = x.len() / g.image();
    let (patch, pixels) = (g.patch(), g.pixels());
    let group = group_size(pixels).min(batch.max(1));
    let wide = group * pixels;
    let mut y = zeroed(batch * out * pixels);
    let dst = Disjoint::new(&mut y);
    over_groups(
        batch,
        group,
        (patch + out) * wide,
        || (),
        |_, scratch, first, count| {
            let ld = count * pixels;
            let (cols, y_group) = scratch.split_at_mut(patch * wide);
            for j in 0..count {
                let b = first + j;
                im2col(
                    &x[b * g.image()..(b + 1) * g.image()],
                    g,
                    cols,
                    ld,
                    j * pixels,
                );
            }
            // Y [out, images x pixels] = W [out, patch] . cols [patch, images x pixels]
            matmul(
                y_group,
                out,
                ld,
                patch,
                Mat::new(weight, patch),
                Mat::new(cols, ld),
                false,
            );
            for j in 0..count {
                // SAFETY: image first + j's output block is written by this worker only.
                let y_b = unsafe { dst.chunk(first + j, out * pixels) };
                scatter_rows(y_group, ld, j * pixels, out, pixels, y_b);
                for (o, row) in y_b.chunks_exact_mut(pixels).enumerate() {
                    row.iter_mut().for_each(|v| *v += bias[o]);
                }
            }
        },
        |_, _| (),
    );
    y
}

/// `dst[cols, rows]` = the transpose of row-major `src[rows, cols]`, in 16x16 tiles;
/// large ones in parallel bands of output rows (the dense layers' transposes of a
/// batch and of a weight ran on the main thread alone: 5.5% of mnist-vae's step).
///
/// # Panics
/// If `src` or `dst` holds fewer than `rows * cols` values.
pub fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    assert!(
        src.len() >= rows * cols && dst.len() >= rows * cols,
        "transpose of {rows}x{cols} from {} into {} values",
        src.len(),
        dst.len()
    );
    /// Below this many values a transpose is cheaper than waking another thread.
    const PARALLEL_FROM: usize = 1 << 16;
    const BAND: usize = 64;
    if rows * cols < PARALLEL_FROM {
        return transpose_columns(src, rows, cols, 0..cols, dst);
    }
    let out = Disjoint::new(dst);
    for_each(cols.div_ceil(BAND), |band| {
        let columns = band * BAND..((band + 1) * BAND).min(cols);
        // SAFETY: each band writes only its own output rows.
        let dst = unsafe { out.span(columns.start * rows..columns.end * rows) };
        transpose_columns(src, rows, cols, columns, dst);
    });
}

/// Rows `columns` of the transpose (source columns), into `dst` from its start.
fn transpose_columns(
    src: &[f32],
    rows: usize,
    cols: usize,
    columns: std::ops::Range<usize>,
    dst: &mut [f32],
) {
    const TILE: usize = 16;
    for r0 in (0..rows).step_by(TILE) {
        for c0 in columns.clone().step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(columns.end) {
                    dst[(c - columns.start) * rows + r] = src[r * cols + c];
                }
            }
        }
    }
}

fn transposed(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut dst = zeroed(src.len());
    transpose(src, rows, cols, &mut dst);
    dst
}

/// Gradients of [`conv_forward`] given `dy[batch, out, g.pixels()]`: the input's
/// (when `input_grad`), the weight's and the bias's (when `weight_grad`; empty
/// otherwise, which skips im2col and half the gemms: a GAN's generator step
/// differentiates through a discriminator whose weights it does not update). Every
/// gemm reads row-major operands (the transposes are made explicitly, small ones per
/// image): gemm packs a strided operand one float at a time, which cost 17% of a face
/// VAE step.
pub fn conv_backward(
    x: &[f32],
    g: &Geometry,
    weight: &[f32],
    out: usize,
    dy: &[f32],
    input_grad: bool,
    weight_grad: bool,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    if runs_output_side(g, out) {
        // Output convs have few weights: their gradient is computed regardless.
        return conv_backward_output_side(x, g, weight, out, dy, input_grad);
    }
    let batch = x.len() / g.image();
    let (patch, pixels) = (g.patch(), g.pixels());
    let group = group_size(pixels).min(batch.max(1));
    let wide = group * pixels;
    let mut dx = if input_grad {
        zeroed(x.len())
    } else {
        Vec::new()
    };
    let dst = Disjoint::new(&mut dx);
    let dw_t = over_groups(
        batch,
        group,
        (patch + 2 * out) * wide,
        || vec![0.0f32; if weight_grad { patch * out } else { 0 }],
        |dw_t, scratch, first, count| {
            let ld = count * pixels;
            let (cols, rest) = scratch.split_at_mut(patch * wide);
            let (dy_group, dy_t) = rest.split_at_mut(out * wide);
            for j in 0..count {
                let b = first + j;
                let dy_b = &dy[b * out * pixels..(b + 1) * out * pixels];
                if weight_grad {
                    im2col(
                        &x[b * g.image()..(b + 1) * g.image()],
                        g,
                        cols,
                        ld,
                        j * pixels,
                    );
                    transpose(
                        dy_b,
                        out,
                        pixels,
                        &mut dy_t[j * pixels * out..(j + 1) * pixels * out],
                    );
                }
                gather_rows(dy_b, out, pixels, dy_group, ld, j * pixels);
            }
            if weight_grad {
                // dW^T [patch, out] += cols [patch, n] . dY^T [n, out]
                matmul(
                    dw_t,
                    patch,
                    out,
                    ld,
                    Mat::new(cols, ld),
                    Mat::new(dy_t, out),
                    true,
                );
            }
            if input_grad {
                // dcols = W^T [patch, out] . dY [out, n], then back onto each image.
                matmul(
                    cols,
                    patch,
                    ld,
                    out,
                    Mat::transpose_of(weight, patch),
                    Mat::new(dy_group, ld),
                    false,
                );
                for j in 0..count {
                    // SAFETY: image first + j's gradient block is written by this worker only.
                    col2im(
                        cols,
                        g,
                        unsafe { dst.chunk(first + j, g.image()) },
                        ld,
                        j * pixels,
                    );
                }
            }
        },
        add_into,
    );
    if !weight_grad {
        return (input_grad.then_some(dx), Vec::new(), Vec::new());
    }
    (
        input_grad.then_some(dx),
        transposed(&dw_t, patch, out),
        channel_sums(dy, out, pixels),
    )
}

/// Transposed conv forward: `x[batch, in, g.pixels()]` to `[batch, g.image()]`, where
/// `g` is the geometry of the conv it is the adjoint of (its image is this op's
/// output) and `weight[in, g.patch()]` is burn's `[in, out, k, k]`.
///
/// With `slope`, LeakyReLU follows (inference only: the backward knows nothing of it);
/// for the zoo's halving geometry the bias and activation are applied as col2im
/// writes each pixel, which saves two passes over the output.
pub fn conv_transpose_forward(
    x: &[f32],
    g: &Geometry,
    weight: &[f32],
    bias: &[f32],
    input: usize,
    slope: Option<f32>,
) -> Vec<f32> {
    let (patch, pixels) = (g.patch(), g.pixels());
    let batch = x.len() / (input * pixels);
    let group = group_size(pixels).min(batch.max(1));
    let wide = group * pixels;
    let mut y = zeroed(batch * g.image());
    let dst = Disjoint::new(&mut y);
    let plane = g.height * g.width;
    over_groups(
        batch,
        group,
        (patch + input) * wide,
        || (),
        |_, scratch, first, count| {
            let ld = count * pixels;
            let (cols, x_group) = scratch.split_at_mut(patch * wide);
            for j in 0..count {
                let b = first + j;
                gather_rows(
                    &x[b * input * pixels..(b + 1) * input * pixels],
                    input,
                    pixels,
                    x_group,
                    ld,
                    j * pixels,
                );
            }
            // cols [patch, n] = W^T [patch, in] . X [in, n]
            matmul(
                cols,
                patch,
                ld,
                input,
                Mat::transpose_of(weight, patch),
                Mat::new(x_group, ld),
                false,
            );
            for j in 0..count {
                // SAFETY: image first + j's output block is written by this worker only.
                let y_b = unsafe { dst.chunk(first + j, g.image()) };
                if let (Some(slope), true) = (slope, is_halving(g)) {
                    col2im_halving_with(cols, g, y_b, ld, j * pixels, |c, pixel, sum| {
                        *pixel = leaky(sum + bias[c], slope);
                    });
                    continue;
                }
                for (c, p) in y_b.chunks_exact_mut(plane).enumerate() {
                    p.fill(bias[c]);
                }
                col2im(cols, g, y_b, ld, j * pixels);
                if let Some(slope) = slope {
                    act_forward(y_b, slope);
                }
            }
        },
        |_, _| (),
    );
    y
}

/// Gradients of [`conv_transpose_forward`] given `dy[batch, g.image()]`.
pub fn conv_transpose_backward(
    x: &[f32],
    g: &Geometry,
    weight: &[f32],
    input: usize,
    dy: &[f32],
    input_grad: bool,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let (patch, pixels) = (g.patch(), g.pixels());
    let batch = x.len() / (input * pixels);
    let group = group_size(pixels).min(batch.max(1));
    let wide = group * pixels;
    let mut dx = if input_grad {
        zeroed(x.len())
    } else {
        Vec::new()
    };
    let dst = Disjoint::new(&mut dx);
    let dw_t = over_groups(
        batch,
        group,
        (patch + 2 * input) * wide,
        || vec![0.0f32; patch * input],
        |dw_t, scratch, first, count| {
            let ld = count * pixels;
            let (cols, rest) = scratch.split_at_mut(patch * wide);
            let (x_t, dx_group) = rest.split_at_mut(input * wide);
            for j in 0..count {
                let b = first + j;
                im2col(
                    &dy[b * g.image()..(b + 1) * g.image()],
                    g,
                    cols,
                    ld,
                    j * pixels,
                );
                let x_b = &x[b * input * pixels..(b + 1) * input * pixels];
                transpose(
                    x_b,
                    input,
                    pixels,
                    &mut x_t[j * pixels * input..(j + 1) * pixels * input],
                );
            }
            // dW^T [patch, in] += dcols [patch, n] . X^T [n, in]
            matmul(
                dw_t,
                patch,
                input,
                ld,
                Mat::new(cols, ld),
                Mat::new(x_t, input),
                true,
            );
            if input_grad {
                // dX [in, n] = W [in, patch] . dcols [patch, n]
                matmul(
                    dx_group,
                    input,
                    ld,
                    patch,
                    Mat::new(weight, patch),
                    Mat::new(cols, ld),
                    false,
                );
                for j in 0..count {
                    // SAFETY: image first + j's gradient block is written by this worker only.
                    let dx_b = unsafe { dst.chunk(first + j, input * pixels) };
                    scatter_rows(dx_group, ld, j * pixels, input, pixels, dx_b);
                }
            }
        },
        add_into,
    );
    (
        input_grad.then_some(dx),
        transposed(&dw_t, patch, input),
        channel_sums(dy, g.channels, g.height * g.width),
    )
}

/// Dense layer `x[batch, input] . weight[input, output] + bias` (burn's `Linear`
/// layout), one gemm on every core: flex runs this shape on one thread.
pub fn linear_forward(
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    input: usize,
    output: usize,
) -> Vec<f32> {
    let batch = x.len() / input;
    let mut y = zeroed(batch * output);
    matmul_parallel(
        &mut y,
        batch,
        output,
        input,
        Mat::new(x, input),
        Mat::new(weight, output),
    );
    for row in y.chunks_exact_mut(output) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
    y
}

/// Gradients of [`linear_forward`] given `dy[batch, output]`: the input's (when
/// `input_grad`), the weight's and the bias's; row-major gemms only.
pub fn linear_backward(
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    input: usize,
    output: usize,
    input_grad: bool,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let batch = x.len() / input;
    let dx = input_grad.then(|| {
        let weight_t = transposed(weight, input, output);
        let mut dx = zeroed(batch * input);
        matmul_parallel(
            &mut dx,
            batch,
            input,
            output,
            Mat::new(dy, output),
            Mat::new(&weight_t, input),
        );
        dx
    });
    let x_t = transposed(x, batch, input);
    let mut dw = vec![0.0f32; input * output];
    matmul_parallel(
        &mut dw,
        input,
        output,
        batch,
        Mat::new(&x_t, batch),
        Mat::new(dy, output),
    );
    let mut db = vec![0.0f64; output];
    for row in dy.chunks_exact(output) {
        for (s, &v) in db.iter_mut().zip(row) {
            *s += f64::from(v);
        }
    }
    (dx, dw, db.into_iter().map(|v| v as f32).collect())
}

/// Sum of `f(v)` over a slice in 16 independent f32 lanes, so it vectorises, with
/// the lanes added in f64. A plane is at most a few thousand values, so the f32
/// lanes lose nothing that matters; totals across planes are kept in f64.
#[inline]
fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    let mut lanes = [0.0f32; 16];
    let chunks = values.chunks_exact(16);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>()
        + rest.iter().map(|&v| f64::from(f(v))).sum::<f64>()
}

/// [`lane_sum`] of two sums over pairs of values.
#[inline]
fn lane_sum2(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> (f32, f32)) -> (f64, f64) {
    let (mut first, mut second) = ([0.0f32; 16], [0.0f32; 16]);
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (xa, xb) in ca.zip(cb) {
        for i in 0..16 {
            let (p, q) = f(xa[i], xb[i]);
            first[i] += p;
            second[i] += q;
        }
    }
    let total = |lanes: [f32; 16]| lanes.iter().map(|&l| f64::from(l)).sum::<f64>();
    let (mut p, mut q) = (total(first), total(second));
    for (&x, &y) in ra.iter().zip(rb) {
        let (dp, dq) = f(x, y);
        p += f64::from(dp);
        q += f64::from(dq);
    }
    (p, q)
}

/// Per-channel sums of `[batch, channels, plane]` values.
pub fn channel_sums(values: &[f32], channels: usize, plane: usize) -> Vec<f32> {
    let mut sums = vec![0.0f64; channels];
    for (i, chunk) in values.chunks_exact(plane).enumerate() {
        sums[i % channels] += lane_sum(chunk, |v| v);
    }
    sums.into_iter().map(|s| s as f32).collect()
}

/// Per-channel mean and biased variance of `[batch, channels, plane]` (BatchNorm's
/// training statistics), each channel in one parallel task.
pub fn channel_stats(x: &[f32], channels: usize, plane: usize) -> (Vec<f32>, Vec<f32>) {
    let batch = x.len() / (channels * plane);
    let count = (batch * plane) as f64;
    let mut stats = vec![0.0f32; 2 * channels];
    let dst = Disjoint::new(&mut stats);
    for_each(channels, |c| {
        let planes = || (0..batch).map(|b| &x[(b * channels + c) * plane..][..plane]);
        let mean = planes().map(|p| lane_sum(p, |v| v)).sum::<f64>() / count;
        let m = mean as f32;
        let squares: f64 = planes().map(|p| lane_sum(p, |v| (v - m) * (v - m))).sum();
        // SAFETY: channel c writes only its own pair.
        let pair = unsafe { dst.chunk(c, 2) };
        pair[0] = mean as f32;
        pair[1] = (squares / count) as f32;
    });
    let (means, variances) = stats.chunks_exact(2).map(|p| (p[0], p[1])).unzip();
    (means, variances)
}

/// LeakyReLU's slope at a pre-activation value (`slope = 0` is ReLU).
#[inline]
fn slope_at(z: f32, slope: f32) -> f32 {
    if z > 0.0 { 1.0 } else { slope }
}

/// LeakyReLU of one value; exactly 0 below zero for ReLU (even at -inf).
#[inline]
fn leaky(z: f32, slope: f32) -> f32 {
    if z > 0.0 {
        z
    } else if slope == 0.0 {
        0.0
    } else {
        z * slope
    }
}

/// Per-channel affine map `x * scale + shift` of a BatchNorm with these statistics.
fn affine(
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f32,
) -> Vec<(f32, f32)> {
    (0..gamma.len())
        .map(|c| {
            let scale = gamma[c] / (variance[c] + epsilon).sqrt();
            (scale, beta[c] - mean[c] * scale)
        })
        .collect()
}

/// BatchNorm with the given statistics, then LeakyReLU, in one pass over
/// `[batch, channels, plane]`.
#[allow(clippy::too_many_arguments)]
pub fn norm_act_forward(
    x: &[f32],
    channels: usize,
    plane: usize,
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f32,
    slope: f32,
) -> Vec<f32> {
    let maps = affine(gamma, beta, mean, variance, epsilon);
    let mut y = zeroed(x.len());
    let image = channels * plane;
    let dst = Disjoint::new(&mut y);
    for_each(x.len() / image, |b| {
        // SAFETY: image b is written by this task only.
        let out = unsafe { dst.chunk(b, image) };
        let x_b = &x[b * image..(b + 1) * image];
        for ((out, x), &(scale, shift)) in out
            .chunks_exact_mut(plane)
            .zip(x_b.chunks_exact(plane))
            .zip(&maps)
        {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = leaky(v * scale + shift, slope);
            }
        }
    });
    y
}

/// Gradients of training-mode BatchNorm + LeakyReLU (statistics of the batch itself)
/// given `dy`: the input's, gamma's and beta's. Two passes: per-channel sums, then
/// the input gradient.
#[allow(clippy::too_many_arguments)]
pub fn norm_act_backward(
    x: &[f32],
    channels: usize,
    plane: usize,
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f32,
    slope: f32,
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let batch = x.len() / (channels * plane);
    let count = (batch * plane) as f32;
    let inv_std: Vec<f32> = variance
        .iter()
        .map(|v| 1.0 / (v + epsilon).sqrt())
        .collect();
    let mut sums = vec![0.0f32; 2 * channels];
    let dst = Disjoint::new(&mut sums);
    // Pass 1: per channel, sum of dz (beta's gradient) and of dz * x_hat (gamma's).
    for_each(channels, |c| {
        let (mut dbeta, mut dgamma) = (0.0f64, 0.0f64);
        let (m, s, g, b) = (mean[c], inv_std[c], gamma[c], beta[c]);
        for image in 0..batch {
            let at = (image * channels + c) * plane;
            let (p, q) = lane_sum2(&x[at..at + plane], &dy[at..at + plane], |v, grad| {
                let x_hat = (v - m) * s;
                let dz = grad * slope_at(g * x_hat + b, slope);
                (dz, dz * x_hat)
            });
            dbeta += p;
            dgamma += q;
        }
        // SAFETY: channel c writes only its own pair.
        let pair = unsafe { dst.chunk(c, 2) };
        pair[0] = dbeta as f32;
        pair[1] = dgamma as f32;
    });
    let (dbeta, dgamma): (Vec<f32>, Vec<f32>) = sums.chunks_exact(2).map(|p| (p[0], p[1])).unzip();
    // Pass 2: dx = gamma * inv_std / n * (n dz - sum dz - x_hat sum(dz x_hat)).
    let mut dx = zeroed(x.len());
    let image = channels * plane;
    let dst = Disjoint::new(&mut dx);
    for_each(batch, |b| {
        // SAFETY: image b's gradient is written by this task only.
        let out = unsafe { dst.chunk(b, image) };
        for c in 0..channels {
            let at = b * image + c * plane;
            let (m, s, g, bt) = (mean[c], inv_std[c], gamma[c], beta[c]);
            let (k, sum_dz, sum_dz_x) = (g * s / count, dbeta[c], dgamma[c]);
            let out = &mut out[c * plane..(c + 1) * plane];
            for ((o, &v), &grad) in out
                .iter_mut()
                .zip(&x[at..at + plane])
                .zip(&dy[at..at + plane])
            {
                let x_hat = (v - m) * s;
                let dz = grad * slope_at(g * x_hat + bt, slope);
                *o = k * (count * dz - sum_dz - x_hat * sum_dz_x);
            }
        }
    });
    (dx, dgamma, dbeta)
}

/// `exp(x)` within 2 ulp for `-87 <= x <= 88` (clamped outside), in branch-free
/// arithmetic that vectorises: libm's `expf` is a call per value, and burn's sigmoid
/// through it was 19% of mlp-ae's training step. Cephes' polynomial on
/// `x - n ln 2`, `|x - n ln 2| <= ln 2 / 2`, times `2^n` built in the exponent bits.
#[inline(always)]
fn exp_approx(x: f32) -> f32 {
    // Adding 1.5 * 2^23 rounds to an integer, which then sits in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5;
    let two_to_n = shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(127)
        << 23;
    (p * r * r + r + 1.0) * f32::from_bits(two_to_n)
}

/// `ln(y)` within 2 ulp for positive normal `y`, branch-free (Cephes' polynomial on
/// the mantissa in `[sqrt(1/2), sqrt(2))`).
#[inline(always)]
fn ln_approx(y: f32) -> f32 {
    let bits = y.to_bits();
    let exponent = ((bits >> 23) as i32 - 126) as f32;
    let mantissa = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000); // [0.5, 1)
    let small = mantissa < std::f32::consts::FRAC_1_SQRT_2;
    let e = if small { exponent - 1.0 } else { exponent };
    let x = if small {
        mantissa + mantissa - 1.0
    } else {
        mantissa - 1.0
    };
    let z = x * x;
    let p = ((((((((7.037_683_6e-2 * x - 1.151_461e-1) * x + 1.167_699_9e-1) * x
        - 1.242_014_1e-1)
        * x
        + 1.424_932_3e-1)
        * x
        - 1.666_805_8e-1)
        * x
        + 2.000_071_4e-1)
        * x
        - 2.499_999_4e-1)
        * x
        + 3.333_333e-1)
        * x
        * z;
    x + (p - 2.121_944_4e-4 * e - 0.5 * z) + 0.693_359_4 * e
}

/// `ln(1 + u)` for `0 <= u <= 1`, accurate for tiny `u` too: `ln(v) u / (v - 1)`
/// with `v = 1 + u` cancels the rounding of `v` (Goldberg's trick).
#[inline(always)]
fn ln_1p_approx(u: f32) -> f32 {
    let v = 1.0 + u;
    let d = v - 1.0;
    if d == 0.0 { u } else { ln_approx(v) * (u / d) }
}

#[inline(always)]
fn sigmoid_approx(l: f32) -> f32 {
    1.0 / (1.0 + exp_approx(-l))
}

#[inline(always)]
fn softplus(l: f32) -> f32 {
    l.max(0.0) + ln_1p_approx(exp_approx(-l.abs()))
}

/// What [`logit_loss_forward`] averages over each image's pixels, from the decoder's
/// logits `l` and the targets `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogitLoss {
    /// Binary cross-entropy from logits, `softplus(l) - t l` (never takes log 0).
    Bce,
    /// Squared error of the sigmoid output, `(sigmoid(l) - t)^2`.
    SigmoidMse,
}

/// Per-image mean of the [`LogitLoss`] over `batch` images of `logits` against
/// `targets`, the images in parallel.
pub fn logit_loss_forward(
    logits: &[f32],
    targets: &[f32],
    batch: usize,
    loss: LogitLoss,
) -> Vec<f32> {
    match loss {
        LogitLoss::Bce => per_image_mean(logits, targets, batch, |l, t| softplus(l) - t * l),
        LogitLoss::SigmoidMse => per_image_mean(logits, targets, batch, |l, t| {
            let e = sigmoid_approx(l) - t;
            e * e
        }),
    }
}

fn per_image_mean(
    logits: &[f32],
    targets: &[f32],
    batch: usize,
    f: impl Fn(f32, f32) -> f32 + Sync + Send,
) -> Vec<f32> {
    let pixels = logits.len() / batch.max(1);
    let mut per_image = vec![0.0f32; batch];
    let dst = Disjoint::new(&mut per_image);
    for_each(batch, |b| {
        let at = b * pixels..(b + 1) * pixels;
        let (sum, _) = lane_sum2(&logits[at.clone()], &targets[at], |l, t| (f(l, t), 0.0));
        // SAFETY: image b writes only its own value.
        let value = unsafe { dst.chunk(b, 1) };
        value[0] = (sum / pixels as f64) as f32;
    });
    per_image
}

/// Gradients of [`logit_loss_forward`] given `dy[batch]`: the logits' and, when
/// asked, the targets'. With `s = sigmoid(l)` and `k = dy / pixels`: BCE gives
/// `k (s - t)` and `-k l`, the sigmoid's squared error `2k (s - t) s (1 - s)` and
/// `-2k (s - t)`.
pub fn logit_loss_backward(
    logits: &[f32],
    targets: &[f32],
    dy: &[f32],
    loss: LogitLoss,
    targets_grad: bool,
) -> (Vec<f32>, Option<Vec<f32>>) {
    let dlogits = match loss {
        LogitLoss::Bce => per_image_map(logits, targets, dy, |k, l, t| k * (sigmoid_approx(l) - t)),
        LogitLoss::SigmoidMse => per_image_map(logits, targets, dy, |k, l, t| {
            let s = sigmoid_approx(l);
            2.0 * k * (s - t) * (s * (1.0 - s))
        }),
    };
    let dtargets = targets_grad.then(|| match loss {
        LogitLoss::Bce => per_image_map(logits, targets, dy, |k, l, _| -k * l),
        LogitLoss::SigmoidMse => per_image_map(logits, targets, dy, |k, l, t| {
            -2.0 * k * (sigmoid_approx(l) - t)
        }),
    });
    (dlogits, dtargets)
}

/// `f(dy[b] / pixels, l, t)` for every pixel of every image `b`, the images in parallel.
fn per_image_map(
    logits: &[f32],
    targets: &[f32],
    dy: &[f32],
    f: impl Fn(f32, f32, f32) -> f32 + Sync + Send,
) -> Vec<f32> {
    let pixels = logits.len() / dy.len().max(1);
    let mut out = zeroed(logits.len());
    let dst = Disjoint::new(&mut out);
    for_each(dy.len(), |b| {
        let k = dy[b] / pixels as f32;
        let at = b * pixels..(b + 1) * pixels;
        // SAFETY: image b writes only its own block.
        let block = unsafe { dst.chunk(b, pixels) };
        for ((o, &l), &t) in block.iter_mut().zip(&logits[at.clone()]).zip(&targets[at]) {
            *o = f(k, l, t);
        }
    });
    out
}

/// LeakyReLU in place.
pub fn act_forward(x: &mut [f32], slope: f32) {
    let (len, dst) = (x.len(), Disjoint::new(x));
    for_blocks(len, |range| {
        // SAFETY: each block is one worker's alone.
        for v in unsafe { dst.span(range) } {
            *v = leaky(*v, slope);
        }
    });
}

/// LeakyReLU's input gradient from its output `y` (same sign as its input for
/// `slope >= 0`).
pub fn act_backward(y: &[f32], dy: &[f32], slope: f32) -> Vec<f32> {
    let mut dx = zeroed(y.len());
    let dst = Disjoint::new(&mut dx);
    for_blocks(y.len(), |range| {
        // SAFETY: each block is one worker's alone.
        let dx = unsafe { dst.span(range.clone()) };
        for ((d, &v), &g) in dx.iter_mut().zip(&y[range.clone()]).zip(&dy[range]) {
            *d = g * slope_at(v, slope);
        }
    });
    dx
}

/// `len` zeros, written in parallel blocks when there are many: glibc hands back
/// reused memory, which `vec![0.0; len]` clears in one serial `memset`, and those of
/// the fused ops' outputs were 5% of fashion-vae's step with the other core idle.
fn zeroed(len: usize) -> Vec<f32> {
    if len < 4 * ELEMENTWISE_BLOCK {
        return vec![0.0; len];
    }
    let mut buffer = Vec::<f32>::with_capacity(len);
    let start = Disjoint::spare(&mut buffer);
    for_blocks(len, |range| {
        // SAFETY: within capacity, each block is one worker's alone, written not read.
        unsafe { std::ptr::write_bytes(start.at(range.clone()), 0, range.len()) }
    });
    // SAFETY: every value below `len` was written just above.
    unsafe { buffer.set_len(len) };
    buffer
}

/// Values per block of [`for_blocks`]: enough to outweigh a rayon task (a few
/// microseconds), few enough that a 100-image activation splits over both cores.
const ELEMENTWISE_BLOCK: usize = 1 << 14;

/// `work(range)` over `0..len` in blocks of [`ELEMENTWISE_BLOCK`], in
/// parallel: the activation passes ran on the main thread alone (3% of fashion-vae's
/// step, with the other core idle meanwhile).
fn for_blocks(len: usize, work: impl Fn(std::ops::Range<usize>) + Sync + Send) {
    for_each(len.div_ceil(ELEMENTWISE_BLOCK), |block| {
        let start = block * ELEMENTWISE_BLOCK;
        work(start..(start + ELEMENTWISE_BLOCK).min(len))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    /// The phase-plane paths agree with the generic ones, for images placed at an
    /// offset inside a wider column matrix (as the batched gemms lay them out).
    #[test]
    fn halving_paths_match_the_generic_ones() {
        for (channels, height, width) in [(1, 2, 2), (3, 4, 6), (2, 8, 8), (5, 6, 2), (4, 32, 32)] {
            let g = Geometry::conv(channels, height, width, 3, 2, 1);
            assert!(is_halving(&g));
            let (pixels, at) = (g.pixels(), 3);
            let ld = pixels + 7;
            let image = values(g.image(), 1);
            let mut fast = values(g.patch() * ld, 2);
            let mut slow = fast.clone();
            im2col_halving(&image, &g, &mut fast, ld, at);
            im2col_any(&image, &g, &mut slow, ld, at);
            assert_eq!(fast, slow, "im2col {channels}x{height}x{width}");

            let cols = values(g.patch() * ld, 3);
            let start = values(g.image(), 4);
            let (mut fast, mut slow) = (start.clone(), start);
            col2im_halving(&cols, &g, &mut fast, ld, at);
            col2im_any(&cols, &g, &mut slow, ld, at);
            for (index, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert!(
                    (f - s).abs() < 1e-6,
                    "col2im {channels}x{height}x{width} at {index}: {f} vs {s}"
                );
            }
        }
    }

    /// The branch-free exp, ln(1 + u), sigmoid and softplus stay within a few ulp of
    /// f64 references, from the tails to zero.
    #[test]
    fn approximations_are_accurate() {
        let relative = |got: f32, want: f64| ((f64::from(got) - want) / want).abs();
        let mut worst = [0.0f64; 4];
        for i in -86_990..=87_990 {
            let x = i as f32 * 1e-3;
            let xd = f64::from(x);
            let u = (i + 86_990) as f32 / 174_980.0 * 0.999 + 1e-9;
            let errors = [
                relative(exp_approx(x), xd.exp()),
                relative(ln_1p_approx(u), f64::from(u).ln_1p()),
                relative(sigmoid_approx(x), 1.0 / (1.0 + (-xd).exp())),
                relative(softplus(x), xd.max(0.0) + (-xd.abs()).exp().ln_1p()),
            ];
            for (w, e) in worst.iter_mut().zip(errors) {
                *w = w.max(e);
            }
        }
        for (name, w) in ["exp", "ln_1p", "sigmoid", "softplus"].iter().zip(worst) {
            assert!(w < 5e-7, "{name}: worst relative error {w:e}");
        }
        assert_eq!(exp_approx(-1000.0), exp_approx(-87.0));
        assert!(exp_approx(f32::NAN).is_nan());
    }

    /// Skipping the weight gradient (a frozen layer) leaves the input gradient exactly
    /// as it was, and returns no weight or bias gradient.
    #[test]
    fn a_frozen_convs_input_gradient_is_unchanged() {
        for (channels, side, stride, out) in [(3, 16, 2, 8), (8, 8, 1, 16)] {
            let g = Geometry::conv(channels, side, side, 3, stride, 1);
            let batch = 5;
            let x = values(batch * g.image(), 6);
            let weight = values(out * g.patch(), 7);
            let dy = values(batch * out * g.pixels(), 8);
            let (dx, dw, db) = conv_backward(&x, &g, &weight, out, &dy, true, true);
            let (frozen_dx, no_dw, no_db) = conv_backward(&x, &g, &weight, out, &dy, true, false);
            assert_eq!(dx, frozen_dx);
            assert_eq!((dw.len(), db.len()), (weight.len(), out));
            assert!(no_dw.is_empty() && no_db.is_empty());
        }
    }

    /// Small transposes run serially, large ones in parallel bands with a ragged last
    /// band; both give the exact transpose.
    #[test]
    fn transposes_are_exact() {
        for (rows, cols) in [(3, 5), (17, 33), (128, 784), (300, 250)] {
            let src = values(rows * cols, 5);
            let mut dst = vec![f32::NAN; rows * cols];
            transpose(&src, rows, cols, &mut dst);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(
                        dst[c * rows + r],
                        src[r * cols + c],
                        "{rows}x{cols} at {r},{c}"
                    );
                }
            }
        }
    }

    /// A destination too short for the parallel path (65,536 values and up) is
    /// refused before any band writes past it.
    #[test]
    #[should_panic(expected = "transpose of 300x250")]
    fn a_short_transpose_destination_panics() {
        let src = values(300 * 250, 5);
        let mut dst = vec![0.0; 300 * 250 - 1];
        transpose(&src, 300, 250, &mut dst);
    }

    #[test]
    #[should_panic(expected = "span 8..12 of 10 values")]
    fn a_span_past_the_buffer_panics() {
        let mut buffer = vec![0.0; 10];
        let out = Disjoint::new(&mut buffer);
        // SAFETY: no other span is live; this one is refused before it is made.
        let _ = unsafe { out.span(8..12) };
    }
}
