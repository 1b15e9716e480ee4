//! latentlab's native side as a library: the command line (`cli`), one module per
//! command (`commands`), datasets (`data`), the training loop (`train`), checkpoints
//! (`checkpoint`), the epoch record (`metrics`), pictures (`sample`, `plot`, `eval`),
//! distances from real images (`fidelity`) and the bench. The `latentlab` binary is a thin `main.rs` over it; the models
//! themselves live in `latentlab-model`.

pub mod bench;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod data;
pub mod eval;
pub mod fidelity;
pub mod files;
#[cfg(test)]
mod fuzz;
pub mod metrics;
pub mod plot;
pub mod presets;
pub mod process;
pub mod progress;
pub mod sample;
pub mod train;
