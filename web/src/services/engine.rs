//! The page's model engine: picks a backend, downloads an export, encodes and decodes.
//!
//! Everything here is async because the browser forbids blocking: weights come over
//! `fetch`, WebGPU starts with a promise, and GPU tensors can only be read back with
//! `into_data_async` (a synchronous read panics in wasm).

#[cfg(feature = "webgpu")]
use std::cell::{Cell, RefCell};
use std::fmt;

use latentlab_model::burn::prelude::*;
use latentlab_model::weights::{MANIFEST_FILE, Points, load_export, load_points};
use latentlab_model::{Decoder, ExportedModel, Manifest, latent_batch};
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

/// What `navigator.gpu` hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebGpuAdapter {
    /// No API, or no adapter (a blocklisted GPU): only the CPU path.
    Missing,
    /// A software rasteriser (SwiftShader, llvmpipe), named: it runs WebGPU on the CPU
    /// far slower than the page's own CPU path, so it is offered but not chosen.
    Software(String),
    Hardware,
}

/// The backend a page runs on: the requested one, else WebGPU on a hardware adapter
/// (a software adapter is slower than the CPU path: offered, not chosen); `None`
/// while the adapter is unknown.
pub fn choose_backend(
    requested: Option<Backend>,
    adapter: Option<&WebGpuAdapter>,
) -> Option<Backend> {
    requested.or_else(|| {
        adapter.map(|adapter| match adapter {
            WebGpuAdapter::Hardware => Backend::WebGpu,
            _ => Backend::Cpu,
        })
    })
}

/// Asks for an adapter, the only real test: a browser may expose the API yet have no
/// usable adapter. Software adapters report `isFallbackAdapter` (on the adapter's
/// `info` in current browsers, on the adapter itself in older ones) or name
/// themselves in `info`.
pub async fn webgpu_adapter() -> WebGpuAdapter {
    let Some(window) = web_sys::window() else {
        return WebGpuAdapter::Missing;
    };
    let navigator = window.navigator();
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).unwrap_or_default();
    if gpu.is_undefined() || gpu.is_null() {
        return WebGpuAdapter::Missing;
    }
    // `web_sys::Gpu` is behind web-sys's unstable-API cfg, so call it through JS.
    let request = js_sys::Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = request.and_then(|f| f.call0(&gpu).ok()) else {
        return WebGpuAdapter::Missing;
    };
    let adapter = match JsFuture::from(js_sys::Promise::resolve(&promise)).await {
        Ok(adapter) if !adapter.is_null() && !adapter.is_undefined() => adapter,
        _ => return WebGpuAdapter::Missing,
    };
    let get = |object: &wasm_bindgen::JsValue, key: &str| {
        js_sys::Reflect::get(object, &key.into()).unwrap_or_default()
    };
    let info = get(&adapter, "info");
    let text = |key: &str| get(&info, key).as_string().unwrap_or_default();
    let name = format!("{} {}", text("vendor"), text("architecture"))
        .trim()
        .to_string();
    let flagged = get(&info, "isFallbackAdapter").as_bool() == Some(true)
        || get(&adapter, "isFallbackAdapter").as_bool() == Some(true);
    let described = [text("architecture"), text("description"), text("device")]
        .join(" ")
        .to_lowercase();
    let named_software = [
        "swiftshader",
        "llvmpipe",
        "lavapipe",
        "software",
        "basic render",
    ]
    .iter()
    .any(|word| described.contains(word));
    if flagged || named_software {
        WebGpuAdapter::Software(if name.is_empty() {
            "a software adapter".into()
        } else {
            name
        })
    } else {
        WebGpuAdapter::Hardware
    }
}

#[cfg(feature = "webgpu")]
thread_local! {
    /// burn's wgpu runtime initialises once per page; later switches back reuse it.
    static WEBGPU_DEVICE: RefCell<Option<Device>> = const { RefCell::new(None) };
    /// A start is under way: a second start at the same time fails inside burn ("a
    /// server is still registered"), so later callers wait for the first.
    static WEBGPU_STARTING: Cell<bool> = const { Cell::new(false) };
}

/// Whether a WebGPU error means the device is gone (destroyed, lost, or poisoned by
/// an earlier failure) rather than one bad request.
pub fn is_device_loss(message: &str) -> bool {
    let message = message.to_lowercase();
    ["poisoned", "destroyed", "device lost", "device was lost"]
        .iter()
        .any(|sign| message.contains(sign))
}

