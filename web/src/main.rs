//! latentlab's web page: the burn models of `latentlab-model`, decoding in the browser
//! on WebGPU or the CPU. Built by Trunk from the repository's `index.html`.
//!
//! Layout: `app` is the shell; `route` the activities and the URL; `state` the
//! reducer; `pages` one component per activity; `components` the pieces several pages
//! use; `hooks` state access and decoding; `services` the engine, the GPU-scale runs
//! and the test hook (no components); `plot` canvas drawing.

mod app;
mod components;
mod hooks;
mod pages;
mod plot;
mod route;
mod services;
mod state;

fn main() {
    // Panics reach the console as errors instead of an opaque "unreachable".
    console_error_panic_hook::set_once();
    yew::Renderer::<app::App>::new().render();
}
