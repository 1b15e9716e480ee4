//! What the page does that is not drawing: the model engine, the GPU-scale sampling
//! runs, and the hook browser tests read.

#[cfg(not(feature = "webgpu"))]
pub mod builds;
pub mod engine;
pub mod scale_run;
pub mod test_hook;