pub async fn open_device(backend: Backend) -> Result<Device, String> {
    match backend {
        Backend::Cpu => Ok(Device::flex()),
        #[cfg(not(feature = "webgpu"))]
        Backend::WebGpu => {
            crate::services::builds::reload_on_webgpu()?;
            Err("loading the page's WebGPU build".into())
        }
        #[cfg(feature = "webgpu")]
        Backend::WebGpu => {
            while WEBGPU_STARTING.get() {
                yield_to_browser().await;
            }
            if let Some(device) = WEBGPU_DEVICE.with(|d| d.borrow().clone()) {
                return Ok(device);
            }
            WEBGPU_STARTING.set(true);
            let started = Device::wgpu_options().init_async().await;
            WEBGPU_STARTING.set(false);
            let device = started.map_err(|e| format!("WebGPU did not start: {e:?}"))?;
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
    // The body can fail after the headers arrived (a dropped connection): say so by name.
    let buffer = JsFuture::from(buffer).await.map_err(|e| {
        let why = e
            .dyn_ref::<js_sys::Error>()
            .map_or_else(|| format!("{e:?}"), |e| String::from(e.message()));
        format!("the download of {url} broke off before it finished ({why}); reload to try again")
    })?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Raw bytes of an export, kept so a backend switch does not download again.
#[derive(Clone, PartialEq, Eq)]
pub struct ExportBytes {
    /// Where it came from (a URL or "your files"), for error messages.
    pub source: String,
    pub manifest_name: String,
    pub manifest: Vec<u8>,
    pub weights_name: String,
    pub weights: Vec<u8>,
    /// `points.safetensors` when the manifest lists one.
    pub points: Option<(String, Vec<u8>)>,
}

impl ExportBytes {
    /// Downloads `manifest.json`, the weights and (when listed) the points from `base_url`.
    pub async fn download(base_url: &str) -> Result<Self, String> {
        let base = base_url.trim_end_matches('/');
        let manifest_url = format!("{base}/{MANIFEST_FILE}");
        let manifest = fetch_bytes(&manifest_url).await?;
        let parsed = Manifest::from_json(&manifest).map_err(|e| format!("{manifest_url}: {e}"))?;
        let weights_url = format!("{base}/{}", parsed.weights_file);
        let weights = fetch_bytes(&weights_url).await?;
        let points = match &parsed.points {
            Some(info) => {
                let url = format!("{base}/{}", info.file);
                let bytes = fetch_bytes(&url).await?;
                Some((url, bytes))
            }
            None => None,
        };
        Ok(Self {
            source: base.to_string(),
            manifest_name: manifest_url,
            manifest,
            weights_name: weights_url,
            weights,
            points,
        })
    }
}

/// A loaded model on one backend, with the encoded points shipped beside it.
pub struct Engine {
    pub backend: Backend,
    pub manifest: Manifest,
    pub points: Option<Points>,
    device: Device,
    model: ExportedModel,
}

impl PartialEq for Engine {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Values per decode chunk: between chunks the page may yield to the browser, so a
/// big CPU decode (a 30 x 30 manifold) never freezes the page for its whole length.
const CHUNK_VALUES: usize = 8 * 3 * 64 * 64;

/// Decoding time after which the next chunk waits for the browser, so a long decode
/// answers input within about this plus one chunk. A yield costs the decode a timer
/// and often a frame, so chunks that run quickly (8 faces: 25-40 ms on a 2-core Zen 4
/// VM) follow each other without one: a 16-face grid is one task. (30 ms split that
/// grid whenever the host was slow, and its timing spread from 48 to 92 ms.)
const YIELD_AFTER_MS: f64 = 50.0;

/// Lets the browser paint and handle input (a macrotask turn) before going on.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}

impl Eq for Engine {}

impl Engine {
    /// Checks and loads `export` on `backend`. Errors name the file at fault.
    pub async fn start(backend: Backend, export: &ExportBytes) -> Result<Self, String> {
        let manifest = Manifest::from_json(&export.manifest)
            .map_err(|e| format!("{}: {e}", export.manifest_name))?;
        let points = match &export.points {
            Some((name, bytes)) => {
                Some(load_points(&manifest, bytes).map_err(|e| format!("{name}: {e}"))?)
            }
            None => None,
        };
        let device = open_device(backend).await?;
        let loaded = load_export(&export.manifest, &export.weights, &device)
            .map_err(|e| format!("{}: {e}", export.weights_name))?;
        Ok(Self {
            backend,
            manifest: loaded.manifest,
            points,
            device,
            // BatchNorm folded away: one pass over each activation fewer (the CLI's
            // `sample` decodes the same folded network).
            model: loaded.model.for_inference(),
        })
    }

    /// Decodes row-major latents into `[count, channels, height, width]` values in [0, 1].
    pub async fn decode(&self, z: &[f32]) -> Result<Vec<f32>, String> {
        let dim = self.manifest.latent_dim;
        let per_chunk = (CHUNK_VALUES / self.manifest.pixels().max(1)).max(1) * dim;
        let mut pixels = Vec::with_capacity(z.len() / dim.max(1) * self.manifest.pixels());
        let mut since_yield = now_ms();
        for chunk in z.chunks(per_chunk.max(1)) {
            if now_ms() - since_yield >= YIELD_AFTER_MS {
                yield_to_browser().await;
                since_yield = now_ms();
            }
            let images = self.model.decode(latent_batch(chunk, dim, &self.device));
            pixels.extend(read(images.into_data_async().await)?);
        }
        Ok(pixels)
    }

    /// The encoder's mean for one `[channels, height, width]` image in [0, 1]; an error
    /// for a GAN's generator, which has none.
    pub async fn encode(&self, image: &[f32]) -> Result<Vec<f32>, String> {
        let model = self
            .model
            .autoencoder()
            .ok_or_else(|| format!("{} has no encoder (a GAN's generator)", self.manifest.name))?;
        let [c, h, w] = self.manifest.image_shape();
        if image.len() != c * h * w {
            return Err(format!(
                "expected a {c}x{h}x{w} image, got {} values",
                image.len()
            ));
        }
        let batch =
            Tensor::<4>::from_data(TensorData::new(image.to_vec(), [1, c, h, w]), &self.device);
        let (mean, _) = model.encode(batch);
        read(mean.into_data_async().await)
    }
}

fn read<E: fmt::Debug>(data: Result<TensorData, E>) -> Result<Vec<f32>, String> {
    data.map_err(|e| format!("reading the GPU result failed: {e:?}"))?
        .try_to_vec::<f32>()
        .map_err(|e| format!("unexpected tensor data: {e:?}"))
}
