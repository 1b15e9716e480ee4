//! latentlab's web page: the burn models of `latentlab-model`, decoding in the browser
//! on WebGPU or the CPU. Built by Trunk from the repository's `index.html`.

mod app;
mod backend_switch;
mod current_face;
mod decoder;
mod engine;
mod export_loader;
mod hooks;
mod image_canvas;
mod legend;
mod model_quality;
mod nav;
mod pages;
mod plot;
mod route;
mod sample_controls;
mod scale_run;
mod scatter_panel;
mod state;
mod test_hook;
mod timing_panel;

fn main() {
    // Panics reach the console as errors instead of an opaque "unreachable".
    console_error_panic_hook::set_once();
    yew::Renderer::<app::App>::new().render();
}
