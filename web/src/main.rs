//! latentlab's web page: the burn models of `latentlab-model`, decoding in the browser
//! on WebGPU or the CPU. Built by Trunk from the repository's `index.html`.
//!
//! Layout: `app` is the shell; `route` the activities and the URL; `state` the
//! reducer; `pages` one component per activity; `components` the pieces several pages
//! use; `hooks` state access and decoding; `services` the engine, the GPU-scale runs
//! and the test hook (no components); `plot` canvas drawing.

use std::sync::atomic::{AtomicU32, Ordering};

mod app;
mod components;
mod hooks;
mod pages;
mod plot;
mod route;
mod services;
mod state;

// Static constructors (the `ctor`/`inventory` registrations of burn's wgpu stack).
// Without an explicit call, wasm-ld treats the binary as a "new-style command" and
// wraps every export in a call to all of them: each JS -> wasm call (a callback, a
// promise resumption, wasm-bindgen's externref slot for every DOM object handed in)
// then re-ran them all, four fifths of the CPU time of a "new samples" click. Calling
// them once here tells the linker not to wrap anything.
#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// How often the static constructors ran; the test hook publishes it (it must be 1).
pub static CONSTRUCTOR_RUNS: AtomicU32 = AtomicU32::new(0);

/// One more static constructor, so that a test can see how often they all ran.
#[cfg(target_arch = "wasm32")]
#[used]
#[unsafe(link_section = ".init_array")]
static COUNT_CONSTRUCTOR_RUNS: extern "C" fn() = count_constructor_run;

#[cfg(target_arch = "wasm32")]
extern "C" fn count_constructor_run() {
    CONSTRUCTOR_RUNS.fetch_add(1, Ordering::Relaxed);
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: the linker's own constructor list, run once before anything uses it.
    unsafe {
        __wasm_call_ctors()
    };
    // Panics reach the console as errors instead of an opaque "unreachable".
    console_error_panic_hook::set_once();
    #[cfg(not(feature = "webgpu"))]
    wasm_bindgen_futures::spawn_local(async {
        if services::builds::starts_on_webgpu(&app::location_search()).await {
            services::builds::hand_over();
        } else {
            yew::Renderer::<app::App>::new().render();
        }
    });
    #[cfg(feature = "webgpu")]
    yew::Renderer::<app::App>::new().render();
}
