//! The page's model engine: picks a backend, downloads an export, decodes latents.
//!
//! Everything here is async because the browser forbids blocking: weights come over
//! `fetch`, WebGPU starts with a promise, and GPU tensors can only be read back with
//! `into_data_async` (a synchronous read panics in wasm).

use std::cell::RefCell;
use std::fmt;

use latentlab_model::burn::prelude::*;
use latentlab_model::weights::{MANIFEST_FILE, WEIGHTS_FILE, load_export};
use latentlab_model::{Autoencoder, Manifest, latent_batch};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where decoding runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    WebGpu,
    Cpu,
}

impl Backend {
    pub fn from_query(value: &str) -> Option<Self> {
        match value {
            "webgpu" => Some(Self::WebGpu),
            "cpu" => Some(Self::Cpu),
            _ => None,
        }
    }

    pub fn query_value(self) -> &'static str {
        match self {
            Self::WebGpu => "webgpu",
            Self::Cpu => "cpu",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WebGpu => "WebGPU",
            Self::Cpu => "CPU (flex)",
        })
    }
}

/// Milliseconds since page load, for the timing panel.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Whether `navigator.gpu` exists and hands out an adapter. A browser may expose the
/// API yet have no usable adapter (blocklisted GPU), so asking is the only real test.
pub async fn webgpu_adapter_available() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).unwrap_or_default();
    if gpu.is_undefined() || gpu.is_null() {
        return false;
    }
    // `web_sys::Gpu` is behind web-sys's unstable-API cfg, so call it through JS.
    let request = js_sys::Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = request.and_then(|f| f.call0(&gpu).ok()) else {
        return false;
    };
    match JsFuture::from(js_sys::Promise::resolve(&promise)).await {
        Ok(adapter) => !adapter.is_null() && !adapter.is_undefined(),
        Err(_) => false,
    }
}

thread_local! {
    /// burn's wgpu runtime initialises once per page; later switches back reuse it.
    static WEBGPU_DEVICE: RefCell<Option<Device>> = const { RefCell::new(None) };
}

async fn open_device(backend: Backend) -> Result<Device, String> {
    match backend {
        Backend::Cpu => Ok(Device::flex()),
        Backend::WebGpu => {
            if let Some(device) = WEBGPU_DEVICE.with(|d| d.borrow().clone()) {
                return Ok(device);
            }
            let device = Device::wgpu_options()
                .init_async()
                .await
                .map_err(|e| format!("WebGPU did not start: {e:?}"))?;
            WEBGPU_DEVICE.with(|d| *d.borrow_mut() = Some(device.clone()));
            Ok(device)
        }
    }
}

/// Fetches `url` as bytes, turning HTTP errors into messages that name the URL.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot fetch {url}: {e:?}"))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(format!("cannot fetch {url}: HTTP {}", response.status()));
    }
    let buffer = response
        .array_buffer()
        .map_err(|e| format!("cannot read {url}: {e:?}"))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|e| format!("cannot read {url}: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Raw bytes of an export, kept so a backend switch does not download again.
#[derive(Clone, PartialEq)]
pub struct ExportBytes {
    pub base_url: String,
    pub manifest: Vec<u8>,
    pub weights: Vec<u8>,
}

impl ExportBytes {
    /// Downloads `manifest.json` and `model.safetensors` from `base_url`.
    pub async fn download(base_url: &str) -> Result<Self, String> {
        let base = base_url.trim_end_matches('/');
        let manifest = fetch_bytes(&format!("{base}/{MANIFEST_FILE}")).await?;
        let weights = fetch_bytes(&format!("{base}/{WEIGHTS_FILE}")).await?;
        Ok(Self {
            base_url: base.to_string(),
            manifest,
            weights,
        })
    }
}

/// A loaded model on one backend.
pub struct Engine {
    pub backend: Backend,
    pub manifest: Manifest,
    device: Device,
    model: Autoencoder,
}

impl PartialEq for Engine {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Engine {
    pub async fn start(backend: Backend, export: &ExportBytes) -> Result<Self, String> {
        let device = open_device(backend).await?;
        let loaded = load_export(&export.manifest, &export.weights, &device)
            .map_err(|e| format!("{}: {e}", export.base_url))?;
        Ok(Self {
            backend,
            manifest: loaded.manifest,
            device,
            model: loaded.model,
        })
    }

    /// Decodes row-major latents into `[count, channels, height, width]` values in [0, 1].
    pub async fn decode(&self, z: &[f32]) -> Result<Vec<f32>, String> {
        let images = self
            .model
            .decode(latent_batch(z, self.manifest.latent_dim, &self.device));
        let data = images
            .into_data_async()
            .await
            .map_err(|e| format!("decode failed: {e:?}"))?;
        data.try_to_vec::<f32>()
            .map_err(|e| format!("decode returned unexpected data: {e:?}"))
    }
}
