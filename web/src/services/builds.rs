//! The page ships as two builds of this crate: the CPU build (no `webgpu` feature,
//! 1.2 MB gzip), which every visit loads first, and the WebGPU build (burn's wgpu and
//! CubeCL, 4.7 MB gzip) in `webgpu/`, which only a visit that runs on WebGPU loads.
//!
//! The CPU build hands over before drawing anything when the page will run on
//! WebGPU (the URL asks for it, or the adapter is a hardware one: the same choice as
//! `AppState::backend`), and reloads itself into the WebGPU build when the visitor
//! picks WebGPU later (`open_device`). `scripts/webgpu-build.sh` (a Trunk hook) builds
//! the WebGPU one.
//!
//! The CPU build multiplies with wasm relaxed SIMD (the `relaxed-simd` feature); an
//! engine that cannot compile it starts the WebGPU build instead, which is built
//! without it and decodes on the CPU as well (`web/boot.js`, Trunk's initializer).

use wasm_bindgen::prelude::*;

use crate::app::location_search;
use crate::route::Query;
use crate::services::engine::{Backend, choose_backend, webgpu_adapter};

#[wasm_bindgen(module = "/boot.js")]
extern "C" {
    /// Imports and starts the WebGPU build, which then draws the page (the same
    /// function `web/boot.js` falls back to).
    #[wasm_bindgen(js_name = startWebgpuBuild)]
    fn start_webgpu_build() -> js_sys::Promise;
}

/// Whether this visit runs on WebGPU: asks for the adapter when the URL does not say.
pub async fn starts_on_webgpu(search: &str) -> bool {
    let requested = Query::parse(search).backend;
    let adapter = match requested {
        Some(_) => None,
        None => Some(webgpu_adapter().await),
    };
    choose_backend(requested, adapter.as_ref()) == Some(Backend::WebGpu)
}

/// Hands the page to the WebGPU build; errors reach the console.
pub fn hand_over() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = wasm_bindgen_futures::JsFuture::from(start_webgpu_build()).await {
            web_sys::console::error_1(&format!("the WebGPU build did not load: {e:?}").into());
        }
    });
}

/// Reloads the page with `backend=webgpu` in its URL, so that the CPU build hands
/// over to the WebGPU one as it starts (the rest of the URL keeps the view).
pub fn reload_on_webgpu() -> Result<(), String> {
    // A setting changed in the last moments is still waiting to reach the URL.
    crate::hooks::address::flush();
    let location = web_sys::window().ok_or("no window")?.location();
    let mut query = Query::parse(&location_search());
    query.backend = Some(Backend::WebGpu);
    let path = location.pathname().map_err(|e| format!("{e:?}"))?;
    location
        .replace(&format!("{path}{}", query.to_search()))
        .map_err(|e| format!("{e:?}"))
}
