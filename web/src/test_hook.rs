//! Exposes the last decode on `window.latentlab` so browser tests can compare the
//! page's raw floats with a native decode (a canvas only keeps 8-bit pixels).

use js_sys::{Float32Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::engine::Backend;

pub fn publish_decode(backend: Backend, seed: u64, z: &[f32], pixels: &[f32]) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let record = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&record, &key.into(), &value);
    };
    set("backend", backend.query_value().into());
    set("seed", JsValue::from_f64(seed as f64));
    set("z", Float32Array::from(z).into());
    set("pixels", Float32Array::from(pixels).into());
    let _ = Reflect::set(&window, &"latentlab".into(), &record);
}
