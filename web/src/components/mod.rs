//! Components several pages (or the shell) use; one per file.

pub mod backend_switch;
pub mod cloud;
pub mod current_face;
pub mod export_loader;
pub mod image_canvas;
pub mod legend;
pub mod model_quality;
pub mod nav;
pub mod sample_controls;
pub mod scatter_panel;
pub mod timing_panel;
